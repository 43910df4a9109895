package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kontorhq/kontor/modules/platform/bus"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Events is the durable event log.
type Events interface {
	SinceFor(ctx context.Context, after, upTo int64, channels []string, userID string, limit int) ([]eventlog.Event, error)
	Since(ctx context.Context, after int64, limit int) ([]eventlog.Event, error)
	Bounds(ctx context.Context) (oldest, newest int64, err error)
	// OnCommit makes f see every event appended on this node after its
	// commit; the hub delivers those from memory.
	OnCommit(f func(eventlog.Event))
}

// Memberships tells which channels a user may read (chat).
type Memberships interface {
	ReadableChannels(ctx context.Context, userID string) ([]string, error)
}

// Reads moves a user's read position (chat); ctx carries the user.
type Reads interface {
	MarkRead(ctx context.Context, channelID string, seq int64) error
}

// Config tunes the gateway.
type Config struct {
	QueueLen      int           // frames a connection may have waiting before it is cut off
	WriteTimeout  time.Duration // a frame the client does not take within this cuts it off
	MaxPerUser    int           // open connections one person may have on a node (tabs, devices)
	PingInterval  time.Duration // heartbeat
	PingTimeout   time.Duration
	IdleAway      time.Duration // a connection without client frames this long counts as away
	TypingTTL     time.Duration
	PresenceBeat  time.Duration // how often a node tells the others its presence view
	OriginPattern []string      // extra allowed Origin hosts for browsers (the own host is always allowed)
	// SessionCheck is how often connections are checked for a session or
	// token that expired; a frame in either direction checks it at once.
	SessionCheck time.Duration
	// Client frames a connection may send: FrameBurst at once, then
	// FrameRate a second; all of one person's connections on a node share
	// PersonFrameBurst and PersonFrameRate. A frame over either budget is
	// refused with an error frame (rate_limited); FrameAbuse refused
	// frames in a row close the connection with 1008.
	FrameRate        float64
	FrameBurst       int
	PersonFrameRate  float64
	PersonFrameBurst int
	FrameAbuse       int
	// TypingEvery: at most one typing signal per person and channel this
	// often, across their connections.
	TypingEvery time.Duration
}

// DefaultConfig is what production uses.
func DefaultConfig() Config {
	return Config{QueueLen: 512, WriteTimeout: 10 * time.Second, MaxPerUser: 64, PingInterval: 25 * time.Second, PingTimeout: 15 * time.Second, IdleAway: 10 * time.Minute,
		TypingTTL: 6 * time.Second, PresenceBeat: 10 * time.Second, SessionCheck: 15 * time.Second,
		FrameRate: 10, FrameBurst: 40, PersonFrameRate: 20, PersonFrameBurst: 100, FrameAbuse: 50, TypingEvery: 2 * time.Second}
}

// Deps are the gateway's dependencies.
type Deps struct {
	DB          *db.DB
	Log         *slog.Logger // required
	Clock       clock.Clock
	Bus         bus.Bus
	Events      Events
	Memberships Memberships
	Reads       Reads
	// SessionExpiry tells when the session or token that authenticated a
	// request ends (zero: never); its websocket closes then. Nil: never.
	SessionExpiry func(context.Context) time.Time
}

// Module is the realtime gateway of one node.
type Module struct {
	db     *db.DB
	log    *slog.Logger
	clock  clock.Clock
	bus    bus.Bus
	events Events
	member Memberships
	reads  Reads
	cfg    Config
	node   string
	hub    *hub
	pres   *presence
	conns  *connDeps // shared by every connection
	people *people
	typing typingSeen
	expiry func(context.Context) time.Time
	m      metrics
	ext    extensions // frames other modules handle (extension.go)
}

type metrics struct {
	conns    prometheus.Gauge
	frames   prometheus.Counter
	slowCuts prometheus.Counter
}

