package realtime

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	chatevents "github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// eventSource is what the hub's tail reads: the event log in order.
type eventSource interface {
	Since(ctx context.Context, after int64, limit int) ([]eventlog.Event, error)
	Bounds(ctx context.Context) (oldest, newest int64, err error)
}

// hub fans the event log out to this node's connections. One goroutine,
// the tail, dispatches the events in cursor order; the registry
// (registry.go) says who gets each.
type hub struct {
	events  eventSource
	members Memberships
	log     *slog.Logger
	conns   prometheus.Gauge
	// tick is how often the tail reads the log unasked, for a bus
	// notification that got lost.
	tick time.Duration

	seed    maphash.Seed
	shards  [nShards]shard
	watched watchers

	// pos is the last event dispatched: every event up to it has been
	// offered to the connections registered when it was dispatched. Only
	// the tail writes it, before it visits the shards (see register).
	pos atomic.Int64

	// in is what the tail was told since it last looked.
	in struct {
		mu sync.Mutex
		// appended: events appended on this node, as their commits
		// reported them (not necessarily in cursor order).
		appended []eventlog.Event
		// lost: some were not kept (too many at once); read the log.
		lost bool
		// announced: the highest cursor the bus announced, from any node.
		announced int64
	}
	wakeCh chan struct{}
}

// maxAppended bounds the events kept for the tail between two looks; past
// it the tail reads the log instead.
const maxAppended = 4096

func newHub(events eventSource, members Memberships, log *slog.Logger, conns prometheus.Gauge) *hub {
	h := &hub{events: events, members: members, log: log, conns: conns, tick: time.Second,
		seed: maphash.MakeSeed(), wakeCh: make(chan struct{}, 1)}
	for i := range h.shards {
		h.shards[i].init()
	}
	h.watched.by = map[string]map[*conn]struct{}{}
	return h
}

// start begins tailing the event log from its current end.
func (h *hub) start(ctx context.Context) error {
	_, newest, err := h.events.Bounds(ctx)
	if err != nil {
		return fmt.Errorf("realtime: %w", err)
	}
	h.pos.Store(newest)
	go h.tail(ctx)
	return nil
}

// wake asks the tail to look now.
func (h *hub) wake() {
	select {
	case h.wakeCh <- struct{}{}:
	default:
	}
}

// appended is told of every event appended on this node once it has
// committed (eventlog.Log.OnCommit). It runs in the committing goroutine:
// it only hands the event to the tail.
func (h *hub) appended(ev eventlog.Event) {
	h.in.mu.Lock()
	if len(h.in.appended) < maxAppended {
		h.in.appended = append(h.in.appended, ev)
	} else {
		h.in.lost = true
	}
	h.in.mu.Unlock()
	h.wake()
}

// announced is told of a bus message about an appended event, from this
// node or another. Only its cursor is used, to know whether the log has
// something the tail has not dispatched: what is delivered always comes
// from this node's own commits or from the database, never from the bus.
func (h *hub) announced(data []byte) {
	var v struct {
		Cursor int64 `json:"cursor"`
	}
	h.in.mu.Lock()
	if json.Unmarshal(data, &v) != nil || v.Cursor <= 0 {
		h.in.lost = true // not understood: read the log
	} else {
		h.in.announced = max(h.in.announced, v.Cursor)
	}
	h.in.mu.Unlock()
	h.wake()
}

func (h *hub) tail(ctx context.Context) {
	t := time.NewTicker(h.tick)
	defer t.Stop()
	for {
		read := false
		select {
		case <-ctx.Done():
			h.closeAll(websocket.StatusGoingAway, "server shutting down; reconnect")
			return
		case <-h.wakeCh:
		case <-t.C:
			read = true
		}
		h.step(ctx, read)
	}
}

