// Package app is Kontor wired together: it opens the database, builds
// every module with its dependencies (the one place that calls each
// module's New), connects modules through the small interfaces they
// declare, and assembles the HTTP edge. cmd/kontor uses it to serve and
// for its commands; integration tests use it to run the real stack.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/migrations"
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/bus"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/search"
	"github.com/kontorhq/kontor/webapp"
)

// Config is everything the modules are configured with.
type Config struct {
	DataDir          string
	DatabaseURL      string
	DatabaseMaxConns int
	Identity         identity.Config
	LDAP             *ldapdir.Config // nil: no directory
	Chat             chat.Config
	Calendar         calendar.Config
	Files            files.Config
	// FilesStore says where file contents go; an empty local directory
	// means files/ in the data dir.
	FilesStore blob.Config
	Realtime   realtime.Config
	Calls      calls.Config
	// JournalKeyFile holds the key that signs journal checkpoints; empty
	// means keys/journal.key in the data dir. Cluster nodes share one.
	JournalKeyFile string
	// JournalKeyReadOnly: never make a key (the compliance commands, which
	// check with a pinned key). Otherwise a missing key is made only while
	// the journal is fresh (journal.Fresh), and Open fails naming the file
	// when anything was recorded or signed before.
	JournalKeyReadOnly bool
	CheckpointInterval time.Duration
	EventRetention     time.Duration
	// Retention configures the daily retention job (modules/compliance).
	Retention compliance.RetentionConfig
	// NATSURL, when set, connects the nodes of a cluster; empty: one node.
	NATSURL string
	// Search opens the search index (one process at a time may: the server,
	// or a reindex while it is stopped). Commands that only change accounts
	// leave it off so they can run beside the server.
	Search    bool
	SearchDir string // empty: search/ in the data dir
	// DiscoveryDir holds the e-discovery index (opened with Search);
	// empty: ediscovery/ in the data dir.
	DiscoveryDir string
	// RateLimit bounds API requests per person per second (0: off), with
	// bursts up to RateBurst.
	RateLimit float64
	RateBurst int
}

// App is a running Kontor.
type App struct {
	Log        *slog.Logger
	Clock      clock.Clock
	DB         *db.DB
	Bus        bus.Bus
	Events     *eventlog.Log
	Journal    *journal.Journal
	Identity   *identity.Module
	Chat       *chat.Module
	Files      *files.Module
	Calendar   *calendar.Module
	Search     *search.Module    // nil unless Config.Search
	Discovery  *search.Discovery // e-discovery index; nil unless Config.Search
	Compliance *compliance.Module
	Realtime   *realtime.Module
	Calls      *calls.Module
	cfg        Config
	started    bool // Start ran
}

