package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/search/analyze"
)

// Config is the search module's configuration.
type Config struct {
	// Dir holds the index: <data dir>/search. Each node has its own.
	Dir string
	// PollInterval is how often the indexer asks the Source for new
	// changes when nobody calls Notify. Zero: 500ms.
	PollInterval time.Duration
	// BatchSize is how many changes go into one index batch. Zero: 500.
	// It is also the size threshold of BatchDelay: after this many
	// Notify calls the indexer stops waiting.
	BatchSize int
	// BatchDelay is how long the indexer gathers changes after a Notify
	// before it writes them as one batch (unless BatchSize Notify calls
	// come first). Every batch is a segment the index merges later, so
	// one batch per message costs several times the CPU of one batch per
	// few tens of milliseconds (docs/benchmarks.md); a new message still
	// shows within BatchDelay plus the time to index it. Zero:
	// DefaultBatchDelay; at most 500ms.
	BatchDelay time.Duration
	// FilterTermsMax is the number of readable channels up to which the
	// permission filter is a disjunction of channel terms; above it, hits
	// are checked against the set of channels (docs/search.md). Zero:
	// DefaultFilterTermsMax; negative: always the set.
	FilterTermsMax int
	// MessageLink is the web app's path to a message in its channel, with
	// {channel} and {message} in place of the ids. Zero: DefaultMessageLink.
	MessageLink string
}

// DefaultBatchDelay is the default Config.BatchDelay.
const DefaultBatchDelay = 50 * time.Millisecond

// DefaultFilterTermsMax is where the permission filter changes shape; see
// docs/benchmarks.md.
const DefaultFilterTermsMax = 500

// DefaultMessageLink is where a search result links to.
const DefaultMessageLink = "/c/{channel}?m={message}"

func (c *Config) defaults() {
	if c.PollInterval == 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.BatchSize == 0 {
		c.BatchSize = 500
	}
	if c.BatchDelay == 0 {
		c.BatchDelay = DefaultBatchDelay
	}
	if c.FilterTermsMax == 0 {
		c.FilterTermsMax = DefaultFilterTermsMax
	}
	if c.MessageLink == "" {
		c.MessageLink = DefaultMessageLink
	}
}

// Validate checks the configuration (after defaults).
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("search index directory is not set")
	}
	if c.PollInterval < 10*time.Millisecond {
		return fmt.Errorf("search poll interval %s: must be at least 10ms", c.PollInterval)
	}
	if c.BatchSize < 1 || c.BatchSize > 100000 {
		return fmt.Errorf("search batch size %d: must be between 1 and 100000", c.BatchSize)
	}
	if c.BatchDelay < 0 || c.BatchDelay > 500*time.Millisecond {
		return fmt.Errorf("search batch delay %s: must be between 0 and 500ms", c.BatchDelay)
	}
	if !strings.Contains(c.MessageLink, "{message}") {
		return fmt.Errorf("search message link %q: must contain {message}", c.MessageLink)
	}
	return nil
}

// Deps are the search module's dependencies. All but DB are required.
type Deps struct {
	Log      *slog.Logger
	Source   Source   // the record journal
	Access   Access   // chat: who may read which channels
	Users    Users    // identity: usernames in from:@ and in:@
	Channels Channels // chat: channel names in in:~ and DMs in in:@
	// DB, when set, gets an audit record when an admin starts a rebuild.
	// Search keeps nothing else in the database: the index and its
	// cursor live in Config.Dir, one per node.
	DB *db.DB
	// Audit writes that record; required with DB.
	Audit *audit.Trail
}

// Module is the search module: the index, the indexer that keeps it up to
// date, and the search API.
type Module struct {
	log      *slog.Logger
	cfg      Config
	source   Source
	access   Access
	users    Users
	channels Channels
	db       *db.DB
	audit    *audit.Trail

	// mu guards cur: searches hold it for reading while they use the
	// index; swapping in a rebuilt index takes it for writing.
	mu  sync.RWMutex
	cur *live
	// writeMu serialises writers of the live index (the indexer, and a
	// rebuild's final catch-up and swap).
	writeMu sync.Mutex
	stale   bool // the index was built with an older mapping

	wake chan struct{}
	// notified counts Notify calls since the indexer last started a
	// batch: the size threshold of BatchDelay.
	notified atomic.Int64

	runMu   sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	baseCtx context.Context // for rebuilds started through the API

	reindexMu sync.Mutex // one rebuild at a time
	statusMu  sync.Mutex
	status    ReindexStatus
}

