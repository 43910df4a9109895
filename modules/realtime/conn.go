package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// qframe is a frame waiting to be written; seq is its event cursor (0 for
// ephemeral frames), used to drop what the client already has.
type qframe struct {
	seq  int64
	data []byte
}

// frameHandler answers the frames a client sends (Module.handle).
type frameHandler interface {
	handle(ctx context.Context, c *conn, f ClientFrame, raw []byte) *ErrorPayload
	// sizeAllowed: frames over 8 KiB only for extensions that asked (extension.go).
	sizeAllowed(data []byte) bool
}

// history is what a connection reads to catch a resuming client up.
type history interface {
	SinceFor(ctx context.Context, after, upTo int64, channels []string, userID string, limit int) ([]eventlog.Event, error)
	Bounds(ctx context.Context) (oldest, newest int64, err error)
}

// connDeps is what every connection of the gateway shares: given to
// newConn, so a connection runs its loops without reaching back into the
// Module.
type connDeps struct {
	cfg      Config
	node     string
	log      *slog.Logger
	clock    clock.Clock
	history  history
	handler  frameHandler
	people   *people // the per-person frame budget
	sent     prometheus.Counter
	slowCuts prometheus.Counter
}

// conn is one websocket client. It owns two loops: readLoop (the
// handler's goroutine) takes client frames, writeLoop (its own goroutine)
// writes the queue. Everything else only queues frames (send) or asks it
// to close (shut), without waiting.
type conn struct {
	d         *connDeps
	ws        *websocket.Conn
	userID    string
	principal *authn.Principal

	mu        sync.Mutex
	queue     []qframe
	closing   bool
	closeCode websocket.StatusCode
	closeWhy  string
	notify    chan struct{}
	done      chan struct{}

	// expires is when the session or token that opened the connection
	// ends (zero: never); set before the connection is registered.
	expires time.Time

	status     atomic.Value        // string: active, away, dnd as the client reported
	lastActive atomic.Int64        // unix millis of the last client frame
	watching   map[string]struct{} // guarded by the hub's watchers lock

	// Used by the reading goroutine only.
	frames  bucket // this connection's frame budget
	refused int    // frames refused in a row for going over a budget
}

func newConn(d *connDeps, ws *websocket.Conn, p *authn.Principal, expires time.Time) *conn {
	c := &conn{d: d, ws: ws, userID: p.UserID, principal: p, notify: make(chan struct{}, 1), done: make(chan struct{}), expires: expires}
	c.status.Store("active")
	c.lastActive.Store(d.clock.Now().UnixMilli())
	return c
}

const sessionExpired = "session expired; sign in again"

func (c *conn) expired(now time.Time) bool {
	return !c.expires.IsZero() && !now.Before(c.expires)
}

// send queues f without blocking. A client whose queue is full is cut
// off: it will reconnect and catch up from its cursor, which costs the
// server nothing while it is away.
func (c *conn) send(f qframe) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.queue) >= c.d.cfg.QueueLen {
		c.closing, c.closeCode, c.closeWhy = true, CloseTooSlow, "too slow: reconnect with your last cursor"
		c.queue = nil
		c.mu.Unlock()
		c.d.slowCuts.Inc()
		c.wakeWriter()
		return
	}
	c.queue = append(c.queue, f)
	c.mu.Unlock()
	c.d.sent.Inc()
	c.wakeWriter()
}

func (c *conn) wakeWriter() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// shut asks the writer to close the connection with code, dropping what
// waits: nothing more is delivered.
func (c *conn) shut(code websocket.StatusCode, why string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.closeCode, c.closeWhy = true, code, why
		c.queue = nil
	}
	c.mu.Unlock()
	c.wakeWriter()
}

// shutAfterQueue asks the writer to close the connection with code after
// the frames already waiting, so that the error frames that explain the
// close reach the client. (Once closing, later shuts change nothing.)
func (c *conn) shutAfterQueue(code websocket.StatusCode, why string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.closeCode, c.closeWhy = true, code, why
	}
	c.mu.Unlock()
	c.wakeWriter()
}

func (c *conn) take() ([]qframe, bool, websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q, c.closing, c.closeCode, c.closeWhy
}

