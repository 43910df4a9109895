// Command searchbench measures the search module on generated chat
// messages: indexing rate, index size on disk, memory, how soon a new
// message is found, and query latency for single words, phrases, prefixes
// and filtered queries, for a user in few channels and one in thousands.
//
//	go run ./tools/searchbench -n 1000000 -dir /tmp/searchbench
//
// It drives the module through its public API with an in-memory journal
// (Source) and membership (Access), like the module's own tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/search"
)

func main() {
	var o options
	flag.Int64Var(&o.n, "n", 100000, "messages to index")
	flag.StringVar(&o.dir, "dir", "", "index directory (default: a new temporary directory, removed afterwards)")
	flag.IntVar(&o.channels, "channels", 5000, "channels the messages are spread over")
	flag.IntVar(&o.users, "users", 1000, "authors")
	flag.IntVar(&o.batch, "batch", 1000, "changes per index batch")
	flag.IntVar(&o.rounds, "rounds", 20, "times each query is run per user")
	flag.StringVar(&o.filters, "filters", "auto", "permission filter shapes to measure, comma-separated: auto (the default threshold), terms (always channel terms), set (always the channel set)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the indexing phase to this file")
	flag.StringVar(&o.queryprofile, "queryprofile", "", "write a CPU profile of the query phase to this file")
	flag.Parse()
	if err := run(os.Stdout, o); err != nil {
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(1)
	}
}

type options struct {
	n        int64
	dir      string
	channels int
	users    int
	batch    int
	rounds   int

	filters      string
	cpuprofile   string
	queryprofile string
}

// source is the journal: generated messages plus the ones the freshness
// test appends.
type source struct {
	c     *corpus
	mu    sync.Mutex
	n     int64
	extra map[int64]search.Change
}

