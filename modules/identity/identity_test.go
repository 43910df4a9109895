package identity_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

const adminPW = "first-admin-pw-123"

type env struct {
	t     *testing.T
	url   string
	mod   *identity.Module
	db    *db.DB
	clock *clock.Manual
	cfg   identity.Config
	opt   httpapi.Options
	// journal holds what the module put on the record (the real journal
	// is tested with the whole stack in internal/app).
	journal *journalRec
}

// journalRec keeps journal entries, each once its transaction committed.
type journalRec struct {
	mu      sync.Mutex
	entries []record.Entry
}

func (j *journalRec) Append(_ context.Context, tx *db.Tx, e record.Entry) (int64, error) {
	tx.AfterCommit(func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.entries = append(j.entries, e)
	})
	return 0, nil
}

func (j *journalRec) kinds(kind string) []record.Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []record.Entry
	for _, e := range j.entries {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

type options struct {
	dir  identity.Directory
	conf func(*identity.Config)
	// trustProxy believes X-Forwarded-For from 127.0.0.1, so a test can
	// speak from many addresses.
	trustProxy bool
	// logs, when set, receives the module's log lines too.
	logs *lockedBuffer
}

// lockedBuffer collects log lines written by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newEnv(t *testing.T, d *db.DB, o options) *env {
	t.Helper()
	log := logtest.New(t)
	clk := clock.NewManual(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	cfg := identity.Config{SessionTTL: 12 * time.Hour, LoginMaxFailures: 5, LoginWindow: 5 * time.Minute,
		LDAPAdminGroup: "kontor-admins", LDAPComplianceGroup: "compliance", LDAPSyncProvision: true}
	if o.conf != nil {
		o.conf(&cfg)
	}
	if o.logs != nil {
		log = slog.New(slog.NewTextHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	rec := &journalRec{}
	m, err := identity.New(identity.Deps{DB: d, Log: log, Clock: clk, Directory: o.dir, Journal: rec}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if created, _, err := m.Bootstrap(context.Background(), adminPW); err != nil || !created {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	opt := httpapi.Options{Log: log, Middleware: []func(http.Handler) http.Handler{m.Middleware}}
	if o.trustProxy {
		_, lo, _ := net.ParseCIDR("127.0.0.0/8")
		opt.TrustedProxies = []*net.IPNet{lo}
	}
	srv := httpapi.New(opt)
	m.Register(srv.API())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, url: ts.URL, mod: m, db: d, clock: clk, cfg: cfg, opt: opt, journal: rec}
}

// node starts a second server on the same database, clock and
// configuration: another node of a cluster.
func (e *env) node() string {
	e.t.Helper()
	log := logtest.New(e.t)
	m, err := identity.New(identity.Deps{DB: e.db, Log: log, Clock: e.clock, Journal: e.journal}, e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	opt := e.opt
	opt.Log, opt.Middleware = log, []func(http.Handler) http.Handler{m.Middleware}
	srv := httpapi.New(opt)
	m.Register(srv.API())
	ts := httptest.NewServer(srv.Handler())
	e.t.Cleanup(ts.Close)
	return ts.URL
}

func (e *env) client() *apitest.Client { return apitest.New(e.t, e.url) }

// admin returns a client signed in as the bootstrap admin with a cookie.
func (e *env) admin() *apitest.Client {
	c := e.client()
	c.Login("admin", adminPW)
	return c
}

// createUser makes a local account through the admin API.
func (e *env) createUser(admin *apitest.Client, username, password string, roles ...string) string {
	e.t.Helper()
	if roles == nil {
		roles = []string{}
	}
	r := admin.Must(201, "POST", "/api/v1/admin/users", map[string]any{
		"username": username, "password": password, "display_name": strings.ToUpper(username[:1]) + username[1:], "roles": roles})
	var out struct {
		User identity.User `json:"user"`
	}
	r.JSON(e.t, &out)
	return out.User.ID
}

func problemCode(r *apitest.Response) string { return r.Problem().Code }

func countUsers(t *testing.T, d *db.DB) int {
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
