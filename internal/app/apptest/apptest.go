// Package apptest runs the whole Kontor stack (every module, real
// database, real HTTP server on 127.0.0.1) for integration tests, on
// SQLite and on PostgreSQL.
package apptest

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/realtime"
)

// Stack is a running Kontor.
type Stack struct {
	t     testing.TB
	App   *app.App
	URL   string
	Clock *clock.Manual
}

// Each runs fn on a fresh stack over SQLite and over PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, s *Stack)) {
	t.Helper()
	t.Run(string(db.SQLite), func(t *testing.T) { fn(t, New(t, "")) })
	t.Run(string(db.Postgres), func(t *testing.T) { fn(t, New(t, dbtest.PostgresURL(t))) })
}

// Config returns the configuration tests run with.
func Config(dataDir, databaseURL string) app.Config {
	return app.Config{
		DataDir:     dataDir,
		DatabaseURL: databaseURL,
		Identity: identity.Config{SessionTTL: 24 * time.Hour, LoginMaxFailures: 50, LoginWindow: time.Minute,
			LDAPSyncProvision: true},
		Chat:     chat.DefaultConfig(),
		Files:    files.DefaultConfig(),
		Search:   true,
		Realtime: realtime.DefaultConfig(),
		Calls:    testCalls(),
	}
}

// testCalls runs the SFU on a free loopback UDP port, without ICE over TCP.
func testCalls() calls.Config {
	c := calls.DefaultConfig()
	c.UDPAddr, c.TCPAddr = "127.0.0.1:0", ""
	return c
}

// New starts a stack on databaseURL (empty: SQLite in a temp dir), with a
// manual clock set to now, and stops it when the test ends.
func New(t testing.TB, databaseURL string) *Stack { return NewWith(t, databaseURL, nil) }

// NewWith is New with a chance to change the configuration first.
func NewWith(t testing.TB, databaseURL string, change func(*app.Config)) *Stack {
	t.Helper()
	clk := clock.NewManual(time.Now().UTC())
	cfg := Config(t.TempDir(), databaseURL)
	if change != nil {
		change(&cfg)
	}
	a, err := app.Open(context.Background(), cfg, logtest.New(t), clk)
	if err != nil {
		t.Fatal(err)
	}
	srv := a.Server(httpapi.Options{Log: a.Log, Version: "test"})
	checkEvents(t, a, srv)
	ctx, cancel := context.WithCancel(context.Background())
	sched := jobs.New(a.Log, a.DB)
	if err := a.Start(ctx, sched); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		cancel()
		ts.CloseClientConnections()
		ts.Close()
		sched.Wait()
		a.Close()
	})
	return &Stack{t: t, App: a, URL: ts.URL, Clock: clk}
}

// Person is a signed-in test user.
type Person struct {
	*apitest.Client
	ID       string
	Username string
}

// Person creates a local account (with the given roles) and signs it in
// through the API with a session cookie.
func (s *Stack) Person(username string, roles ...authn.Role) *Person {
	s.t.Helper()
	ctx := authn.SystemContext(context.Background(), "test")
	u, _, err := s.App.Identity.CreateUser(ctx, identity.NewUser{Username: username, DisplayName: username,
		Password: "password-of-" + username, Roles: roles})
	if err != nil {
		s.t.Fatalf("create %s: %v", username, err)
	}
	c := apitest.New(s.t, s.URL)
	c.Login(username, "password-of-"+username)
	return &Person{Client: c, ID: u.ID, Username: username}
}

// checkEvents validates every event the stack appends against its schema
// in the OpenAPI document (the union Event), so every test that drives the
// stack checks the event vocabulary too: a payload that drifts from its
// Kind's schema, or an event type without one, fails the test.
func checkEvents(t testing.TB, a *app.App, srv *httpapi.Server) {
	t.Helper()
	checker, err := eventlog.NewChecker(srv.API().OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bad []error
	a.Events.Observe(func(ev eventlog.Event) {
		if err := checker.Check(ev); err != nil {
			mu.Lock()
			bad = append(bad, err)
			mu.Unlock()
		}
	})
	// Registered before the stack's own cleanup, so it runs after the stack
	// stopped and nothing appends any more.
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, err := range bad {
			t.Errorf("event schema: %v", err)
		}
	})
}
