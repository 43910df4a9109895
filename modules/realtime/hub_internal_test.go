package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	chatevents "github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// fakeLog is an event log in memory. Like the real one, events become
// visible in cursor order (commit takes the next cursor and publishes
// the event in one step); it also keeps the membership the events say,
// as chat's table would, and answers ReadableChannels from it.
type fakeLog struct {
	mu    sync.Mutex
	evs   []eventlog.Event
	chans map[string]map[string]bool // user -> channels
	since int                        // Since calls
	// When set, ReadableChannels reads, says so on loading, and waits
	// for loaded before it answers.
	loading, loaded chan struct{}
}

func newFakeLog() *fakeLog { return &fakeLog{chans: map[string]map[string]bool{}} }

func (f *fakeLog) Since(_ context.Context, after int64, limit int) ([]eventlog.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.since++
	var out []eventlog.Event
	for _, ev := range f.evs {
		if ev.Seq > after && len(out) < limit {
			out = append(out, ev)
		}
	}
	return out, nil
}

func (f *fakeLog) Bounds(context.Context) (int64, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.evs) == 0 {
		return 0, 0, nil
	}
	return f.evs[0].Seq, f.evs[len(f.evs)-1].Seq, nil
}

func (f *fakeLog) ReadableChannels(_ context.Context, userID string) ([]string, error) {
	f.mu.Lock()
	var out []string
	for ch, in := range f.chans[userID] {
		if in {
			out = append(out, ch)
		}
	}
	f.mu.Unlock()
	if f.loaded != nil {
		f.loading <- struct{}{}
		<-f.loaded
	}
	return out, nil
}

func (f *fakeLog) sinceCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.since
}

// commit appends an event for channelID (a member event when member is
// "+user" or "-user") and returns it.
func (f *fakeLog) commit(channelID, member string) eventlog.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	ev := eventlog.Event{Seq: int64(len(f.evs) + 1), Type: chatevents.MessageCreated, ChannelID: channelID, At: time.UnixMilli(0).UTC(),
		Payload: json.RawMessage(`{}`)}
	if member != "" {
		u := member[1:]
		ev.Type = chatevents.MemberAdded
		if member[0] == '-' {
			ev.Type = chatevents.MemberRemoved
		}
		ev.Payload, _ = json.Marshal(chatevents.Member{ChannelID: channelID, UserID: u})
		if f.chans[u] == nil {
			f.chans[u] = map[string]bool{}
		}
		f.chans[u][channelID] = member[0] == '+'
	}
	f.evs = append(f.evs, ev)
	return ev
}

func (f *fakeLog) event(seq int64) eventlog.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.evs[seq-1]
}

func testHub(f *fakeLog) *hub {
	h := newHub(f, f, slog.New(slog.DiscardHandler), prometheus.NewGauge(prometheus.GaugeOpts{Name: "conns"}))
	h.tick = time.Hour // only what the test causes
	return h
}

func testConn(userID string, queueLen int) *conn {
	d := &connDeps{cfg: Config{QueueLen: queueLen}, clock: clock.System{}, log: slog.New(slog.DiscardHandler),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "sent"}), slowCuts: prometheus.NewCounter(prometheus.CounterOpts{Name: "cuts"})}
	return newConn(d, nil, &authn.Principal{UserID: userID}, time.Time{})
}

// cursors takes the event cursors queued for c.
func cursors(c *conn) []int64 {
	fs, _, _, _ := c.take()
	var out []int64
	for _, f := range fs {
		out = append(out, f.seq)
	}
	return out
}