// ephemeral encodes a frame that is not in the event log; the draft comes
// from one of the frame kinds in protocol.go.
func ephemeral(d eventlog.Draft, channelID string) qframe {
	p, _ := json.Marshal(d.Payload())
	b, _ := json.Marshal(ServerFrame{Type: d.Type(), ChannelID: channelID, Payload: p})
	return qframe{data: b}
}

func (m *Module) serveWS(w http.ResponseWriter, r *http.Request) {
	p := authn.FromContext(r.Context())
	if p == nil || p.System {
		httpapi.WriteError(w, r, apperr.Unauthenticated("sign in first: the websocket needs the session cookie or a bearer token").WithCode(apperr.CodeUnauthenticated))
		return
	}
	// Without a cursor the client starts fresh; with one (even 0) it resumes.
	cursor := int64(-1)
	if r.URL.Query().Has("cursor") {
		n, err := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
		if err != nil || n < 0 {
			httpapi.WriteError(w, r, apperr.Invalid("cursor", "cursor is the last event number you received, a whole number"))
			return
		}
		cursor = n
	}
	// The slot is taken before the upgrade and given back when the
	// handler ends, whether the upgrade failed or the connection closed:
	// simultaneous upgrades cannot overrun the cap.
	if n, ok := m.people.reserve(p.UserID, m.cfg.MaxPerUser); !ok {
		httpapi.WriteError(w, r, apperr.RateLimited(10*time.Second, "you have %d connections open already; close some tabs or devices", n).WithCode(apperr.CodeTooManyConnections))
		return
	}
	defer m.people.release(p.UserID)
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: m.cfg.OriginPattern, CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return // Accept has answered the request
	}
	ws.SetReadLimit(m.readLimit())
	c := newConn(m.conns, ws, p, m.expiry(r.Context()))
	// The request's context ends with the handler; the connection lives on its own.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	// The membership is loaded here, before the hub holds anything for c.
	pos, chans, err := m.hub.register(ctx, c)
	if err != nil {
		m.log.Error("websocket register failed", "error", err)
		ws.Close(websocket.StatusInternalError, "try again")
		return
	}
	m.pres.connected(ctx, c)
	defer func() {
		// Out of the hub first, so presence sees the connection gone.
		m.hub.unregister(c)
		m.pres.disconnected(context.WithoutCancel(ctx), c)
	}()

	go func() {
		defer cancel()
		c.writeLoop(ctx, cursor, pos, chans)
	}()
	c.readLoop(ctx)
	c.shut(websocket.StatusNormalClosure, "")
	<-c.done
}

// writeLoop sends the hello, the missed events, then live frames, and pings.
func (c *conn) writeLoop(ctx context.Context, cursor, pos int64, chans []string) {
	defer close(c.done)
	cfg := &c.d.cfg
	writeFrame := func(b []byte) error {
		wctx, cancel := context.WithTimeout(ctx, cfg.WriteTimeout)
		defer cancel()
		return c.ws.Write(wctx, websocket.MessageText, b)
	}
	lastSent, err := c.greet(ctx, writeFrame, cursor, pos, chans)
	if err != nil {
		c.ws.CloseNow()
		return
	}
	ping := time.NewTicker(cfg.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			c.ws.CloseNow()
			return
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, cfg.PingTimeout)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.ws.CloseNow()
				return
			}
		case <-c.notify:
		}
		frames, closing, code, why := c.take()
		if !closing && c.expired(c.d.clock.Now()) {
			// Nothing more for a session that ended, even before the
			// sweep notices it.
			frames, closing, code, why = nil, true, CloseSessionEnded, sessionExpired
		}
		for _, f := range frames {
			if f.seq > 0 {
				if f.seq <= lastSent {
					continue // the client has it from the catch-up
				}
				lastSent = f.seq
			}
			if err := writeFrame(f.data); err != nil {
				if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
					// The client took nothing for WriteTimeout: as slow
					// as one whose queue ran over, and cut off the same.
					c.d.slowCuts.Inc()
					c.d.log.Debug("websocket write timed out", "user", c.userID)
				}
				c.ws.CloseNow()
				return
			}
		}
		if closing {
			c.ws.Close(code, why)
			return
		}
	}
}

