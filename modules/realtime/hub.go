package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"

	chatevents "github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// hub fans the event log out to this node's connections.
type hub struct {
	m  *Module
	mu sync.Mutex
	// pos is the last event dispatched: every event up to it has been
	// offered to the connections registered when it was dispatched.
	pos     int64
	byUser  map[string]map[*conn]struct{}
	members map[string]map[string]struct{} // channel -> local users in it
	chansOf map[string]map[string]struct{} // local user -> channels
	// watchers: whose presence which connections asked for.
	watchers map[string]map[*conn]struct{}
	wakeCh   chan struct{}
}

func newHub(m *Module) *hub {
	return &hub{m: m, byUser: map[string]map[*conn]struct{}{}, members: map[string]map[string]struct{}{},
		chansOf: map[string]map[string]struct{}{}, watchers: map[string]map[*conn]struct{}{}, wakeCh: make(chan struct{}, 1)}
}

// start begins tailing the event log from its current end.
func (h *hub) start(ctx context.Context) error {
	_, newest, err := h.m.events.Bounds(ctx)
	if err != nil {
		return fmt.Errorf("realtime: %w", err)
	}
	h.pos = newest
	go h.tail(ctx)
	return nil
}

// wake asks the tail to read the log now (an event was appended somewhere).
func (h *hub) wake() {
	select {
	case h.wakeCh <- struct{}{}:
	default:
	}
}

func (h *hub) tail(ctx context.Context) {
	// The ticker catches anything a lost bus notification would delay.
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			h.closeAll(websocket.StatusGoingAway, "server shutting down; reconnect")
			return
		case <-h.wakeCh:
		case <-t.C:
		}
		for {
			h.mu.Lock()
			pos := h.pos
			h.mu.Unlock()
			evs, err := h.m.events.Since(ctx, pos, 1000)
			if err != nil {
				if ctx.Err() == nil {
					h.m.log.Warn("reading the event log failed", "error", err)
				}
				break
			}
			for _, ev := range evs {
				h.dispatch(ev)
			}
			if len(evs) < 1000 {
				break
			}
		}
	}
}

func encodeEvent(ev eventlog.Event) []byte {
	at := ev.At
	b, _ := json.Marshal(ServerFrame{Type: ev.Type, Cursor: ev.Seq, ChannelID: ev.ChannelID, At: &at, Payload: ev.Payload})
	return b
}

// dispatch offers one event to the connections it is for, keeping the
// membership map in step with the membership events as they pass.
func (h *hub) dispatch(ev eventlog.Event) {
	frame := qframe{seq: ev.Seq, data: encodeEvent(ev)}
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.Seq <= h.pos {
		return
	}
	h.pos = ev.Seq
	if ev.ChannelID == "" {
		h.sendUserLocked(ev.UserID, frame)
		return
	}
	switch ev.Type {
	case chatevents.MemberAdded:
		var p chatevents.Member
		if json.Unmarshal(ev.Payload, &p) == nil {
			if _, local := h.byUser[p.UserID]; local {
				h.joinLocked(p.UserID, ev.ChannelID)
			}
		}
	case chatevents.MemberRemoved:
		var p chatevents.Member
		if json.Unmarshal(ev.Payload, &p) == nil {
			h.leaveLocked(p.UserID, ev.ChannelID)
		}
	}
	for u := range h.members[ev.ChannelID] {
		h.sendUserLocked(u, frame)
	}
}

func (h *hub) sendUserLocked(userID string, f qframe) {
	for c := range h.byUser[userID] {
		c.send(f)
	}
}

func (h *hub) joinLocked(userID, channelID string) {
	if h.members[channelID] == nil {
		h.members[channelID] = map[string]struct{}{}
	}
	h.members[channelID][userID] = struct{}{}
	if h.chansOf[userID] == nil {
		h.chansOf[userID] = map[string]struct{}{}
	}
	h.chansOf[userID][channelID] = struct{}{}
}

