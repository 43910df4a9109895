package identity_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

func TestLoginRejectsBadInputClearlyAndChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		before := countUsers(t, d)
		for _, tc := range []struct {
			name     string
			body     string
			status   int
			code     string
			location string
		}{
			{"empty password", `{"username":"admin","password":""}`, 422, "password_empty", "body.password"},
			{"whitespace password", `{"username":"admin","password":"   \t "}`, 422, "password_empty", "body.password"},
			{"empty username", `{"username":"","password":"x"}`, 422, "", "body.username"},
			{"very long username", `{"username":"` + strings.Repeat("a", 500) + `","password":"x"}`, 422, "", "body.username"},
			{"non-UTF-8 username", "{\"username\":\"adm\xff\xfein\",\"password\":\"x\"}", 422, "", "body.username"},
			{"control characters", `{"username":"adm\u0000in","password":"x"}`, 422, "", "body.username"},
			{"wrong password", `{"username":"admin","password":"wrong-password"}`, 401, "invalid_credentials", ""},
			{"unknown user", `{"username":"nobody","password":"whatever-pw"}`, 401, "invalid_credentials", ""},
			{"not JSON", `username=admin`, 400, "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.client().Do("POST", "/api/v1/auth/login", tc.body)
				p := r.Problem()
				if r.Status != tc.status || p.Detail == "" || (tc.code != "" && p.Code != tc.code) {
					t.Fatalf("status %d (want %d), problem %+v", r.Status, tc.status, p)
				}
				if tc.location != "" && (len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Location, tc.location)) {
					t.Fatalf("problem does not point at %s: %s", tc.location, r.Body)
				}
				if c := r.Header.Get("Set-Cookie"); c != "" {
					t.Fatalf("a failed login set a cookie: %s", c)
				}
			})
		}
		if after := countUsers(t, d); after != before {
			t.Fatalf("failed logins changed the user table: %d -> %d users", before, after)
		}
	})
}

func TestFloodOfWrongPasswordsIsRateLimited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		c := e.client()
		for i := 0; i < 5; i++ {
			c.Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "guess-" + strconv.Itoa(i)})
		}
		r := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "guess-again"})
		if r.Status != 429 || problemCode(r) != "rate_limited" {
			t.Fatalf("sixth wrong password: %d %s", r.Status, r.Body)
		}
		wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if wait < 1 || wait > 300 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		// Even the right password waits: otherwise the limit tells a guesser when they hit.
		if r := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPW}); r.Status != 429 {
			t.Fatalf("right password during lockout: %d", r.Status)
		}
		e.clock.Advance(5*time.Minute + time.Second)
		c.Login("admin", adminPW)
	})
}

// On a cluster the limit is the limit, not the limit times the nodes: a
// second node on the same database counts the first one's failures.
func TestLoginLimitHoldsAcrossNodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newEnv(t, d, options{})
		log := logtest.New(t)
		other, err := identity.New(identity.Deps{DB: d, Log: log, Clock: a.clock, Journal: a.journal},
			identity.Config{SessionTTL: 12 * time.Hour, LoginMaxFailures: 5, LoginWindow: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		srv := httpapi.New(httpapi.Options{Log: log, Middleware: []func(http.Handler) http.Handler{other.Middleware}})
		other.Register(srv.API())
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		nodes := []*apitest.Client{a.client(), apitest.New(t, ts.URL)}
		for i := 0; i < 5; i++ {
			nodes[i%2].Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "guess-" + strconv.Itoa(i)})
		}
		for i, n := range nodes {
			if r := n.Do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPW}); r.Status != 429 {
				t.Fatalf("node %d after five failures spread over two nodes: %d", i, r.Status)
			}
		}
		a.clock.Advance(5*time.Minute + time.Second)
		nodes[1].Login("admin", adminPW)
		// That browser is now a known device with its own allowance; the
		// failures of another browser at the same address are counted on
		// both nodes and a success elsewhere does not wipe them.
		for i := 0; i < 4; i++ {
			nodes[0].Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "again-" + strconv.Itoa(i)})
		}
		nodes[1].Login("admin", adminPW)
		nodes[1].Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "typo"})
		nodes[0].Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "once-more"})
		if r := nodes[0].Do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPW}); r.Status != 429 {
			t.Fatalf("fifth failure of a browser, counted over two nodes: %d", r.Status)
		}
		// A success from the known device forgets its own typo.
		nodes[1].Login("admin", adminPW)
	})
}

func TestCookieSessionsNeedCSRFForChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		c := e.admin()
		r := c.Must(200, "GET", "/api/v1/auth/session", nil)
		if r.Map(t)["csrf_token"] != c.CSRF {
			t.Fatalf("session reports a different CSRF token: %s", r.Body)
		}
		csrf := c.CSRF
		c.CSRF = ""
		r = c.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "no csrf"})
		if r.Status != 403 || problemCode(r) != "csrf_failed" {
			t.Fatalf("change without CSRF header: %d %s", r.Status, r.Body)
		}
		c.CSRF = "wrong"
		if r := c.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "bad csrf"}); r.Status != 403 {
			t.Fatalf("change with a wrong CSRF header: %d", r.Status)
		}
		c.CSRF = csrf
		c.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "with csrf"})
		if n := len(e.admin().Must(200, "GET", "/api/v1/auth/tokens", nil).Map(t)["items"].([]any)); n != 1 {
			t.Fatalf("%d tokens after one accepted and two refused creations", n)
		}
	})
}