// New returns the gateway. Start must run before connections are served.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Log == nil || d.Bus == nil || d.Events == nil || d.Memberships == nil || d.Reads == nil {
		return nil, errors.New("realtime: DB, Log, Bus, Events, Memberships and Reads are required")
	}
	if cfg.QueueLen < 16 || cfg.WriteTimeout <= 0 || cfg.MaxPerUser < 1 || cfg.PingInterval <= 0 || cfg.TypingTTL <= 0 || cfg.PresenceBeat <= 0 ||
		cfg.SessionCheck <= 0 || cfg.TypingEvery <= 0 {
		return nil, fmt.Errorf("realtime: queue length must be at least 16 and intervals positive")
	}
	if cfg.FrameRate <= 0 || cfg.FrameBurst < 1 || cfg.PersonFrameRate <= 0 || cfg.PersonFrameBurst < 1 || cfg.FrameAbuse < 1 {
		return nil, fmt.Errorf("realtime: client frame rates, bursts and the abuse limit must be positive")
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	m := &Module{db: d.DB, log: d.Log.With("module", "realtime"), clock: d.Clock, bus: d.Bus, events: d.Events,
		member: d.Memberships, reads: d.Reads, cfg: cfg, node: ids.New(), people: newPeople(), expiry: d.SessionExpiry}
	if m.expiry == nil {
		m.expiry = func(context.Context) time.Time { return time.Time{} }
	}
	m.m = metrics{
		conns:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "kontor_ws_connections", Help: "Open websocket connections on this node."}),
		frames:   prometheus.NewCounter(prometheus.CounterOpts{Name: "kontor_ws_frames_sent_total", Help: "Frames queued to websocket clients."}),
		slowCuts: prometheus.NewCounter(prometheus.CounterOpts{Name: "kontor_ws_slow_disconnects_total", Help: "Clients cut off for not reading fast enough."}),
	}
	m.hub = newHub(d.Events, d.Memberships, m.log, m.m.conns)
	d.Events.OnCommit(m.hub.appended)
	m.pres = newPresence(m.hub, d.DB, d.Bus, d.Clock, m.log, m.node, cfg)
	m.conns = &connDeps{cfg: cfg, node: m.node, log: m.log, clock: d.Clock, history: d.Events, handler: m, people: m.people,
		sent: m.m.frames, slowCuts: m.m.slowCuts}
	return m, nil
}

// Bus subjects of the gateway.
const (
	subjectTyping   = "kontor.typing"
	subjectPresence = "kontor.presence"
	subjectRevoked  = "kontor.revoked"
)

// Start runs the hub's tail of the event log, the presence exchange and
// the bus subscriptions until ctx ends; then it closes every connection.
func (m *Module) Start(ctx context.Context) error {
	if err := m.hub.start(ctx); err != nil {
		return err
	}
	subs := []struct {
		subject string
		fn      func(string, []byte)
	}{
		{eventlog.Subject, func(_ string, data []byte) { m.hub.announced(data) }},
		{subjectTyping, m.onTyping},
		{subjectPresence, m.pres.onRemote},
		{subjectRevoked, m.onRevoked},
	}
	for _, s := range subs {
		unsub, err := m.bus.Subscribe(s.subject, s.fn)
		if err != nil {
			return fmt.Errorf("realtime: subscribe %s: %w", s.subject, err)
		}
		context.AfterFunc(ctx, unsub)
	}
	go m.pres.run(ctx)
	go m.sweep(ctx)
	return nil
}

// sweep closes, every SessionCheck, the connections whose session or
// token expired (those that receive nothing notice it no other way) and
// forgets old typing signals.
func (m *Module) sweep(ctx context.Context) {
	t := time.NewTicker(m.cfg.SessionCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := m.clock.Now()
		m.hub.closeExpired(now)
		m.typing.prune(now, m.cfg.TypingEvery)
	}
}

// SessionsRevoked closes every connection of userID on every node.
func (m *Module) SessionsRevoked(ctx context.Context, userID string) {
	m.SessionRevoked(ctx, userID, "")
}

// SessionRevoked closes, on every node, the connections opened with one
// session or token of userID (all of them when sessionID is empty). This
// node's close at once, before the call returns, so nothing is delivered
// here after it; the other nodes close theirs when the bus tells them.
func (m *Module) SessionRevoked(ctx context.Context, userID, sessionID string) {
	m.hub.closeUser(userID, sessionID, CloseSessionEnded, "session ended; sign in again")
	b, _ := json.Marshal(map[string]string{"user_id": userID, "session_id": sessionID})
	if err := m.bus.Publish(ctx, subjectRevoked, b); err != nil {
		m.log.Warn("could not announce revoked sessions", "error", err)
	}
}

func (m *Module) onRevoked(_ string, data []byte) {
	var v struct {
		UserID    string `json:"user_id"`
		SessionID string `json:"session_id"`
	}
	if json.Unmarshal(data, &v) == nil && v.UserID != "" {
		m.hub.closeUser(v.UserID, v.SessionID, CloseSessionEnded, "session ended; sign in again")
	}
}

// Online reports which of userIDs are online (active or away or dnd) on
// any node; chat uses it for @here.
func (m *Module) Online(_ context.Context, userIDs []string) map[string]bool {
	out := make(map[string]bool, len(userIDs))
	for _, u := range userIDs {
		out[u] = m.pres.status(u) != "offline"
	}
	return out
}

// Handler is the websocket endpoint; mount it at /api/v1/ws.
func (m *Module) Handler() http.Handler { return http.HandlerFunc(m.serveWS) }

// Collectors are the gateway's metrics.
func (m *Module) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.m.conns, m.m.frames, m.m.slowCuts}
}

// Node names this gateway instance.
func (m *Module) Node() string { return m.node }
