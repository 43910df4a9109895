package search

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// E-discovery decides what every kind of the journal means for its
// index, and names no kind the journal does not have.
func TestEveryJournalKindHasADiscoveryMeaning(t *testing.T) {
	for _, k := range record.Kinds() {
		if _, ok := discoveryMeanings[k]; !ok {
			t.Errorf("journal kind %q: e-discovery does not say what it means for its index", k)
		}
	}
	for k := range discoveryMeanings {
		if !slices.Contains(record.Kinds(), k) {
			t.Errorf("e-discovery names kind %q, which is not a journal kind", k)
		}
	}
}

// memJournal is a DiscoveryJournal held in memory.
type memJournal struct{ es []DiscoveryEntry }

func (j *memJournal) Head(context.Context) (int64, error) { return int64(len(j.es)), nil }

func (j *memJournal) EntriesWithContent(_ context.Context, after int64, limit int) ([]DiscoveryEntry, error) {
	if after >= int64(len(j.es)) {
		return nil, nil
	}
	end := min(int(after)+limit, len(j.es))
	return j.es[after:end], nil
}

func (j *memJournal) add(kind record.Kind, actor, channel, subject string, at time.Time, content any, meta map[string]string) int64 {
	var c json.RawMessage
	if content != nil {
		c, _ = json.Marshal(content)
	}
	seq := int64(len(j.es) + 1)
	j.es = append(j.es, DiscoveryEntry{Seq: seq, Kind: kind, ActorID: actor, ChannelID: channel, SubjectID: subject, At: at, Meta: meta, Content: c})
	return seq
}

type noFiles struct{}

func (noFiles) FileText(context.Context, string, int) (string, error) { return "", nil }

type namedUsers map[string]string

func (u namedUsers) UserByName(_ context.Context, name string) (string, bool, error) {
	id, ok := u[name]
	return id, ok, nil
}

type namedChannels map[string][]string

func (c namedChannels) ChannelIDsNamed(_ context.Context, name string) ([]string, error) {
	return c[name], nil
}

