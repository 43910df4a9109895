package calls

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Channels is what calls needs from chat: who may take part in a
// channel's call and who moderates it.
type Channels interface {
	// MemberRole returns userID's role in channelID ("member" or "admin"),
	// or "" when they are not a member.
	MemberRole(ctx context.Context, userID, channelID string) (string, error)
}

// Poster posts the summary of an ended call into its channel (chat).
type Poster interface {
	// PostCallSummary posts text into channelID as authorID.
	PostCallSummary(ctx context.Context, channelID, authorID, text string) error
	// Usernames returns the usernames of the given users.
	Usernames(ctx context.Context, userIDs []string) (map[string]string, error)
}

// Journal is the compliance journal.
type Journal interface {
	Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error)
}

// Events is the client event log: the channel sees a call start, change
// and end through it, also after a reconnect.
type Events interface {
	Append(ctx context.Context, tx *db.Tx, d eventlog.Draft, channelID, userID string, at time.Time) (int64, error)
}

// Session is one websocket connection of a participant (a
// realtime.Client). It is comparable; a participant's signaling goes to
// the connection that joined.
type Session interface {
	UserID() string
	Principal() *authn.Principal
	// Send queues a frame without blocking.
	Send(d eventlog.Draft, channelID string)
	// Done is closed when the connection ended.
	Done() <-chan struct{}
}

// Deps are the module's dependencies; all but Clock are required.
type Deps struct {
	DB       *db.DB
	Log      *slog.Logger
	Clock    clock.Clock // nil: the system clock
	Channels Channels
	Poster   Poster
	Journal  Journal
	Events   Events
}

// Config configures calls and the SFU.
type Config struct {
	// Enabled turns calls on.
	Enabled bool
	// UDPAddr is the one UDP address (ip:port) every call's media uses
	// (ICE UDP mux). Port 0 picks a free port (tests).
	UDPAddr string
	// TCPAddr is where ICE over TCP is accepted, for networks that block
	// UDP; empty: off.
	TCPAddr string
	// PublicIPs are the addresses clients reach this server at when it is
	// behind a 1:1 NAT; they replace the local address in the candidates.
	PublicIPs []string
	// MaxParticipants bounds the people in one call.
	MaxParticipants int
	// Heartbeat is how often a node renews its running calls; a call
	// whose node missed four heartbeats is ended by another node.
	Heartbeat time.Duration
	// SingleNode: no other node runs calls on this database (no cluster),
	// so every call still running in it at start-up was left behind by
	// this server's previous run and is ended at once, instead of after
	// four missed heartbeats.
	SingleNode bool
	// MemberCheck is how often participants are checked against their
	// channel's members: someone removed from the channel leaves its call
	// by then at the latest (at once when they send a frame).
	MemberCheck time.Duration
	// VanishTimeout is how long a participant's media may be silent (no
	// packet, not even ICE keepalives) before they are taken out of the
	// call; an ICE restart within it keeps them in.
	VanishTimeout time.Duration
	// TURNAddr is the UDP ip:port of the embedded TURN server, for
	// clients whose network lets nothing but a relay through; empty: off.
	// Relays are bound to its IP and reach only the SFU.
	TURNAddr string
	// TURNCredentialTTL is how long the TURN credentials handed out at
	// join work for new allocations.
	TURNCredentialTTL time.Duration
}

// DefaultConfig is what production uses.
func DefaultConfig() Config {
	return Config{Enabled: true, UDPAddr: "127.0.0.1:10000", TCPAddr: "127.0.0.1:10000", MaxParticipants: 50,
		Heartbeat: 30 * time.Second, MemberCheck: 10 * time.Second, VanishTimeout: 30 * time.Second,
		TURNCredentialTTL: 10 * time.Minute}
}

