package files

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Access is what files needs from chat to decide who may see a file.
type Access interface {
	// CanRead reports whether userID may read channelID's messages now.
	CanRead(ctx context.Context, userID, channelID string) (bool, error)
}

// Journal is the compliance journal: entries are appended in the
// transaction of the change they record.
type Journal interface {
	Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error)
}

// Events is the client event log (*eventlog.Log): events are appended in
// the transaction of the change and replayed to clients after reconnects.
type Events interface {
	Append(ctx context.Context, tx *db.Tx, d eventlog.Draft, channelID, userID string, at time.Time) (int64, error)
}

// Holds says which legal holds cover a file (the compliance journal): a
// held file's bytes outlive its deletion by its owner, so the record can
// still produce them.
type Holds interface {
	HoldsCovering(ctx context.Context, q db.Querier, subjectID string) ([]string, error)
}

// Deps are the files module's dependencies; all but Clock and Holds are
// required.
type Deps struct {
	DB      *db.DB
	Store   blob.Store
	Log     *slog.Logger
	Clock   clock.Clock // nil: the system clock
	Access  Access
	Journal Journal
	Events  Events
	Holds   Holds // nil: no legal holds (tests of the module alone)
	// Images is the process's image decoding budget, shared with profile
	// pictures; nil: a budget of Config.ImageMemory of its own.
	Images *imagebudget.Budget
}

// Config is the files module's configuration.
type Config struct {
	// MaxUpload is the largest file in bytes.
	MaxUpload int64
	// UserQuota is what one user may store in bytes unless an admin set
	// their own quota; 0 means unlimited.
	UserQuota int64
	// URLTTL is how long a presigned download URL stays valid (S3).
	URLTTL time.Duration
	// S3Redirect sends downloads from S3 to a presigned URL; off, Kontor
	// streams them itself (for buckets browsers cannot reach).
	S3Redirect bool
	// OrphanGrace is how long an upload may take before the cleanup job
	// may remove its half-written blob.
	OrphanGrace time.Duration
	// MaxImagePixels bounds the images that get previews (width*height),
	// against decompression bombs.
	MaxImagePixels int64
	// PreviewWorkers is how many previews one node makes at once.
	PreviewWorkers int
	// ImageMemory is what all image decoding of the process (previews
	// and profile pictures) may take at once, in bytes; an image that
	// needs more than all of it gets no preview.
	ImageMemory int64
	// UploadIdleTimeout ends an upload whose client sends nothing for
	// this long.
	UploadIdleTimeout time.Duration
}

// DefaultConfig is what a fresh install runs with.
func DefaultConfig() Config {
	return Config{
		MaxUpload:         100 << 20,
		URLTTL:            5 * time.Minute,
		S3Redirect:        true,
		OrphanGrace:       6 * time.Hour,
		MaxImagePixels:    50_000_000,
		PreviewWorkers:    1,
		ImageMemory:       imagebudget.DefaultBytes,
		UploadIdleTimeout: 30 * time.Second,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.MaxUpload < 1:
		return fmt.Errorf("files-max-upload %d: must be at least 1 byte", c.MaxUpload)
	case c.UserQuota < 0:
		return fmt.Errorf("files-user-quota %d: must be 0 (unlimited) or more", c.UserQuota)
	case c.URLTTL < time.Second || c.URLTTL > 7*24*time.Hour:
		return fmt.Errorf("files-url-ttl %s: must be between 1s and 168h (S3's limit)", c.URLTTL)
	case c.OrphanGrace < time.Minute:
		return fmt.Errorf("files-orphan-grace %s: must be at least 1m, longer than the slowest upload", c.OrphanGrace)
	case c.MaxImagePixels < 1_000_000:
		return fmt.Errorf("files-max-image-pixels %d: must be at least 1000000", c.MaxImagePixels)
	case c.PreviewWorkers < 1 || c.PreviewWorkers > 64:
		return fmt.Errorf("files-preview-workers %d: must be between 1 and 64", c.PreviewWorkers)
	case c.ImageMemory < 32<<20:
		return fmt.Errorf("image-decode-memory %d: must be at least 33554432 (32 MiB)", c.ImageMemory)
	case c.UploadIdleTimeout < time.Second:
		return fmt.Errorf("files-upload-idle-timeout %s: must be at least 1s", c.UploadIdleTimeout)
	}
	return nil
}

// Module is the files module.
type Module struct {
	db      *db.DB
	store   blob.Store
	log     *slog.Logger
	clock   clock.Clock
	access  Access
	journal Journal
	holds   Holds
	audit   *audit.Trail
	events  Events
	cfg     Config

	images *imagebudget.Budget

	// queue holds ids of files whose previews this node should make
	// soon, in turns by owner; the periodic scan picks up whatever does
	// not fit or was lost.
	queue   *fairQueue
	workers sync.WaitGroup
	uploads uploads // in flight, to end them at shutdown
}

// New returns the files module. It does no I/O.
func New(d Deps, cfg Config) (*Module, error) {
	if d.DB == nil || d.Store == nil || d.Log == nil || d.Access == nil || d.Journal == nil || d.Events == nil {
		return nil, errors.New("files: DB, Store, Log, Access, Journal and Events are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	if d.Images == nil {
		d.Images = imagebudget.New(cfg.ImageMemory)
	}
	return &Module{
		db: d.DB, store: d.Store, log: d.Log.With("module", "files"), clock: d.Clock,
		access: d.Access, journal: d.Journal, holds: d.Holds, audit: audit.New(d.Journal), events: d.Events, cfg: cfg, images: d.Images,
		queue: newFairQueue(1024, cfg.PreviewWorkers),
	}, nil
}

// Start checks the store, starts the preview workers and schedules the
// preview scan and the blob cleanup. Workers stop when ctx ends; Wait
// waits for them.
func (m *Module) Start(ctx context.Context, s *jobs.Scheduler) {
	if err := m.store.Ping(ctx); err != nil {
		m.log.Error("file store not usable; uploads and downloads fail until it is", "store", m.store.String(), "error", err)
	} else {
		m.log.Info("file store ready", "store", m.store.String())
	}
	// A shutdown ends the uploads in flight rather than waiting for them.
	context.AfterFunc(ctx, m.uploads.stop)
	for range m.cfg.PreviewWorkers {
		m.workers.Add(1)
		go m.previewWorker(ctx)
	}
	s.Every(ctx, "files-previews", time.Minute, func(ctx context.Context) error {
		_, err := m.RunPreviews(ctx)
		return err
	})
	s.Every(ctx, "files-cleanup", 15*time.Minute, func(ctx context.Context) error {
		_, err := m.Cleanup(ctx)
		return err
	})
}

// Wait blocks until the preview workers have stopped.
func (m *Module) Wait() { m.workers.Wait() }

// Ready reports whether the blob store is usable, for /readyz.
func (m *Module) Ready(ctx context.Context) error { return m.store.Ping(ctx) }

func (m *Module) now() time.Time { return m.clock.Now().UTC().Truncate(time.Millisecond) }
