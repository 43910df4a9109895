package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Users is what chat needs from identity.
type Users interface {
	// ActiveIDs returns which of ids belong to active users.
	ActiveIDs(ctx context.Context, ids []string) (map[string]bool, error)
	// IDsByUsername resolves lowercase usernames of active users to ids.
	IDsByUsername(ctx context.Context, usernames []string) (map[string]string, error)
}

// Attacher is what chat needs from the files module.
type Attacher interface {
	// Attach shares the caller's uploaded files in a message and returns
	// their metadata as a JSON array.
	Attach(ctx context.Context, tx *db.Tx, userID, channelID, messageID string, fileIDs []string) (json.RawMessage, error)
	// Detach removes the shares of a deleted message.
	Detach(ctx context.Context, tx *db.Tx, messageID string) error
}

// Presence tells who is online, for @here.
type Presence interface {
	Online(ctx context.Context, userIDs []string) map[string]bool
}

// Journal is the compliance journal.
type Journal interface {
	Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error)
	PurgeSubject(ctx context.Context, tx *db.Tx, subjectID, actorID, reason string) error
}

// Events is the client event log.
type Events interface {
	Append(ctx context.Context, tx *db.Tx, d eventlog.Draft, channelID, userID string, at time.Time) (int64, error)
}

// Config holds chat's limits.
type Config struct {
	MaxMessageRunes int // 16,000
	MaxGroupMembers int // group DMs: 8
	MaxPageSize     int // 200
	ExpiryInterval  time.Duration
}

// DefaultConfig is what the issue asks for.
func DefaultConfig() Config {
	return Config{MaxMessageRunes: 16000, MaxGroupMembers: 8, MaxPageSize: 200, ExpiryInterval: time.Second}
}

// Validate checks the limits.
func (c Config) Validate() error {
	if c.MaxMessageRunes < 1 || c.MaxGroupMembers < 3 || c.MaxPageSize < 1 {
		return fmt.Errorf("chat: limits must be positive (group DMs at least 3 people)")
	}
	return nil
}

// Deps are chat's dependencies.
type Deps struct {
	DB       *db.DB
	Log      *slog.Logger // required
	Clock    clock.Clock  // nil: system clock
	Users    Users        // required
	Journal  Journal      // required
	Events   Events       // required
	Files    Attacher     // nil: messages cannot carry files
	Presence Presence     // nil: @here mentions everyone, like @channel
}

// Module is the chat module.
type Module struct {
	db       *db.DB
	log      *slog.Logger
	clock    clock.Clock
	cfg      Config
	users    Users
	journal  Journal
	audit    *audit.Trail
	events   Events
	files    Attacher
	presence Presence
}

// New returns the chat module.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Log == nil || d.Users == nil || d.Journal == nil || d.Events == nil {
		return nil, errors.New("chat: DB, Log, Users, Journal and Events are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	return &Module{db: d.DB, log: d.Log.With("module", "chat"), clock: d.Clock, cfg: cfg, users: d.Users,
		journal: d.Journal, audit: audit.New(d.Journal), events: d.Events, files: d.Files, presence: d.Presence}, nil
}

// SetFiles connects the files module after both are built (each needs the other).
func (m *Module) SetFiles(a Attacher) { m.files = a }

// Start runs the job that makes self-destructing messages disappear.
func (m *Module) Start(ctx context.Context, s *jobs.Scheduler) {
	s.Every(ctx, "chat-expire", m.cfg.ExpiryInterval, func(ctx context.Context) error {
		_, err := m.ExpireDue(ctx)
		return err
	})
}

func (m *Module) now() time.Time { return m.clock.Now().UTC().Truncate(time.Millisecond) }

func (m *Module) pageSize(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, m.cfg.MaxPageSize)
}