func seqs(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// The tail delivers each event once and in cursor order whatever it is
// told in whatever order, and reads the log only when what it has in
// memory does not continue the stream. Steps: "log" commits an event on
// another node (only in the log), "local" commits one on this node
// without reporting it yet, "report N" is the commit of N reporting to
// the hub, "announce N" the bus saying N exists, "step" one look of the
// tail.
func TestTailDeliversInOrderFromMemoryOrTheLog(t *testing.T) {
	cases := []struct {
		name  string
		steps string
		reads int // Since calls
	}{
		{"own events in order, from memory", "local, report 1, step, local, report 2, announce 2, step, local, report 3, step", 0},
		{"own announcement read nothing", "local, report 1, announce 1, step, step", 0},
		{"commits reported out of order in one look", "local, local, report 2, report 1, step", 0},
		{"a later commit reported first", "local, local, report 2, step, report 1, step", 1},
		{"another node's event, then ours", "log, announce 1, local, report 2, step", 1},
		{"another node's event announced alone", "log, announce 1, step", 1},
		{"ours after another node's not yet announced", "log, local, report 2, step, announce 1, step", 1},
		{"an announcement that is not understood reads the log", "local, report 1, step, log, announce x, step", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeLog()
			h := testHub(f)
			ctx := context.Background()
			c := testConn("u", 1<<10)
			if _, _, err := h.register(ctx, c); err != nil {
				t.Fatal(err)
			}
			// u is in every channel here: it sees the whole stream.
			h.shardOf("u").memberChangedLocked("u", "ch", true)
			for _, st := range strings.Split(tc.steps, ", ") {
				word, arg, _ := strings.Cut(st, " ")
				n, _ := strconv.ParseInt(arg, 10, 64)
				switch word {
				case "log", "local":
					f.commit("ch", "")
				case "report":
					h.appended(f.event(n))
				case "announce":
					b := []byte(arg)
					if n > 0 {
						b, _ = json.Marshal(f.event(n))
					}
					h.announced(b)
				case "step":
					h.step(ctx, false)
				}
			}
			_, newest, _ := f.Bounds(ctx)
			if got := cursors(c); !slices.Equal(got, seqs(1, newest)) {
				t.Fatalf("delivered %v, want %v", got, seqs(1, newest))
			}
			if got := f.sinceCalls(); got != tc.reads {
				t.Fatalf("read the log %d times, want %d", got, tc.reads)
			}
		})
	}
}

// Many goroutines commit at once, on this node and (without reporting)
// on others, and report their commits in whatever order the scheduler
// makes: the tail, running meanwhile, delivers every event once, in
// order.
func TestTailConcurrentCommitsMissNothing(t *testing.T) {
	f := newFakeLog()
	h := testHub(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := testConn("u", 1<<16)
	if _, _, err := h.register(ctx, c); err != nil {
		t.Fatal(err)
	}
	h.shardOf("u").memberChangedLocked("u", "ch", true)
	if err := h.start(ctx); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ev := f.commit("ch", "")
				runtime.Gosched()
				if (w+i)%5 == 0 {
					// Another node's: only the bus says so.
					b, _ := json.Marshal(ev)
					h.announced(b)
					continue
				}
				h.appended(ev)
				b, _ := json.Marshal(ev)
				h.announced(b)
			}
		}()
	}
	wg.Wait()
	var got []int64
	for len(got) < writers*each {
		select {
		case <-c.notify:
		case <-time.After(30 * time.Second):
			t.Fatalf("after 30 s of nothing: %d events delivered of %d", len(got), writers*each)
		}
		got = append(got, cursors(c)...)
	}
	if !slices.Equal(got, seqs(1, writers*each)) {
		t.Fatalf("delivered out of order or twice: %v", got)
	}
	t.Logf("%d events, %d reads of the log", writers*each, f.sinceCalls())
}

// A membership change the hub dispatches after a registration read the
// membership and before it is registered counts for the connection: an
// add and a remove, each for a user with no other connection, and with
// the events reported from memory and read from the log.
func TestChangesWhileLoadingCount(t *testing.T) {
	for _, fromLog := range []bool{false, true} {
		t.Run(fmt.Sprintf("from the log %v", fromLog), func(t *testing.T) {
			f := newFakeLog()
			h := testHub(f)
			ctx := context.Background()
			f.commit("old", "+u")
			h.step(ctx, true)
			f.loading, f.loaded = make(chan struct{}), make(chan struct{})
			type reg struct {
				chans []string
				err   error
			}
			done := make(chan reg, 1)
			go func() {
				_, chans, err := h.register(ctx, testConn("u", 64))
				done <- reg{chans, err}
			}()
			<-f.loading // it has read: only "old"
			for _, ev := range []eventlog.Event{f.commit("old", "-u"), f.commit("new", "+u")} {
				if !fromLog {
					h.appended(ev)
				}
			}
			h.step(ctx, fromLog)
			close(f.loaded)
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			slices.Sort(r.chans)
			if !slices.Equal(r.chans, []string{"new"}) || h.isMember("u", "old") || !h.isMember("u", "new") {
				t.Fatalf("registered with %v; member of old %v, of new %v", r.chans, h.isMember("u", "old"), h.isMember("u", "new"))
			}
		})
	}
}