// step dispatches what the tail was told about, from memory where it
// can, and reads the log when it must or read is set.
func (h *hub) step(ctx context.Context, read bool) {
	h.in.mu.Lock()
	evs, lost, announced := h.in.appended, h.in.lost, h.in.announced
	h.in.appended, h.in.lost = nil, false
	h.in.mu.Unlock()
	if !h.dispatchAppended(evs) || lost || announced > h.pos.Load() {
		read = true
	}
	if read {
		h.readLog(ctx)
	}
}

// dispatchAppended dispatches, from memory, the events appended here
// that continue the stream exactly: the one after pos, then the one after
// that, and so on. It is false when one does not (an event between was
// appended on another node, or its commit has not reported yet): the log
// has those, and readLog reads them in order.
//
// Dispatching the event numbered pos+1 as soon as it committed can skip
// nothing and reorder nothing whatever the order of the commits: there
// is no cursor between pos and pos+1.
func (h *hub) dispatchAppended(evs []eventlog.Event) bool {
	slices.SortFunc(evs, func(a, b eventlog.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, ev := range evs {
		switch pos := h.pos.Load(); {
		case ev.Seq <= pos:
		case ev.Seq == pos+1:
			h.dispatch(ev)
		default:
			return false
		}
	}
	return true
}

// readLog dispatches what the log has after pos. Events become visible in
// cursor order (see eventlog.Log.Since), so moving pos to the last one
// read skips nothing.
func (h *hub) readLog(ctx context.Context) {
	for {
		evs, err := h.events.Since(ctx, h.pos.Load(), 1000)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("reading the event log failed", "error", err)
			}
			return
		}
		for _, ev := range evs {
			h.dispatch(ev)
		}
		if len(evs) < 1000 {
			return
		}
	}
}

func encodeEvent(ev eventlog.Event) []byte {
	at := ev.At
	b, _ := json.Marshal(ServerFrame{Type: ev.Type, Cursor: ev.Seq, ChannelID: ev.ChannelID, At: &at, Payload: ev.Payload})
	return b
}

// dispatch offers one event to the connections it is for, keeping the
// membership in step with the membership events as they pass. The frame
// is encoded once for all of them. Only the tail calls it.
func (h *hub) dispatch(ev eventlog.Event) {
	if ev.Seq <= h.pos.Load() {
		return
	}
	frame := qframe{seq: ev.Seq, data: encodeEvent(ev)}
	// pos moves before any shard is visited: a connection registered in a
	// shard before the visit has a position below ev.Seq and receives it,
	// one registered after has it at or above and does not need it.
	h.pos.Store(ev.Seq)
	if ev.ChannelID == "" {
		h.sendUser(ev.UserID, frame)
		return
	}
	switch ev.Type {
	case chatevents.MemberAdded, chatevents.MemberRemoved:
		var p chatevents.Member
		if json.Unmarshal(ev.Payload, &p) == nil && p.UserID != "" {
			s := h.shardOf(p.UserID)
			s.mu.Lock()
			s.memberChangedLocked(p.UserID, ev.ChannelID, ev.Type == chatevents.MemberAdded)
			s.mu.Unlock()
		}
	}
	h.sendChannel(ev.ChannelID, "", frame)
}

// register adds c and returns the position its live stream starts after
// and the channels its user belongs to. The membership is loaded first,
// with no lock held; the membership events the hub dispatches meanwhile
// are kept for it (pendingUser), so the answer agrees with every event
// up to the returned position.
func (h *hub) register(ctx context.Context, c *conn) (int64, []string, error) {
	s := h.shardOf(c.userID)
	s.mu.Lock()
	p := s.pending[c.userID]
	if p == nil {
		p = &pendingUser{changes: map[string]bool{}}
		s.pending[c.userID] = p
	}
	p.n++
	s.mu.Unlock()

	chans, err := h.members.ReadableChannels(ctx, c.userID)

	s.mu.Lock()
	defer s.mu.Unlock()
	if p.n--; p.n == 0 {
		delete(s.pending, c.userID)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("realtime: load memberships: %w", err)
	}
	u := s.users[c.userID]
	if u == nil {
		// With other connections here the user's membership is current
		// already; otherwise it is what was loaded, plus what changed since.
		u = &localUser{id: c.userID, chans: map[string]struct{}{}}
		s.users[c.userID] = u
		for _, ch := range chans {
			s.joinLocked(u, ch)
		}
		for ch, member := range p.changes {
			if member {
				s.joinLocked(u, ch)
			} else {
				s.leaveLocked(u, ch)
			}
		}
	}
	u.conns = append(u.conns, c)
	h.conns.Inc()
	out := make([]string, 0, len(u.chans))
	for ch := range u.chans {
		out = append(out, ch)
	}
	return h.pos.Load(), out, nil
}

