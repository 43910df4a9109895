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
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Config is the identity module's configuration.
type Config struct {
	SessionTTL   time.Duration // how long a browser session lasts
	CookieSecure bool          // set the Secure flag on cookies (HTTPS deployments)
	// LoginMaxFailures bounds failed sign-ins per window for one username
	// from one address, and from one known device.
	LoginMaxFailures int
	// LoginMaxFailuresUser bounds failed sign-ins per window for one
	// username from all unknown devices together (a guesser with many
	// addresses); 0: ten times LoginMaxFailures. Known devices do not count
	// towards it and are not held back by it.
	LoginMaxFailuresUser int
	// LoginMaxFailuresAddress bounds failed sign-ins per window from one
	// address for all usernames together (an office behind NAT shares one);
	// 0: twenty times LoginMaxFailures. Known devices are not held back by it.
	LoginMaxFailuresAddress int
	LoginWindow             time.Duration

	// APITokenTTL is how long a personal API token lasts when its owner
	// does not say (0: 90 days); APITokenMaxTTL is the longest anyone may
	// ask for (0: 365 days).
	APITokenTTL    time.Duration
	APITokenMaxTTL time.Duration

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
	if c.LoginMaxFailuresUser < 0 || c.LoginMaxFailuresAddress < 0 {
		return fmt.Errorf("login-max-failures-per-user and -per-address must not be negative")
	}
	if c.APITokenTTL < 0 || c.APITokenMaxTTL < 0 {
		return fmt.Errorf("api-token-ttl and api-token-max-ttl must not be negative")
	}
	if c.APITokenTTL > 0 && c.APITokenMaxTTL > 0 && c.APITokenTTL > c.APITokenMaxTTL {
		return fmt.Errorf("api-token-ttl %s is longer than api-token-max-ttl %s", c.APITokenTTL, c.APITokenMaxTTL)
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

// Journal is the compliance journal: role changes go on the record, in
// the same transaction as the change.
type Journal interface {
	Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error)
}

// Deps are the identity module's dependencies.
type Deps struct {
	DB        *db.DB
	Log       *slog.Logger // required
	Journal   Journal      // required
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
	journal Journal
	audit   *audit.Trail
	images  *imagebudget.Budget
	hash    *hasher
	limit   *limiter

	syncMu   sync.Mutex // one directory sync at a time per node
	statusMu sync.Mutex
	lastSync *SyncReport
}

// New returns the identity module.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Log == nil || d.Journal == nil {
		return nil, errors.New("identity: DB, Log and Journal are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if cfg.LoginMaxFailuresUser == 0 {
		cfg.LoginMaxFailuresUser = 10 * cfg.LoginMaxFailures
	}
	if cfg.LoginMaxFailuresAddress == 0 {
		cfg.LoginMaxFailuresAddress = 20 * cfg.LoginMaxFailures
	}
	if cfg.APITokenTTL == 0 {
		cfg.APITokenTTL = 90 * 24 * time.Hour
	}
	if cfg.APITokenMaxTTL == 0 {
		cfg.APITokenMaxTTL = max(365*24*time.Hour, cfg.APITokenTTL)
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
		journal: d.Journal,
		audit:   audit.New(d.Journal),
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
	s.Every(ctx, "known-devices-cleanup", 24*time.Hour, func(ctx context.Context) error {
		_, err := forgetOldDevices(ctx, m.db, m.now().Add(-deviceTTL))
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