// greet sends hello (or resync) and the events the client missed since
// cursor, up to pos, where the live stream takes over.
func (c *conn) greet(ctx context.Context, write func([]byte) error, cursor, pos int64, chans []string) (int64, error) {
	node := c.d.node
	send := func(d eventlog.Draft) error {
		return write(ephemeral(d, "").data)
	}
	switch {
	case cursor < 0:
		return pos, send(frameHello.With(Hello{Cursor: pos, UserID: c.userID, Node: node}))
	case cursor == pos:
		return cursor, send(frameHello.With(Hello{Cursor: cursor, Resumed: true, UserID: c.userID, Node: node}))
	case cursor > pos:
		// The client has seen events this server does not have (its data
		// was restored from an older backup, or replaced). Resuming would
		// hide every new event below the client's cursor: start over.
		return pos, send(frameResync.With(Resync{Cursor: pos, Reason: "your cursor is ahead of this server's events; reload and continue from this cursor"}))
	}
	oldest, _, err := c.d.history.Bounds(ctx)
	if err != nil {
		return 0, err
	}
	if oldest > 0 && cursor < oldest-1 {
		return pos, send(frameResync.With(Resync{Cursor: pos, Reason: "your cursor is older than the events kept; reload and continue from this cursor"}))
	}
	if err := send(frameHello.With(Hello{Cursor: cursor, Resumed: true, UserID: c.userID, Node: node})); err != nil {
		return 0, err
	}
	last := cursor
	for last < pos {
		evs, err := c.d.history.SinceFor(ctx, last, pos, chans, c.userID, 500)
		if err != nil {
			return 0, err
		}
		for _, ev := range evs {
			if err := write(encodeEvent(ev)); err != nil {
				return 0, err
			}
			last = ev.Seq
		}
		if len(evs) < 500 {
			break
		}
	}
	return pos, nil
}

// readLoop handles client frames until the connection ends.
func (c *conn) readLoop(ctx context.Context) {
	cfg := &c.d.cfg
	bad := 0
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		now := c.d.clock.Now()
		if c.expired(now) {
			c.shut(CloseSessionEnded, sessionExpired)
			return
		}
		if !c.allowFrame(now) {
			c.refused++
			if c.refused == 1 {
				// Said once per run of refused frames, so a flood does not
				// get a flood of answers.
				c.send(ephemeral(frameError.With(ErrorPayload{Code: apperr.CodeRateLimited, Detail: fmt.Sprintf(
					"too many frames: send at most %g a second per connection (%g for all your connections); this frame and the next ones over the limit are dropped",
					cfg.FrameRate, cfg.PersonFrameRate)}), ""))
			}
			if c.refused >= cfg.FrameAbuse {
				c.shutAfterQueue(websocket.StatusPolicyViolation, "too many frames")
				return
			}
			continue
		}
		c.refused = 0
		if typ != websocket.MessageText {
			c.shut(websocket.StatusUnsupportedData, "send JSON text frames")
			return
		}
		if !c.d.handler.sizeAllowed(data) {
			c.shut(websocket.StatusMessageTooBig, "frame too large")
			return
		}
		var f ClientFrame
		err = json.Unmarshal(data, &f)
		// Any frame but a heartbeat ping shows the person is using Kontor;
		// clients ping on their own to notice dead connections.
		if err != nil || f.Type != "ping" {
			c.lastActive.Store(c.d.clock.Now().UnixMilli())
		}
		if err != nil {
			bad++
			c.send(ephemeral(frameError.With(ErrorPayload{Code: apperr.CodeBadFrame, Detail: "not a JSON object: " + trimErr(err)}), ""))
		} else if perr := c.d.handler.handle(ctx, c, f, data); perr != nil {
			bad++
			perr.ID = f.ID
			c.send(ephemeral(frameError.With(*perr), f.ChannelID))
		}
		if bad >= 20 {
			c.shutAfterQueue(websocket.StatusPolicyViolation, "too many malformed frames")
			return
		}
	}
}

// allowFrame spends one frame of the connection's budget and one of its
// person's.
func (c *conn) allowFrame(now time.Time) bool {
	cfg := &c.d.cfg
	return c.frames.take(now, cfg.FrameRate, cfg.FrameBurst) &&
		c.d.people.allowFrame(c.userID, now, cfg.PersonFrameRate, cfg.PersonFrameBurst)
}