func (h *hub) leaveLocked(userID, channelID string) {
	if us := h.members[channelID]; us != nil {
		delete(us, userID)
		if len(us) == 0 {
			delete(h.members, channelID)
		}
	}
	if cs := h.chansOf[userID]; cs != nil {
		delete(cs, channelID)
	}
}

// register adds c and returns the position its live stream starts after
// and the channels its user belongs to. The membership is read while the
// hub is held, so it agrees with every event up to that position.
func (h *hub) register(ctx context.Context, c *conn) (int64, []string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	chans, err := h.m.member.ReadableChannels(ctx, c.userID)
	if err != nil {
		return 0, nil, err
	}
	if h.byUser[c.userID] == nil {
		h.byUser[c.userID] = map[*conn]struct{}{}
	}
	h.byUser[c.userID][c] = struct{}{}
	for _, ch := range chans {
		h.joinLocked(c.userID, ch)
	}
	h.m.m.conns.Inc()
	return h.pos, chans, nil
}

func (h *hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.byUser[c.userID]
	if _, ok := cs[c]; !ok {
		return
	}
	delete(cs, c)
	h.unwatchLocked(c)
	h.m.m.conns.Dec()
	if len(cs) > 0 {
		return
	}
	delete(h.byUser, c.userID)
	for ch := range h.chansOf[c.userID] {
		h.leaveLocked(c.userID, ch)
	}
	delete(h.chansOf, c.userID)
}

func (h *hub) isMember(userID, channelID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.members[channelID][userID]
	return ok
}

// sendChannel offers an ephemeral frame to a channel's local members,
// except the ones of skipUser.
func (h *hub) sendChannel(channelID, skipUser string, f qframe) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for u := range h.members[channelID] {
		if u != skipUser {
			h.sendUserLocked(u, f)
		}
	}
}

// watch replaces the set of people whose presence c receives.
func (h *hub) watch(c *conn, userIDs []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unwatchLocked(c)
	c.watching = make(map[string]struct{}, len(userIDs))
	for _, u := range userIDs {
		c.watching[u] = struct{}{}
		if h.watchers[u] == nil {
			h.watchers[u] = map[*conn]struct{}{}
		}
		h.watchers[u][c] = struct{}{}
	}
}

func (h *hub) unwatchLocked(c *conn) {
	for u := range c.watching {
		if ws := h.watchers[u]; ws != nil {
			delete(ws, c)
			if len(ws) == 0 {
				delete(h.watchers, u)
			}
		}
	}
	c.watching = nil
}

// sendWatchers offers a presence frame about userID to the connections
// that asked for it.
func (h *hub) sendWatchers(userID string, f qframe) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.watchers[userID] {
		c.send(f)
	}
}

// closeUser closes userID's connections: those of sessionID, or all when
// sessionID is empty.
func (h *hub) closeUser(userID, sessionID string, code websocket.StatusCode, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.byUser[userID] {
		if sessionID == "" || c.principal.SessionID == sessionID {
			c.shut(code, reason)
		}
	}
}

// closeExpired closes the connections whose session or token ended by now.
// shut only flags the connection and wakes its writer: no I/O here.
func (h *hub) closeExpired(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cs := range h.byUser {
		for c := range cs {
			if c.expired(now) {
				c.shut(CloseSessionEnded, sessionExpired)
			}
		}
	}
}

func (h *hub) closeAll(code websocket.StatusCode, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cs := range h.byUser {
		for c := range cs {
			c.shut(code, reason)
		}
	}
}

// localUsers returns the users with connections here.
func (h *hub) localUsers() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.byUser))
	for u := range h.byUser {
		out = append(out, u)
	}
	return out
}

func (h *hub) connsOf(userID string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.byUser[userID]))
	for c := range h.byUser[userID] {
		out = append(out, c)
	}
	return out
}
