package calendar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Channels is what calendar needs from chat.
type Channels interface {
	// CanRead reports whether userID is a member of channelID now.
	CanRead(ctx context.Context, userID, channelID string) (bool, error)
	// IsChannelAdmin reports whether userID is an admin of channelID now.
	IsChannelAdmin(ctx context.Context, userID, channelID string) (bool, error)
	// ReadableChannels returns every channel userID is a member of.
	ReadableChannels(ctx context.Context, userID string) ([]string, error)
	// ChannelName names a channel for a calendar's title.
	ChannelName(ctx context.Context, channelID string) (string, error)
}

// Users is what calendar needs from identity about people.
type Users interface {
	// ActiveIDs returns which of ids belong to active users.
	ActiveIDs(ctx context.Context, ids []string) (map[string]bool, error)
}

// Tokens checks the password a CalDAV client sends with basic auth: an
// API token (or session token) of the person named.
type Tokens interface {
	Authenticate(ctx context.Context, token string) (*authn.Principal, error)
}

// Journal is the compliance journal.
type Journal interface {
	Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error)
}

// Events is the client event log.
type Events interface {
	Append(ctx context.Context, tx *db.Tx, d eventlog.Draft, channelID, userID string, at time.Time) (int64, error)
}

// Config holds the calendar's limits.
type Config struct {
	// MaxDescriptionBytes bounds an event's Markdown description.
	MaxDescriptionBytes int
	// MaxWindow is the longest span one occurrence query may cover.
	MaxWindow time.Duration
	// MaxOccurrences caps the occurrences one answer lists (the answer
	// says it was cut).
	MaxOccurrences int
	// MaxImportBytes bounds an .ics import and a CalDAV PUT.
	MaxImportBytes int64
	// MaxAttendees bounds the people and channels invited to one event.
	MaxAttendees int
	// ReminderInterval is how often the reminder job looks for due
	// reminders (0: never, for commands that do not serve).
	ReminderInterval time.Duration
}

// DefaultConfig is what the issue asks for.
func DefaultConfig() Config {
	return Config{MaxDescriptionBytes: 16 << 10, MaxWindow: 400 * 24 * time.Hour, MaxOccurrences: 5000,
		MaxImportBytes: 1 << 20, MaxAttendees: 200, ReminderInterval: 30 * time.Second}
}

// Validate checks the limits.
func (c Config) Validate() error {
	if c.MaxDescriptionBytes < 1 || c.MaxWindow < 24*time.Hour || c.MaxOccurrences < 1 || c.MaxImportBytes < 1024 || c.MaxAttendees < 1 || c.ReminderInterval < 0 {
		return errors.New("calendar: limits must be positive (the window at least a day, imports at least 1 KiB)")
	}
	return nil
}

// Deps are the calendar's dependencies.
type Deps struct {
	DB       *db.DB
	Log      *slog.Logger // required
	Clock    clock.Clock  // nil: system clock
	Channels Channels     // required
	Users    Users        // required
	Tokens   Tokens       // nil: CalDAV refuses everyone
	Journal  Journal      // required
	Events   Events       // required
}

// Module is the calendar module.
type Module struct {
	db       *db.DB
	log      *slog.Logger
	clock    clock.Clock
	cfg      Config
	channels Channels
	users    Users
	tokens   Tokens
	journal  Journal
	events   Events
	zones    sync.Map // zone name -> *time.Location, loaded once
}

// New returns the calendar module.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Log == nil || d.Channels == nil || d.Users == nil || d.Journal == nil || d.Events == nil {
		return nil, errors.New("calendar: DB, Log, Channels, Users, Journal and Events are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	return &Module{db: d.DB, log: d.Log.With("module", "calendar"), clock: d.Clock, cfg: cfg, channels: d.Channels,
		users: d.Users, tokens: d.Tokens, journal: d.Journal, events: d.Events}, nil
}

func (m *Module) now() time.Time { return m.clock.Now().UTC().Truncate(time.Millisecond) }

// caller returns the person calling; Kontor itself and anonymous callers
// have no calendar.
func caller(ctx context.Context) (*authn.Principal, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, fmt.Errorf("calendar: %w", errNotAPerson)
	}
	return p, nil
}