func TestSessionsExpireAndCanBeRevoked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		phone, laptop := e.client(), e.client()
		phone.LoginBearer("admin", adminPW)
		laptop.Login("admin", adminPW)

		r := laptop.Must(200, "GET", "/api/v1/auth/sessions", nil)
		var list struct {
			Items []struct {
				ID      string `json:"id"`
				Current bool   `json:"current"`
			} `json:"items"`
		}
		r.JSON(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d sessions listed, want 2", len(list.Items))
		}
		other := list.Items[0].ID
		if list.Items[0].Current {
			other = list.Items[1].ID
		}
		laptop.Must(204, "DELETE", "/api/v1/auth/sessions/"+other, nil)
		if r := phone.Do("GET", "/api/v1/users/me", nil); r.Status != 401 || problemCode(r) != "token_invalid" {
			t.Fatalf("revoked bearer session: %d %s", r.Status, r.Body)
		}

		e.clock.Advance(12*time.Hour + time.Second)
		r = laptop.Do("GET", "/api/v1/users/me", nil)
		if r.Status != 401 || problemCode(r) != "session_expired" {
			t.Fatalf("expired cookie session: %d %s", r.Status, r.Body)
		}
		// The stale cookie is cleared and login works again.
		laptop.Login("admin", adminPW)
		laptop.Must(200, "GET", "/api/v1/users/me", nil)
		laptop.Must(204, "POST", "/api/v1/auth/logout", nil)
		if r := laptop.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("after logout: %d", r.Status)
		}
	})
}

func TestUnknownAndMalformedTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		for _, tok := range []string{"ks_unknown-token-value", "kt_" + strings.Repeat("x", 43), "garbage", strings.Repeat("k", 5000)} {
			c := e.client()
			c.Bearer = tok
			if r := c.Do("GET", "/api/v1/users/me", nil); r.Status != 401 || problemCode(r) != "token_invalid" {
				t.Fatalf("token %.20q: %d %s", tok, r.Status, r.Body)
			}
		}
		c := e.client()
		c.Headers["Authorization"] = "Basic YWRtaW46eA=="
		if r := c.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("basic auth: %d", r.Status)
		}
		if r := e.client().Do("GET", "/api/v1/users/me", nil); r.Status != 401 || problemCode(r) != "unauthenticated" {
			t.Fatalf("no credentials: %d %s", r.Status, r.Body)
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		a := e.admin()
		r := a.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "backup script", "expires_in_days": 1})
		var tok struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		r.JSON(t, &tok)
		if !strings.HasPrefix(tok.Token, "kt_") {
			t.Fatalf("token %q", tok.Token)
		}
		script := e.client()
		script.Bearer = tok.Token
		script.Must(200, "GET", "/api/v1/users/me", nil)
		// A token cannot mint tokens (nor outlive its own revocation that way).
		if r := script.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "made by a script"}); r.Status != 403 || problemCode(r) != "session_required" {
			t.Fatalf("a token made a token: %d %s", r.Status, r.Body)
		}
		list := a.Must(200, "GET", "/api/v1/auth/tokens", nil).Map(t)["items"].([]any)
		for _, it := range list {
			if strings.Contains(string(mustJSON(t, it)), "kt_") {
				t.Fatalf("token list shows a secret: %v", it)
			}
		}
		a.Must(204, "DELETE", "/api/v1/auth/tokens/"+tok.ID, nil)
		if r := script.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("revoked token still works: %d", r.Status)
		}
		// An API token is not a cookie.
		jar := e.client()
		jar.Headers["Cookie"] = "kontor_session=" + tok.Token
		if r := jar.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("token in the cookie: %d", r.Status)
		}
		a.Must(404, "DELETE", "/api/v1/auth/tokens/"+tok.ID, nil)
		if r := a.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "  "}); r.Status != 422 {
			t.Fatalf("blank token name: %d", r.Status)
		}
	})
}

func TestChangeOwnPassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		a := e.admin()
		other := e.admin()
		if r := a.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": "wrong-one-123", "new_password": "new-password-456"}); r.Status != 422 {
			t.Fatalf("wrong current password: %d %s", r.Status, r.Body)
		}
		if r := a.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": adminPW, "new_password": "short"}); r.Status != 422 {
			t.Fatalf("short new password: %d", r.Status)
		}
		a.Must(204, "POST", "/api/v1/auth/password", map[string]string{"current_password": adminPW, "new_password": "new-password-456"})
		a.Must(200, "GET", "/api/v1/users/me", nil)
		if r := other.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("other session survived a password change: %d", r.Status)
		}
		if r := e.client().Do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPW}); r.Status != 401 {
			t.Fatalf("old password still works: %d", r.Status)
		}
		e.client().Login("admin", "new-password-456")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