func trimErr(err error) string {
	s := err.Error()
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

func (m *Module) handle(ctx context.Context, c *conn, f ClientFrame, raw []byte) *ErrorPayload {
	switch f.Type {
	case "ping":
		c.send(ephemeral(framePong.With(Ack{ID: f.ID}), ""))
	case "typing":
		if !m.hub.isMember(c.userID, f.ChannelID) {
			return &ErrorPayload{Code: apperr.CodeNotMember, Detail: "you are not in that channel"}
		}
		if !m.people.typingDue(c.userID, f.ChannelID, m.clock.Now(), m.cfg.TypingEvery) {
			return nil
		}
		b, _ := json.Marshal(map[string]string{"channel_id": f.ChannelID, "user_id": c.userID})
		if err := m.bus.Publish(ctx, subjectTyping, b); err != nil {
			return &ErrorPayload{Code: apperr.CodeUnavailable, Detail: "typing could not be sent"}
		}
	case "presence":
		switch f.Status {
		case "active", "away", "dnd":
			m.pres.setStatus(ctx, c, f.Status)
		default:
			return &ErrorPayload{Code: apperr.CodeBadFrame, Detail: "status is active, away or dnd"}
		}
	case "presence_sub":
		if len(f.UserIDs) > 1000 {
			return &ErrorPayload{Code: apperr.CodeBadFrame, Detail: "watch at most 1000 people per connection"}
		}
		for _, u := range f.UserIDs {
			if !ids.Valid(u) {
				return &ErrorPayload{Code: apperr.CodeBadFrame, Detail: "user_ids must be user ids"}
			}
		}
		m.hub.watch(c, f.UserIDs)
		// Start them off with where everyone is now, and for those offline
		// when they were last seen (none when never).
		status := make(map[string]string, len(f.UserIDs))
		var offline []string
		for _, u := range f.UserIDs {
			if status[u] = m.pres.status(u); status[u] == "offline" {
				offline = append(offline, u)
			}
		}
		seen, err := m.pres.lastSeen(ctx, offline)
		if err != nil {
			m.log.Error("read last seen for presence_sub", "error", err)
			return &ErrorPayload{Code: apperr.CodeInternal, Detail: "could not read presence; try again"}
		}
		for _, u := range f.UserIDs {
			p := Presence{UserID: u, Status: status[u]}
			if t, ok := seen[u]; ok && p.Status == "offline" {
				p.LastSeenAt = &t
			}
			c.send(ephemeral(framePresence.With(p), ""))
		}
	case "read":
		rctx := authn.WithPrincipal(ctx, c.principal)
		if err := m.reads.MarkRead(rctx, f.ChannelID, f.Seq); err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				return &ErrorPayload{Code: firstNonEmpty(ae.Code, apperr.CodeRejected), Detail: ae.Message}
			}
			m.log.Error("mark read over websocket failed", "error", err)
			return &ErrorPayload{Code: apperr.CodeInternal, Detail: "could not mark as read; try again"}
		}
		c.send(ephemeral(frameAck.With(Ack{ID: f.ID}), f.ChannelID))
	default:
		if h := m.extensionFor(f.Type); h != nil {
			return h(authn.WithPrincipal(ctx, c.principal), Client{c}, f, raw)
		}
		return &ErrorPayload{Code: apperr.CodeBadFrame, Detail: "unknown frame type; send ping, typing, presence, presence_sub or read"}
	}
	return nil
}

func firstNonEmpty(a, b apperr.Code) apperr.Code {
	if a != "" {
		return a
	}
	return b
}

// onTyping delivers a typing signal from any node to this node's members
// of the channel.
func (m *Module) onTyping(_ string, data []byte) {
	var v struct {
		ChannelID string `json:"channel_id"`
		UserID    string `json:"user_id"`
	}
	if json.Unmarshal(data, &v) != nil || v.ChannelID == "" {
		return
	}
	// Senders throttle per person on their node; this drops the repeats
	// of a person typing through several nodes. A little under the
	// interval, so that a signal delayed on the way is not lost.
	if !m.typing.due(v.UserID, v.ChannelID, m.clock.Now(), m.cfg.TypingEvery*3/4) {
		return
	}
	m.hub.sendChannel(v.ChannelID, v.UserID, ephemeral(frameTyping.With(
		Typing{UserID: v.UserID, ExpiresMS: int(m.cfg.TypingTTL / time.Millisecond)}), v.ChannelID))
}