func (h *hub) unregister(c *conn) {
	h.watched.clear(c)
	s := h.shardOf(c.userID)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[c.userID]
	if u == nil {
		return
	}
	i := slices.Index(u.conns, c)
	if i < 0 {
		return
	}
	u.conns = slices.Delete(u.conns, i, i+1)
	h.conns.Dec()
	if len(u.conns) > 0 {
		return
	}
	for ch := range u.chans {
		s.leaveLocked(u, ch)
	}
	delete(s.users, c.userID)
}

func (h *hub) isMember(userID, channelID string) bool {
	s := h.shardOf(userID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[userID]
	if u == nil {
		return false
	}
	_, ok := u.chans[channelID]
	return ok
}

// sendUser offers a frame to every connection of userID on this node.
func (h *hub) sendUser(userID string, f qframe) {
	s := h.shardOf(userID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.sendUserLocked(userID, f)
}

// sendChannel offers a frame to a channel's local members, except the
// ones of skipUser. It holds one shard at a time.
func (h *hub) sendChannel(channelID, skipUser string, f qframe) {
	for i := range h.shards {
		s := &h.shards[i]
		s.mu.RLock()
		for u := range s.members[channelID] {
			if u.id != skipUser {
				u.send(f)
			}
		}
		s.mu.RUnlock()
	}
}

// watch replaces the set of people whose presence c receives.
func (h *hub) watch(c *conn, userIDs []string) { h.watched.set(c, userIDs) }

// sendWatchers offers a presence frame about userID to the connections
// that asked for it.
func (h *hub) sendWatchers(userID string, f qframe) { h.watched.send(userID, f) }

// eachConn calls fn for every connection, one shard held at a time.
// fn must not block: it runs under the shard's lock.
func (h *hub) eachConn(fn func(*conn)) {
	for i := range h.shards {
		s := &h.shards[i]
		s.mu.RLock()
		for _, u := range s.users {
			for _, c := range u.conns {
				fn(c)
			}
		}
		s.mu.RUnlock()
	}
}

// closeUser closes userID's connections: those of sessionID, or all when
// sessionID is empty.
func (h *hub) closeUser(userID, sessionID string, code websocket.StatusCode, reason string) {
	for _, c := range h.connsOf(userID) {
		if sessionID == "" || c.principal.SessionID == sessionID {
			c.shut(code, reason)
		}
	}
}

// closeExpired closes the connections whose session or token ended by now.
// shut only flags the connection and wakes its writer: no I/O here.
func (h *hub) closeExpired(now time.Time) {
	h.eachConn(func(c *conn) {
		if c.expired(now) {
			c.shut(CloseSessionEnded, sessionExpired)
		}
	})
}

func (h *hub) closeAll(code websocket.StatusCode, reason string) {
	h.eachConn(func(c *conn) { c.shut(code, reason) })
}

// localUsers returns the users with connections here.
func (h *hub) localUsers() []string {
	var out []string
	for i := range h.shards {
		s := &h.shards[i]
		s.mu.RLock()
		for u := range s.users {
			out = append(out, u)
		}
		s.mu.RUnlock()
	}
	return out
}

func (h *hub) connsOf(userID string) []*conn {
	s := h.shardOf(userID)
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[userID]
	if u == nil {
		return nil
	}
	return slices.Clone(u.conns)
}
