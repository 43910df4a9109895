package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
	"github.com/kontorhq/kontor/modules/platform/jobs"
)

// Config is the identity module's configuration.
type Config struct {
	SessionTTL       time.Duration // how long a browser session lasts
	CookieSecure     bool          // set the Secure flag on cookies (HTTPS deployments)
	LoginMaxFailures int           // failed logins per username per window before 429
	LoginWindow      time.Duration

	// LDAP sign-in is on when Directory is given in Deps.
	LDAPAdminGroup      string // group DN or cn whose members are admins; empty: roles not managed by the directory
	LDAPComplianceGroup string // group DN or cn whose members are compliance officers
	LDAPSyncInterval    time.Duration
	LDAPSyncProvision   bool // the sync creates accounts for directory users who never signed in
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.SessionTTL < time.Minute {
		return fmt.Errorf("session-ttl %s: must be at least 1m", c.SessionTTL)
	}
	if c.LoginMaxFailures < 1 {
		return fmt.Errorf("login-max-failures %d: must be at least 1", c.LoginMaxFailures)
	}
	if c.LoginWindow < time.Second {
		return fmt.Errorf("login-window %s: must be at least 1s", c.LoginWindow)
	}
	return nil
}

// Directory is what identity needs from the company directory;
// *ldapdir.Directory satisfies it.
type Directory interface {
	Authenticate(ctx context.Context, username, password string) (ldapdir.Entry, error)
	All(ctx context.Context) ([]ldapdir.Entry, error)
	Describe() string
}

// Revoker is told when sessions end so that open connections
// (websockets) close at once: every session of a user (disabled, password
// reset), or one (sign-out, a revoked session or token).
type Revoker interface {
	SessionsRevoked(ctx context.Context, userID string)
	SessionRevoked(ctx context.Context, userID, sessionID string)
}

// Deps are the identity module's dependencies.
type Deps struct {
	DB        *db.DB
	Log       *slog.Logger // required
	Clock     clock.Clock  // nil: the system clock
	Directory Directory    // nil: no LDAP sign-in
	// Revoked, when set, is told about revoked sessions after commit.
	Revoked Revoker
	// Images is the process's image decoding budget (shared with file
	// previews); nil: a budget of its own.
	Images *imagebudget.Budget
}

// Module is the identity module.
type Module struct {
	db      *db.DB
	log     *slog.Logger
	clock   clock.Clock
	cfg     Config
	dir     Directory
	revoked Revoker
	images  *imagebudget.Budget
	hash    *hasher
	limit   *limiter

	syncMu   sync.Mutex // one directory sync at a time per node
	statusMu sync.Mutex
	lastSync *SyncReport
}

// New returns the identity module.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Log == nil {
		return nil, errors.New("identity: DB and Log are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.Images == nil {
		d.Images = imagebudget.New(imagebudget.DefaultBytes)
	}
	return &Module{
		db:      d.DB,
		log:     d.Log.With("module", "identity"),
		clock:   d.Clock,
		cfg:     cfg,
		dir:     d.Directory,
		revoked: d.Revoked,
		images:  d.Images.Within(avatarDecodeMemory),
		hash:    newHasher(4),
		limit:   newLimiter(d.DB, cfg.LoginWindow),
	}, nil
}

// Start schedules the directory sync and the removal of dead sessions.
func (m *Module) Start(ctx context.Context, s *jobs.Scheduler) {
	if m.dir != nil && m.cfg.LDAPSyncInterval > 0 {
		s.Every(ctx, "ldap-sync", m.cfg.LDAPSyncInterval, func(ctx context.Context) error {
			_, err := m.SyncDirectory(ctx)
			return err
		})
	}
	s.Every(ctx, "session-cleanup", time.Hour, func(ctx context.Context) error {
		n, err := deleteExpiredSessions(ctx, m.db, m.clock.Now(), 30*24*time.Hour)
		if n > 0 {
			m.log.Info("removed dead sessions", "count", n)
		}
		return err
	})
	s.Every(ctx, "login-failures-cleanup", m.cfg.LoginWindow, func(ctx context.Context) error {
		_, err := m.limit.prune(ctx, m.now())
		return err
	})
}

func (m *Module) now() time.Time { return m.clock.Now().UTC().Truncate(time.Millisecond) }

// roleGroupMatches reports whether the entry is in the configured group,
// named by DN or by cn.
func roleGroupMatches(group string, e ldapdir.Entry) bool {
	g := strings.ToLower(strings.TrimSpace(group))
	if g == "" {
		return false
	}
	for _, dn := range e.Groups {
		if dn == g {
			return true
		}
	}
	for _, cn := range e.GroupNames {
		if cn == g {
			return true
		}
	}
	return false
}
