package search

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// journal is an in-test Source: a slice of changes, numbered as appended.
type journal struct {
	mu      sync.Mutex
	changes []Change
	reads   []int64 // the after of every Changes call
}

func (j *journal) append(cs ...Change) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		c.Seq = int64(len(j.changes) + 1)
		j.changes = append(j.changes, c)
	}
}

func (j *journal) Changes(_ context.Context, after int64, limit int) ([]Change, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.reads = append(j.reads, after)
	i := sort.Search(len(j.changes), func(i int) bool { return j.changes[i].Seq > after })
	end := min(len(j.changes), i+limit)
	return slices.Clone(j.changes[i:end]), nil
}

// readsAfter returns the after of every Changes call so far.
func (j *journal) readsAfter() []int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.reads)
}

func (j *journal) head() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return int64(len(j.changes))
}

// world is chat and identity as search sees them: users, channels,
// memberships and DMs, changeable while the test runs.
type world struct {
	mu       sync.Mutex
	users    map[string]string          // username -> id
	channels map[string]string          // channel name -> id
	public   map[string]bool            // channel id -> visible to everyone by name
	members  map[string]map[string]bool // channel id -> user ids
	dms      map[[2]string]string       // sorted user id pair -> channel id
}

func newWorld() *world {
	return &world{users: map[string]string{}, channels: map[string]string{}, public: map[string]bool{},
		members: map[string]map[string]bool{}, dms: map[[2]string]string{}}
}

func (w *world) user(name string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := "u-" + name
	w.users[name] = id
	return id
}

func (w *world) channel(name string, public bool, memberIDs ...string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := "c-" + name
	w.channels[name] = id
	w.public[id] = public
	w.members[id] = map[string]bool{}
	for _, m := range memberIDs {
		w.members[id][m] = true
	}
	return id
}

func (w *world) dm(a, b string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := [2]string{min(a, b), max(a, b)}
	id := "d-" + k[0] + "-" + k[1]
	w.dms[k] = id
	w.members[id] = map[string]bool{a: true, b: true}
	return id
}

func (w *world) setMember(channelID, userID string, member bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if member {
		w.members[channelID][userID] = true
	} else {
		delete(w.members[channelID], userID)
	}
}

func (w *world) ReadableChannels(_ context.Context, userID string) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for id, ms := range w.members {
		if ms[userID] {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (w *world) UserByName(_ context.Context, name string) (string, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.users[name]
	return id, ok, nil
}

func (w *world) ChannelByName(_ context.Context, userID, name string) (string, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.channels[name]
	if !ok || !(w.public[id] || w.members[id][userID]) {
		return "", false, nil
	}
	return id, true, nil
}

func (w *world) DirectChannel(_ context.Context, a, b string) (string, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.dms[[2]string{min(a, b), max(a, b)}]
	return id, ok, nil
}

type fixture struct {
	t        *testing.T
	dir      string
	j        *journal
	w        *world
	m        *Module
	termsMax int // Config.FilterTermsMax
}

func newFixture(t *testing.T) *fixture {
	return newFixtureFilter(t, 0)
}

func newFixtureFilter(t *testing.T, termsMax int) *fixture {
	f := &fixture{t: t, dir: t.TempDir(), j: &journal{}, w: newWorld(), termsMax: termsMax}
	f.open()
	return f
}

// eachFilter runs fn with both shapes of the permission filter: channel
// terms, and the channel set checked on every candidate.
func eachFilter(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("terms", func(t *testing.T) { fn(t, newFixtureFilter(t, 1000)) })
	t.Run("set", func(t *testing.T) { fn(t, newFixtureFilter(t, -1)) })
}

func (f *fixture) open() {
	f.t.Helper()
	m, err := New(Deps{Log: logtest.New(f.t), Source: f.j, Access: f.w, Users: f.w, Channels: f.w},
		Config{Dir: f.dir, BatchSize: 7, PollInterval: 20 * time.Millisecond, FilterTermsMax: f.termsMax})
	if err != nil {
		f.t.Fatal(err)
	}
	f.m = m
	f.t.Cleanup(func() { m.Close() })
}

// sync brings the index up to the end of the journal.
func (f *fixture) sync() {
	f.t.Helper()
	if _, err := f.m.CatchUp(context.Background()); err != nil {
		f.t.Fatal(err)
	}
}

var clock = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// post appends a message and returns its id.
func (f *fixture) post(channelID, authorID, text string, opts ...func(*Change)) string {
	f.t.Helper()
	id := fmt.Sprintf("msg%03d", f.j.head()+1)
	c := Change{Kind: record.MessageCreated, ChannelID: channelID, SubjectID: id, Text: text, AuthorID: authorID,
		AuthorUsername: authorID[2:], ChannelName: channelID[2:], At: clock.Add(time.Duration(f.j.head()) * time.Minute)}
	for _, o := range opts {
		o(&c)
	}
	f.j.append(c)
	return id
}

func at(t time.Time) func(*Change)      { return func(c *Change) { c.At = t } }
func replyTo(root string) func(*Change) { return func(c *Change) { c.RootID = root } }

func asUser(userID string) context.Context {
	return authn.WithPrincipal(context.Background(), &authn.Principal{UserID: userID, Username: userID[2:], Roles: []authn.Role{authn.RoleMember}})
}

func asAdmin(userID string) context.Context {
	return authn.WithPrincipal(context.Background(), &authn.Principal{UserID: userID, Username: userID[2:], Roles: []authn.Role{authn.RoleAdmin}})
}

// search returns the ids of the hits (all pages up to 100).
func (f *fixture) search(userID, q string) []string {
	f.t.Helper()
	res, err := f.m.Search(asUser(userID), Request{Query: q, PerPage: 100, Sort: SortNewest})
	if err != nil {
		f.t.Fatalf("search %q: %v", q, err)
	}
	ids := []string{}
	for _, h := range res.Items {
		ids = append(ids, h.ID)
	}
	sort.Strings(ids)
	return ids
}

func (f *fixture) expect(userID, q string, want ...string) {
	f.t.Helper()
	if want == nil {
		want = []string{}
	}
	sort.Strings(want)
	if got := f.search(userID, q); !slices.Equal(got, want) {
		f.t.Errorf("search %q as %s: got %v, want %v", q, userID, got, want)
	}
}

// headJournal is a journal that also reports its end (SourceHead).
type headJournal struct{ *journal }

func (h headJournal) Head(context.Context) (int64, error) { return h.head(), nil }