func (s *source) Changes(_ context.Context, after int64, limit int) ([]search.Change, error) {
	s.mu.Lock()
	n := s.n
	s.mu.Unlock()
	var out []search.Change
	for seq := after + 1; seq <= n && len(out) < limit; seq++ {
		s.mu.Lock()
		c, ok := s.extra[seq]
		s.mu.Unlock()
		if !ok {
			c = s.c.change(seq)
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *source) append(c search.Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	c.Seq = s.n
	s.extra[s.n] = c
}

// world: user "few" reads 50 channels, "some" 200, "many" 1000, "all"
// every channel.
type world struct {
	c       *corpus
	members map[string][]string
}

func newWorld(c *corpus) *world {
	w := &world{c: c, members: map[string][]string{}}
	for name, k := range map[string]int{"few": 50, "some": 200, "many": 1000, "all": c.channels} {
		seen := map[int]bool{}
		for i := 0; len(seen) < min(k, c.channels); i++ {
			seen[(i*7919+13)%c.channels] = true
		}
		for ch := range seen {
			w.members[name] = append(w.members[name], c.channelID(ch))
		}
		slices.Sort(w.members[name])
	}
	return w
}

func (w *world) ReadableChannels(_ context.Context, userID string) ([]string, error) {
	return w.members[userID], nil
}

func (w *world) UserByName(_ context.Context, name string) (string, bool, error) {
	var i int
	if _, err := fmt.Sscanf(name, "user-%d", &i); err != nil {
		return "", false, nil
	}
	return w.c.userID(i), true, nil
}

func (w *world) ChannelByName(_ context.Context, _, name string) (string, bool, error) {
	var i int
	if _, err := fmt.Sscanf(name, "chan-%d", &i); err != nil {
		return "", false, nil
	}
	return w.c.channelID(i), true, nil
}

func (w *world) DirectChannel(context.Context, string, string) (string, bool, error) {
	return "", false, nil
}

func run(out io.Writer, o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "searchbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	c := &corpus{seed: 42, channels: o.channels, users: o.users,
		start: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), step: 365 * 24 * time.Hour / time.Duration(max(o.n, 1))}
	src := &source{c: c, n: o.n, extra: map[int64]search.Change{}}
	w := newWorld(c)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	open := func(termsMax int) (*search.Module, error) {
		return search.New(search.Deps{Log: log, Source: src, Access: w, Users: w, Channels: w},
			search.Config{Dir: dir, BatchSize: o.batch, FilterTermsMax: termsMax})
	}

	fmt.Fprintf(out, "searchbench: %d messages, %d channels, %d authors, batch %d, GOMAXPROCS %d, %s\n\n",
		o.n, o.channels, o.users, o.batch, runtime.GOMAXPROCS(0), runtime.Version())

	// Indexing.
	m, err := open(0)
	if err != nil {
		return err
	}
	peak := watchMemory()
	stopProfile, err := profile(o.cpuprofile)
	if err != nil {
		return err
	}
	start := time.Now()
	ctx := context.Background()
	lastReport := start
	for m.Cursor() < o.n {
		if _, err := m.CatchUp(ctx); err != nil {
			return err
		}
		if time.Since(lastReport) > 30*time.Second {
			fmt.Fprintf(os.Stderr, "  indexed %d of %d\n", m.Cursor(), o.n)
			lastReport = time.Now()
		}
	}
	took := time.Since(start)
	stopProfile()
	heap := peak.stop()
	if err := m.Close(); err != nil {
		return err
	}
	closed := time.Since(start)
	size, err := dirSize(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "indexing\n")
	fmt.Fprintf(out, "  %d messages in %s: %.0f messages/s (%s including the final flush on close)\n",
		o.n, took.Round(time.Millisecond), float64(o.n)/took.Seconds(), closed.Round(time.Millisecond))
	fmt.Fprintf(out, "  index on disk: %.1f MiB (%.0f bytes per message)\n", float64(size)/(1<<20), float64(size)/float64(max(o.n, 1)))
	fmt.Fprintf(out, "  memory while indexing: peak Go heap in use %.0f MiB, peak RSS %.0f MiB\n\n", float64(heap)/(1<<20), float64(peakRSS())/(1<<20))

	// Queries, on the reopened index.
	m, err = open(0)
	if err != nil {
		return err
	}
	fresh, err := freshness(m, src, w)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "a new message is found after (indexer running, woken by Notify): p50 %s, p99 %s, max %s over %d messages\n",
		fresh.p(50), fresh.p(99), fresh.p(100), len(fresh))

	chanFew := strings.TrimPrefix(w.members["few"][3], "ch")
	chanFewName := fmt.Sprintf("chan-%d", atoi(chanFew))
	sets := []struct {
		name    string
		queries []string
	}{
		{"single word", []string{"Besprechung", "Verträge", "Qualitätssicherung", "meeting", "stakeholders", "会议", "截止日期", "Haus"}},
		{"phrase", []string{`"die Besprechung"`, `"the meeting"`, `"Projekt Budget"`, `"会议 项目"`}},
		{"prefix", []string{"Besp*", "comp*", "Rechn*", "deploy*"}},
		{"filtered", []string{"Besprechung in:~" + chanFewName, "meeting from:@user-5", "Rechnung after:2026-03-01 before:2026-04-01",
			"server has:link", "Budget is:thread", "会议 after:2026-06-01"}},
		{"operators only (newest first)", []string{"from:@user-7", "in:~" + chanFewName, "has:link on:2026-05-05"}},
	}
	stopProfile, err = profile(o.queryprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	for _, mode := range strings.Split(o.filters, ",") {
		termsMax, ok := map[string]int{"auto": 0, "terms": 1 << 30, "set": -1}[mode]
		if !ok {
			return fmt.Errorf("unknown filter shape %q", mode)
		}
		m, err := open(termsMax)
		if err != nil {
			return err
		}
		err = queries(out, m, w, mode, sets, o.rounds)
		if cerr := m.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type querySet = struct {
	name    string
	queries []string
}

func queries(out io.Writer, m *search.Module, w *world, mode string, sets []querySet, rounds int) error {
	ctx := context.Background()
	fmt.Fprintf(out, "\nquery latency, permission filter %s (one query at a time; %d runs of each query; page of 20 with snippets)\n", mode, rounds)
	fmt.Fprintf(out, "  %-32s %-16s %9s %9s %9s %10s\n", "queries", "user reads", "p50", "p95", "p99", "mean hits")
	for _, set := range sets {
		for _, user := range []string{"few", "some", "many", "all"} {
			var lat durations
			var hits uint64
			actx := authn.WithPrincipal(ctx, &authn.Principal{UserID: user, Username: user})
			for round := 0; round < rounds; round++ {
				for _, q := range set.queries {
					t0 := time.Now()
					res, err := m.Search(actx, search.Request{Query: q, PerPage: 20})
					if err != nil {
						return fmt.Errorf("%q: %w", q, err)
					}
					lat = append(lat, time.Since(t0))
					hits += res.Total
				}
			}
			fmt.Fprintf(out, "  %-32s %-16s %9s %9s %9s %10d\n", set.name, fmt.Sprintf("%d channels", len(w.members[user])),
				lat.p(50), lat.p(95), lat.p(99), hits/uint64(len(lat)))
		}
	}
	return nil
}

// freshness appends messages one at a time with the indexer running and
// measures how long until a search finds each.
func freshness(m *search.Module, src *source, w *world) (durations, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m.Start(ctx)
	actx := authn.WithPrincipal(ctx, &authn.Principal{UserID: "few", Username: "few"})
	var out durations
	for i := 0; i < 30; i++ {
		word := fmt.Sprintf("frischwort%dx", i)
		t0 := time.Now()
		src.append(search.Change{Kind: record.MessageCreated, ChannelID: w.members["few"][0], SubjectID: fmt.Sprintf("fresh%d", i),
			Text: "Neu: " + word, AuthorID: "u00001", At: time.Now()})
		m.Notify()
		for {
			res, err := m.Search(actx, search.Request{Query: word})
			if err != nil {
				return nil, err
			}
			if res.Total > 0 {
				break
			}
			if time.Since(t0) > time.Minute {
				return nil, fmt.Errorf("message %d not found after a minute", i)
			}
			time.Sleep(time.Millisecond)
		}
		out = append(out, time.Since(t0))
	}
	return out, nil
}

// profile starts a CPU profile into path (none if path is empty) and
// returns the function that ends it.
func profile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

type durations []time.Duration

func (d durations) p(q int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*q+99)/100-1)
	if q == 100 {
		i = len(s) - 1
	}
	return s[max(i, 0)].Round(10 * time.Microsecond)
}

type memWatch struct {
	stopc chan struct{}
	peak  atomic.Uint64
	done  chan struct{}
}

func watchMemory() *memWatch {
	mw := &memWatch{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(mw.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > mw.peak.Load() {
				mw.peak.Store(ms.HeapInuse)
			}
			select {
			case <-mw.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return mw
}

func (mw *memWatch) stop() uint64 {
	close(mw.stopc)
	<-mw.done
	return mw.peak.Load()
}

// peakRSS reads the process's peak resident set size (Linux).
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

func atoi(s string) int {
	var i int
	fmt.Sscanf(s, "%d", &i)
	return i
}