// Connections register while membership events pass: whatever the
// interleaving, once the hub has dispatched everything each connected
// user's membership is the one the log says. A registration's load may
// see the database before or after any of the events dispatched while it
// loads.
func TestRegistrationsDuringMembershipChangesEndConsistent(t *testing.T) {
	f := newFakeLog()
	h := testHub(f)
	ctx := context.Background()
	users := []string{"a", "b", "c", "d"}
	chans := []string{"x", "y", "z"}
	stop := make(chan struct{})
	tailDone := make(chan struct{})
	go func() {
		defer close(tailDone)
		for {
			select {
			case <-stop:
				return
			case <-h.wakeCh:
				h.step(ctx, false)
			}
		}
	}()
	var wg sync.WaitGroup
	// Membership changes, reported from memory.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 600 {
			sign := "+"
			if i%3 == 1 {
				sign = "-"
			}
			h.appended(f.commit(chans[i%len(chans)], sign+users[i%len(users)]))
			runtime.Gosched()
		}
	}()
	// Connections come and go; the last of each user stays.
	conns := make([][]*conn, len(users))
	for ui, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				c := testConn(u, 1<<16)
				if _, _, err := h.register(ctx, c); err != nil {
					t.Error(err)
					return
				}
				conns[ui] = append(conns[ui], c)
				if i%2 == 0 && len(conns[ui]) > 1 {
					h.unregister(conns[ui][0])
					conns[ui] = conns[ui][1:]
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-tailDone
	h.step(ctx, true)
	for _, u := range users {
		want, _ := f.ReadableChannels(ctx, u)
		slices.Sort(want)
		var got []string
		for _, ch := range chans {
			if h.isMember(u, ch) {
				got = append(got, ch)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the hub has %v, the log says %v", u, got, want)
		}
	}
}

// BenchmarkDispatch is the cost of dispatching one event to n
// connections of n people in its channel: encoding it once, finding the
// members in every shard, queueing the frame, and each connection's
// writer taking it off its queue (not writing it to the socket).
func BenchmarkDispatch(b *testing.B) {
	for _, n := range []int{1, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			f := newFakeLog()
			h := testHub(f)
			ctx := context.Background()
			var cs []*conn
			for i := range n {
				u := fmt.Sprintf("user%d", i)
				f.commit("ch", "+"+u)
				c := testConn(u, 1<<20)
				if _, _, err := h.register(ctx, c); err != nil {
					b.Fatal(err)
				}
				cs = append(cs, c)
			}
			h.pos.Store(int64(n))
			ev := eventlog.Event{Type: chatevents.MessageCreated, ChannelID: "ch", At: time.Now(),
				Payload: json.RawMessage(`{"id":"01j0000000000000000000000","text":"Hallo, wie geht es?","user_id":"01j0000000000000000000001"}`)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ev.Seq = int64(n + 1 + i)
				h.dispatch(ev)
				for _, c := range cs {
					c.take() // as each writer does
				}
			}
		})
	}
}

// slowMembers answers every membership load with one channel after a
// delay: a database round trip.
type slowMembers struct{ delay *atomic.Int64 }

func (s slowMembers) ReadableChannels(context.Context, string) ([]string, error) {
	time.Sleep(time.Duration(s.delay.Load()))
	return []string{"ch"}, nil
}

// BenchmarkDispatchWhileRegistering is BenchmarkDispatch for 100
// connections while four goroutines keep registering (and dropping)
// connections whose membership load takes 1 ms, as after a restart when
// every client reconnects.
func BenchmarkDispatchWhileRegistering(b *testing.B) {
	const n = 100
	delay := &atomic.Int64{}
	h := newHub(newFakeLog(), slowMembers{delay}, slog.New(slog.DiscardHandler), prometheus.NewGauge(prometheus.GaugeOpts{Name: "conns"}))
	ctx := context.Background()
	var cs []*conn
	for i := range n {
		c := testConn(fmt.Sprintf("user%d", i), 1<<20)
		if _, _, err := h.register(ctx, c); err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
	}
	delay.Store(int64(time.Millisecond))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				c := testConn(fmt.Sprintf("new%d-%d", g, i), 16)
				if _, _, err := h.register(ctx, c); err == nil {
					h.unregister(c)
				}
			}
		}()
	}
	ev := eventlog.Event{Type: chatevents.MessageCreated, ChannelID: "ch", At: time.Now(),
		Payload: json.RawMessage(`{"id":"01j0000000000000000000000","text":"Hallo, wie geht es?","user_id":"01j0000000000000000000001"}`)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		ev.Seq = int64(1 + i)
		h.dispatch(ev)
		for _, c := range cs {
			c.take()
		}
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
}