func newTestDiscovery(t testing.TB, dir string, j *memJournal, batch int) *Discovery {
	t.Helper()
	x, err := NewDiscovery(DiscoveryDeps{Log: logtest.New(t), Journal: j, Files: noFiles{},
		Users: namedUsers{"ann": "u-ann", "bob": "u-bob"}, Channels: namedChannels{"general": {"c-1"}}}, DiscoveryConfig{Dir: dir, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// A message's life on the index: each version a document, the state
// follows the record, a purge (one by one or batched) drops documents,
// and the answer is the same whatever the batch boundaries.
func TestDiscoveryFollowsTheRecord(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	j := &memJournal{}
	v1 := j.add(record.MessageCreated, "u-ann", "c-1", "m-1", at, map[string]any{"text": "Vertrag alpha"}, nil)
	v2 := j.add(record.MessageEdited, "u-ann", "c-1", "m-1", at.Add(time.Minute), map[string]any{"text": "Vertrag beta"}, map[string]string{"version": "2"})
	o1 := j.add(record.MessageCreated, "u-bob", "c-1", "m-2", at.Add(2*time.Minute), map[string]any{"text": "Vertrag gamma"}, nil)
	j.add(record.MessageDeleted, "u-bob", "c-1", "m-2", at.Add(3*time.Minute), nil, nil)
	r1 := j.add(record.MessageCreated, "u-bob", "c-1", "m-3", at.Add(4*time.Minute), map[string]any{"text": "Vertrag delta", "root_id": "m-1"}, nil)
	gone := j.add(record.MessageCreated, "u-ann", "c-2", "m-4", at.Add(5*time.Minute), map[string]any{"text": "Vertrag epsilon"}, nil)
	gone2 := j.add(record.MessageCreated, "u-ann", "c-2", "m-5", at.Add(6*time.Minute), map[string]any{"text": "Vertrag zeta"}, nil)
	j.add(record.ContentPurged, "", "", strconv.FormatInt(gone, 10), at.Add(7*time.Minute), nil, map[string]string{"reason": "retention"})
	// A batched purge, as retention writes it.
	j.add(record.RetentionPurged, "", "", "", at.Add(8*time.Minute), nil, map[string]string{record.MetaPurgedSeqs: strconv.FormatInt(gone2, 10),
		record.MetaPurgedMessages: "m-5"})

	for _, batch := range []int{1, 2, 1000} {
		t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
			x := newTestDiscovery(t, t.TempDir(), j, batch)
			defer x.Close()
			if _, err := x.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			find := func(r DiscoveryRequest) []int64 {
				t.Helper()
				r.Sort = DiscoveryOldest
				res, err := x.Find(ctx, r)
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != uint64(len(res.Seqs)) {
					t.Errorf("total %d for %d hits", res.Total, len(res.Seqs))
				}
				return res.Seqs
			}
			for _, tc := range []struct {
				name string
				r    DiscoveryRequest
				want []int64
			}{
				{"all versions, not what was purged", DiscoveryRequest{Query: "Vertrag"}, []int64{v1, v2, o1, r1}},
				{"an earlier version", DiscoveryRequest{Query: "alpha"}, []int64{v1}},
				{"custodian", DiscoveryRequest{Query: "Vertrag", CustodianIDs: []string{"u-bob"}}, []int64{o1, r1}},
				{"from:", DiscoveryRequest{Query: "from:@ann"}, []int64{v1, v2}},
				{"in:", DiscoveryRequest{Query: "Vertrag in:~general"}, []int64{v1, v2, o1, r1}},
				{"edited", DiscoveryRequest{States: []string{StateEdited}}, []int64{v1, v2}},
				{"deleted", DiscoveryRequest{States: []string{StateDeleted}}, []int64{o1}},
				{"live", DiscoveryRequest{States: []string{StateLive}}, []int64{r1}},
				{"thread (root and reply)", DiscoveryRequest{Query: "is:thread"}, []int64{v1, v2, r1}},
				{"time range", DiscoveryRequest{Query: "Vertrag", Since: at.Add(time.Minute), Until: at.Add(3 * time.Minute)}, []int64{v2, o1}},
				{"files", DiscoveryRequest{Query: "Vertrag", Kinds: []string{DiscoveryFile}}, nil},
			} {
				if got := find(tc.r); !slices.Equal(got, tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				}
			}
		})
	}
}

// The e-discovery query p95 over a large record (docs/benchmarks.md). The
// journal is synthetic: EDISC_BENCH_MESSAGES messages (default 20,000) by
// 200 people in 500 channels over two years, a tenth of them edited, one
// in thirty deleted. The index is built once into EDISC_BENCH_DIR (a temp
// dir when unset; set it to keep the index for further runs), then each
// query shape runs b.N times. Reported: p50 and p95 per query in ms.
//
//	EDISC_BENCH_MESSAGES=1000000 EDISC_BENCH_DIR=/tmp/edisc-1m \
//	  go test -run '^$' -bench BenchmarkDiscoveryFind -benchtime 200x -timeout 3h ./modules/search/
func BenchmarkDiscoveryFind(b *testing.B) {
	n := 20_000
	if s := os.Getenv("EDISC_BENCH_MESSAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("EDISC_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	j := syntheticRecord(n)
	x := newTestDiscovery(b, dir, j, 5000)
	defer x.Close()
	ctx := context.Background()
	if x.Cursor() < int64(len(j.es)) {
		start := time.Now()
		if _, err := x.CatchUp(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("built the index of %d journal entries (%d messages) in %s", len(j.es), n, time.Since(start).Round(time.Second))
	}
	since := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	queries := []struct {
		name string
		r    DiscoveryRequest
	}{
		{"common word", DiscoveryRequest{Query: benchWord(3)}},
		{"rare word", DiscoveryRequest{Query: benchWord(2900)}},
		{"two words, custodian", DiscoveryRequest{Query: benchWord(10) + " " + benchWord(40), CustodianIDs: []string{"u7"}}},
		{"phrase", DiscoveryRequest{Query: `"` + benchWord(1) + " " + benchWord(2) + `"`}},
		{"prefix", DiscoveryRequest{Query: "wo" + benchWord(55)[2:4] + "*"}},
		{"custodian and months, no words", DiscoveryRequest{CustodianIDs: []string{"u42"}, Since: since, Until: since.AddDate(0, 3, 0)}},
		{"word, deleted only", DiscoveryRequest{Query: benchWord(20), States: []string{StateDeleted}}},
		{"word, relevance", DiscoveryRequest{Query: benchWord(100), Sort: DiscoveryRelevance}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			ds := make([]time.Duration, 0, b.N)
			var total uint64
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				res, err := x.Find(ctx, q.r)
				if err != nil {
					b.Fatal(err)
				}
				ds = append(ds, time.Since(t0))
				total = res.Total
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(total), "hits")
		})
	}
}

// benchWord is the word of rank r (0: the most common) of a vocabulary of
// 3,000 made-up words.
func benchWord(r int) string {
	const letters = "aeioubdfgklmnprstwz"
	var sb strings.Builder
	sb.WriteString("wo")
	for x := r + 1; x > 0; x /= len(letters) {
		sb.WriteByte(letters[x%len(letters)])
	}
	sb.WriteString("t")
	return sb.String()
}

// syntheticRecord makes the journal of n messages: Zipf-distributed words,
// 8 to 24 a message.
func syntheticRecord(n int) *memJournal {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 1, 2999)
	j := &memJournal{es: make([]DiscoveryEntry, 0, n+n/5)}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 2 * 365 * 24 * time.Hour / time.Duration(n)
	words := make([]string, 3000)
	for i := range words {
		words[i] = benchWord(i)
	}
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * step)
		var sb strings.Builder
		for k, m := 0, 8+rng.IntN(17); k < m; k++ {
			if k > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(words[zipf.Uint64()])
		}
		id := "m" + strconv.Itoa(i)
		user, ch := "u"+strconv.Itoa(rng.IntN(200)), "c"+strconv.Itoa(rng.IntN(500))
		j.add(record.MessageCreated, user, ch, id, at, map[string]any{"text": sb.String()}, nil)
		switch {
		case i%10 == 0:
			j.add(record.MessageEdited, user, ch, id, at.Add(time.Minute), map[string]any{"text": sb.String() + " " + words[zipf.Uint64()]},
				map[string]string{"version": "2"})
		case i%30 == 1:
			j.add(record.MessageDeleted, user, ch, id, at.Add(time.Minute), nil, nil)
		}
	}
	return j
}