// Open opens the database, applies migrations and builds the modules.
// clk may be nil (system clock).
func Open(ctx context.Context, cfg Config, log *slog.Logger, clk clock.Clock) (*App, error) {
	if clk == nil {
		clk = clock.System{}
	}
	d, err := db.Open(ctx, cfg.DatabaseURL, cfg.DataDir, db.Options{MaxConns: cfg.DatabaseMaxConns})
	if err != nil {
		return nil, err
	}
	applied, err := d.Migrate(ctx, migrations.FS)
	if err != nil {
		d.Close()
		return nil, err
	}
	for _, m := range applied {
		log.Info("applied migration", "version", m.Version, "name", m.Name)
	}
	a := &App{Log: log, Clock: clk, DB: d, cfg: cfg}
	if err := a.build(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	var err error
	if a.cfg.NATSURL != "" {
		nb, err := bus.NewNATS(a.cfg.NATSURL, a.Log)
		if err != nil {
			return err
		}
		a.Bus = nb
	} else {
		a.Bus = bus.NewLocal()
	}
	a.Events = eventlog.New(a.DB, a.Bus)

	key, err := a.journalKey(ctx)
	if err != nil {
		return err
	}
	if a.Journal, err = journal.New(a.DB, journal.Options{Log: a.Log, Clock: a.Clock, Key: key,
		CheckpointFile: a.JournalCheckpointFile()}); err != nil {
		return err
	}

	// Realtime and chat need each other (memberships, presence for @here);
	// the adapters look chat up when they are called, after build.
	if a.Realtime, err = realtime.New(realtime.Deps{DB: a.DB, Log: a.Log, Clock: a.Clock, Bus: a.Bus, Events: a.Events,
		Memberships: realtimeChat{a}, Reads: realtimeChat{a}, SessionExpiry: identity.SessionExpiry}, a.cfg.Realtime); err != nil {
		return err
	}

	// One image decoding budget for the process: profile pictures and
	// file previews together stay within files.Config.ImageMemory.
	images := imagebudget.New(a.cfg.Files.ImageMemory)
	ideps := identity.Deps{DB: a.DB, Log: a.Log, Clock: a.Clock, Revoked: a.Realtime, Images: images, Journal: a.Journal}
	if a.cfg.LDAP != nil {
		dir, err := ldapdir.New(*a.cfg.LDAP)
		if err != nil {
			return err
		}
		ideps.Directory = dir
	}
	if a.Identity, err = identity.New(ideps, a.cfg.Identity); err != nil {
		return err
	}

	if a.Chat, err = chat.New(chat.Deps{DB: a.DB, Log: a.Log, Clock: a.Clock, Users: chatUsers{a.Identity},
		Journal: a.Journal, Events: a.Events, Presence: a.Realtime}, a.cfg.Chat); err != nil {
		return fmt.Errorf("chat: %w", err)
	}

	calCfg := a.cfg.Calendar
	if calCfg == (calendar.Config{}) {
		calCfg = calendar.DefaultConfig()
	}
	if a.Calendar, err = calendar.New(calendar.Deps{DB: a.DB, Log: a.Log, Clock: a.Clock, Channels: a.Chat,
		Users: chatUsers{a.Identity}, Tokens: calendarTokens{a.Identity}, Journal: a.Journal, Events: a.Events}, calCfg); err != nil {
		return fmt.Errorf("calendar: %w", err)
	}

	storeCfg := a.cfg.FilesStore
	if storeCfg.Kind == "" {
		storeCfg.Kind = "local"
	}
	if storeCfg.Kind == "local" && storeCfg.Dir == "" {
		storeCfg.Dir = filepath.Join(a.cfg.DataDir, "files")
	}
	store, err := blob.Open(storeCfg)
	if err != nil {
		return err
	}
	if a.Files, err = files.New(files.Deps{DB: a.DB, Store: store, Log: a.Log, Clock: a.Clock, Access: a.Chat,
		Journal: a.Journal, Events: a.Events, Images: images, Holds: a.Journal}, a.cfg.Files); err != nil {
		return fmt.Errorf("files: %w", err)
	}
	a.Chat.SetFiles(a.Files)

	cdeps := compliance.Deps{DB: a.DB, Log: a.Log, Clock: a.Clock, Journal: a.Journal, Moderator: a.Chat, Keys: a.Journal,
		Directory: complianceDirectory{a}, RecordedFiles: recordedFiles{a.Files},
		Record: a.Journal, Messages: retentionChat{a}, Files: retentionFiles{a}, Retention: a.cfg.Retention,
		FileModerator: complianceFiles{a}, Accounts: complianceAccounts{a}, Authored: complianceAuthored{a},
		Subjects: a.Journal}
	if a.cfg.Search {
		dir := a.cfg.DiscoveryDir
		if dir == "" {
			dir = filepath.Join(a.cfg.DataDir, "ediscovery")
		}
		if a.Discovery, err = search.NewDiscovery(search.DiscoveryDeps{Log: a.Log, Journal: discoveryJournal{a},
			Files: searchContent{a}, Users: searchUsers{a.Identity}, Channels: a.Chat}, search.DiscoveryConfig{Dir: dir}); err != nil {
			return err
		}
		cdeps.Finder = discoveryFinder{a.Discovery}
	}
	if a.Compliance, err = compliance.New(cdeps); err != nil {
		return err
	}

	// Without NATS this is the only node: calls left running in the
	// database are from its previous run.
	a.cfg.Calls.SingleNode = a.cfg.NATSURL == ""
	if a.Calls, err = calls.New(calls.Deps{DB: a.DB, Log: a.Log, Clock: a.Clock, Channels: callsChat{a},
		Poster: callsChat{a}, Journal: a.Journal, Events: a.Events}, a.cfg.Calls); err != nil {
		return fmt.Errorf("calls: %w", err)
	}
	a.Realtime.HandleFrames("call.", calls.MaxFrame, func(ctx context.Context, c realtime.Client, _ realtime.ClientFrame, raw []byte) *realtime.ErrorPayload {
		if e := a.Calls.HandleFrame(ctx, c, raw); e != nil {
			return &realtime.ErrorPayload{Code: e.Code, Detail: e.Detail}
		}
		return nil
	})

	if a.cfg.Search {
		dir := a.cfg.SearchDir
		if dir == "" {
			dir = filepath.Join(a.cfg.DataDir, "search")
		}
		src := search.FromJournal(searchJournal{a}, searchContent{a})
		if a.Search, err = search.New(search.Deps{Log: a.Log, Source: src, Access: a.Chat,
			Users: searchUsers{a.Identity}, Channels: a.Chat, DB: a.DB, Audit: audit.New(a.Journal)}, search.Config{Dir: dir}); err != nil {
			return err
		}
	}
	return nil
}

// JournalKeyFile is the file holding the key that signs checkpoints.
func (a *App) JournalKeyFile() string {
	if a.cfg.JournalKeyFile != "" {
		return a.cfg.JournalKeyFile
	}
	return filepath.Join(a.cfg.DataDir, "keys", "journal.key")
}

// JournalCheckpointFile keeps a copy of the last signed checkpoint in the
// data dir, out of reach of a rewrite of the database alone.
func (a *App) JournalCheckpointFile() string {
	return filepath.Join(a.cfg.DataDir, "journal-checkpoint")
}

// journalKey reads the signing key. A missing key is never silently
// replaced: it is made only when nothing was ever recorded or signed.
func (a *App) journalKey(ctx context.Context) (journal.Key, error) {
	keyFile := a.JournalKeyFile()
	key, err := journal.LoadKey(keyFile)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if a.cfg.JournalKeyReadOnly {
		return journal.Key{}, nil // the command checks with a pinned key, or says the key is missing
	}
	fresh, why, err := journal.Fresh(ctx, a.DB, a.JournalCheckpointFile())
	if err != nil {
		return journal.Key{}, err
	}
	if !fresh {
		return journal.Key{}, fmt.Errorf("the journal's signing key %s is missing, but %s: restore the key file from your backup "+
			"(a new key would leave every earlier checkpoint uncheckable, so Kontor does not make one)", keyFile, why)
	}
	key, created, err := journal.CreateKey(keyFile, "kontor-journal")
	if err != nil {
		return journal.Key{}, err
	}
	if created {
		a.Log.Info("created the journal signing key", "file", keyFile, "public_key", key.Public)
	}
	return key, nil
}

// Start runs the modules' background work until ctx ends.
func (a *App) Start(ctx context.Context, s *jobs.Scheduler) error {
	if err := a.Realtime.Start(ctx); err != nil {
		return err
	}
	if err := a.Calls.Start(ctx); err != nil {
		return err
	}
	a.started = true
	a.Identity.Start(ctx, s)
	a.Chat.Start(ctx, s)
	a.Files.Start(ctx, s)
	a.Calendar.Start(ctx, s)
	a.Compliance.Start(ctx, s)
	if a.Search != nil {
		a.Search.Start(ctx)
		// Every recorded change also reaches clients; that is the indexer's cue.
		unsub, err := a.Bus.Subscribe(eventlog.Subject, func(string, []byte) { a.Search.Notify() })
		if err != nil {
			return err
		}
		context.AfterFunc(ctx, unsub)
	}
	if a.Discovery != nil {
		a.Discovery.Start(ctx)
		unsub, err := a.Bus.Subscribe(eventlog.Subject, func(string, []byte) { a.Discovery.Notify() })
		if err != nil {
			return err
		}
		context.AfterFunc(ctx, unsub)
	}
	if a.cfg.CheckpointInterval > 0 {
		s.Every(ctx, "journal-checkpoint", a.cfg.CheckpointInterval, func(ctx context.Context) error {
			_, err := a.Journal.Checkpoint(ctx)
			return err
		})
	}
	if a.cfg.EventRetention > 0 {
		s.Every(ctx, "event-prune", time.Hour, func(ctx context.Context) error {
			_, err := a.Events.Prune(ctx, a.Clock.Now().Add(-a.cfg.EventRetention))
			return err
		})
	}
	return nil
}

// Close releases the bus and the database; call it after the context
// given to Start has ended.
func (a *App) Close() error {
	if a.Files != nil {
		a.Files.Wait()
	}
	if a.Calls != nil && a.started {
		a.Calls.Wait()
	}
	if a.Search != nil {
		a.Search.Close()
	}
	if a.Discovery != nil {
		a.Discovery.Close()
	}
	if a.Bus != nil {
		a.Bus.Close()
	}
	return a.DB.Close()
}

// Server builds the HTTP edge with every module's middleware, operations
// and readiness checks.
func (a *App) Server(opt httpapi.Options) *httpapi.Server {
	// The rate limit runs inside the authenticator, so that it counts
	// requests refused for a made-up token or cookie too.
	guard := a.Identity.Guard(httpapi.RateLimit(a.cfg.RateLimit, a.cfg.RateBurst))
	dav := a.Calendar.DAVHandler()
	opt.Middleware = []func(http.Handler) http.Handler{func(next http.Handler) http.Handler {
		guarded := guard(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// CalDAV clients send basic auth (username and API token), which
			// the calendar's DAV handler checks on every request itself; it
			// is served here because the router knows no PROPFIND or REPORT.
			if calendar.IsDAVPath(r.URL.Path) {
				dav.ServeHTTP(w, r)
				return
			}
			guarded.ServeHTTP(w, r)
		})
	}}
	opt.SecretPaths = append(opt.SecretPaths, calendar.FeedPath)
	opt.Ready = map[string]func(context.Context) error{"database": a.DB.Ping, "bus": a.Bus.Ping, "files": a.Files.Ready}
	srv := httpapi.New(opt)
	srv.Registry().MustRegister(a.Realtime.Collectors()...)
	a.Identity.Register(srv.API())
	a.Chat.Register(srv.API())
	a.Files.Register(srv.API())
	a.Compliance.Register(srv.API())
	a.Calendar.Register(srv.API())
	if a.Search != nil {
		a.Search.Register(srv.API())
	}
	a.Realtime.Register(srv.API())
	a.Calls.Register(srv.API())
	if err := eventlog.Publish(srv.API().OpenAPI(), EventKinds(), append(realtime.Frames(), calls.Frames()...)); err != nil {
		panic(err) // a programming error: two kinds share a type or a schema name
	}
	srv.Router().Handle(httpapi.APIPrefix+"/ws", a.Realtime.Handler())
	// The web app answers everything the API does not.
	srv.Router().Handle("/*", webapp.Handler(a.Files.MediaOrigins(context.Background())...))
	return srv
}