// New opens (or creates) the index in cfg.Dir. It does not start the
// indexer: call Start.
func New(d Deps, cfg Config) (*Module, error) {
	if d.Log == nil || d.Source == nil || d.Access == nil || d.Users == nil || d.Channels == nil {
		return nil, errors.New("search: Log, Source, Access, Users and Channels are required")
	}
	if d.DB != nil && d.Audit == nil {
		return nil, errors.New("search: Audit is required with DB")
	}
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	cfg.Dir = filepath.Clean(cfg.Dir)
	if err := analyze.Register(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	l, stale, err := openLive(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return &Module{
		log: d.Log.With("module", "search"), cfg: cfg,
		source: d.Source, access: d.Access, users: d.Users, channels: d.Channels, db: d.DB, audit: d.Audit,
		cur: l, stale: stale, wake: make(chan struct{}, 1), baseCtx: context.Background(),
	}, nil
}

// Start runs the indexer until ctx ends or Close is called: it catches up
// with the journal, then follows it, waking on Notify or every
// PollInterval. If the index was built by an older version, it is rebuilt
// in the background while the old one keeps answering.
func (m *Module) Start(ctx context.Context) {
	m.runMu.Lock()
	if m.cancel != nil {
		m.runMu.Unlock()
		return
	}
	ctx, m.cancel = context.WithCancel(ctx)
	m.baseCtx = ctx
	m.done = make(chan struct{})
	go m.run(ctx)
	m.runMu.Unlock()
	m.mu.RLock()
	stale := m.stale
	m.mu.RUnlock()
	if stale {
		m.log.Warn("search index was built by an older version; rebuilding it in the background")
		if _, err := m.StartReindex(); err != nil {
			m.log.Error("search index rebuild", "error", err)
		}
	}
}

// Notify tells the indexer that the journal has grown; it looks within
// BatchDelay instead of at the next poll. It never blocks.
func (m *Module) Notify() {
	m.notified.Add(1)
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Module) run(ctx context.Context) {
	defer close(m.done)
	backoff := m.cfg.PollInterval
	for {
		wait := m.cfg.PollInterval
		m.notified.Store(0) // what is notified from now on, this CatchUp may not see
		if _, err := m.CatchUp(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("search indexer", "error", err)
			wait = backoff
			backoff = min(backoff*2, time.Minute)
		} else {
			backoff = m.cfg.PollInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-m.wake:
			t.Stop()
			if !m.gather(ctx) {
				return
			}
		case <-t.C:
		}
	}
}

// gather waits, after a Notify, for BatchDelay or until BatchSize Notify
// calls have come, so that the changes of a busy moment go into one batch
// instead of one batch each. It returns false when ctx ends.
func (m *Module) gather(ctx context.Context) bool {
	if m.notified.Load() >= int64(m.cfg.BatchSize) {
		return true
	}
	t := time.NewTimer(m.cfg.BatchDelay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-m.wake:
			if m.notified.Load() >= int64(m.cfg.BatchSize) {
				return true
			}
		}
	}
}

// CatchUp applies every change the Source has after the index's cursor
// and returns how many it read. The indexer calls it; tests and commands
// may call it to bring the index up to date now.
func (m *Module) CatchUp(ctx context.Context) (int, error) {
	n := 0
	for {
		got, err := m.catchUpBatch(ctx)
		n += got
		if err != nil || got < m.cfg.BatchSize {
			return n, err
		}
	}
}

// catchUpBatch applies one batch under writeMu, so a rebuild can swap
// indexes between batches.
func (m *Module) catchUpBatch(ctx context.Context) (int, error) {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	l := m.current()
	if l == nil {
		return 0, apperr.Unavailable("search is closed")
	}
	after := l.cursor.Load()
	changes, err := m.source.Changes(ctx, after, m.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("search: read changes after %d: %w", after, err)
	}
	return len(changes), apply(ctx, l, m.log, changes)
}

func (m *Module) current() *live {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.cur
}

// Cursor returns the journal sequence number the index reflects.
func (m *Module) Cursor() int64 {
	l := m.current()
	if l == nil {
		return 0
	}
	return l.cursor.Load()
}

// Close stops the indexer, waits for a running rebuild to notice, and
// closes the index.
func (m *Module) Close() error {
	m.runMu.Lock()
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	m.runMu.Unlock()
	m.reindexMu.Lock() // a rebuild in progress stops at its context
	defer m.reindexMu.Unlock()
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		return nil
	}
	err := flush(m.cur)
	if cerr := m.cur.idx.Close(); err == nil {
		err = cerr
	}
	m.cur = nil
	return err
}