// Validate checks the configuration before anything is bound.
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	if err := checkAddr("calls-udp-addr", c.UDPAddr); err != nil {
		return err
	}
	if c.TCPAddr != "" {
		if err := checkAddr("calls-tcp-addr", c.TCPAddr); err != nil {
			return err
		}
	}
	for _, ip := range c.PublicIPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("calls-public-ip: %q is not an IP address", ip)
		}
	}
	if c.MaxParticipants < 2 || c.MaxParticipants > 1000 {
		return fmt.Errorf("calls-max-participants: %d is not between 2 and 1000", c.MaxParticipants)
	}
	if c.TURNAddr != "" {
		if err := checkAddr("calls-turn-addr", c.TURNAddr); err != nil {
			return err
		}
		if c.TURNCredentialTTL < time.Minute || c.TURNCredentialTTL > 24*time.Hour {
			return fmt.Errorf("calls-turn-credential-ttl: %s is not between 1m and 24h", c.TURNCredentialTTL)
		}
	}
	if c.VanishTimeout < time.Second || c.VanishTimeout > 10*time.Minute {
		return fmt.Errorf("calls-vanish-timeout: %s is not between 1s and 10m", c.VanishTimeout)
	}
	if c.Heartbeat <= 0 || c.MemberCheck <= 0 {
		return errors.New("calls: the heartbeat and the member check interval must be positive")
	}
	return nil
}

// checkAddr insists on an explicit IP: media is bound to configured
// addresses only, never to every interface by accident.
func checkAddr(name, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s: %q is not ip:port: %w", name, addr, err)
	}
	if net.ParseIP(host) == nil {
		return fmt.Errorf("%s: %q: give an IP address (0.0.0.0 to listen on every interface)", name, addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%s: %q: the port is not a number from 0 to 65535", name, addr)
	}
	return nil
}

// Module runs the calls of one node.
type Module struct {
	db       *db.DB
	log      *slog.Logger
	clock    clock.Clock
	channels Channels
	poster   Poster
	journal  Journal
	audit    *audit.Trail
	events   Events
	cfg      Config
	node     string

	sfu *sfu // nil until Start, or when calls are off

	// beforeAdmit, set by tests only (export_test.go), runs in a join
	// between the first look at the call and the admission.
	beforeAdmit func()

	// life serialises starting and ending calls (DB work, never held on
	// the media or signaling path).
	life sync.Mutex

	// work counts the goroutines that may still write to the database
	// (leaves, the shutdown); Wait waits for them.
	work    sync.WaitGroup
	stopped chan struct{} // closed when Start's loop ended every call

	mu    sync.Mutex
	rooms map[string]*room    // channel id -> the call running here
	bySes map[Session]*member // the participant a connection is
}

// New returns the module; Start binds the media ports.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Log == nil || d.Channels == nil || d.Poster == nil || d.Journal == nil || d.Events == nil {
		return nil, errors.New("calls: DB, Log, Channels, Poster, Journal and Events are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	return &Module{db: d.DB, log: d.Log.With("module", "calls"), clock: d.Clock, channels: d.Channels, poster: d.Poster,
		journal: d.Journal, audit: audit.New(d.Journal), events: d.Events, cfg: cfg, node: ids.New(), stopped: make(chan struct{}),
		rooms: map[string]*room{}, bySes: map[Session]*member{}}, nil
}

// Start binds the media ports, ends the calls of nodes that are gone and
// renews this node's calls until ctx ends; then it ends this node's calls.
func (m *Module) Start(ctx context.Context) error {
	if !m.cfg.Enabled {
		close(m.stopped)
		return nil
	}
	s, err := newSFU(m.cfg, m.log, m.inCall)
	if err != nil {
		return err
	}
	m.sfu = s
	if err := m.endOrphans(ctx, m.cfg.SingleNode); err != nil {
		s.close()
		close(m.stopped)
		return err
	}
	go func() {
		t := time.NewTicker(m.cfg.MemberCheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.checkMembers(ctx)
			}
		}
	}()
	go func() {
		t := time.NewTicker(m.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				m.endAll(context.WithoutCancel(ctx), "the server stopped")
				s.close()
				close(m.stopped)
				return
			case <-t.C:
			}
			if err := m.heartbeat(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("call heartbeat failed", "error", err)
			}
			if err := m.endOrphans(ctx, false); err != nil && ctx.Err() == nil {
				m.log.Warn("ending calls of stopped nodes failed", "error", err)
			}
		}
	}()
	return nil
}

// Wait waits, after the context given to Start ended, until every call
// is ended and recorded. Call it before the database closes.
func (m *Module) Wait() {
	<-m.stopped
	m.work.Wait()
}

// MediaAddr is the UDP address the SFU listens on (after Start).
func (m *Module) MediaAddr() net.Addr {
	if m.sfu == nil {
		return nil
	}
	return m.sfu.udp.LocalAddr()
}
