package identity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// makeToken creates a token through c and returns a client using it.
func (e *env) makeToken(c *apitest.Client, body map[string]any) (*apitest.Client, map[string]any) {
	e.t.Helper()
	out := c.Must(201, "POST", "/api/v1/auth/tokens", body).Map(e.t)
	script := e.client()
	script.Bearer = out["token"].(string)
	return script, out
}

// Personal API tokens expire by default, hold only their scopes' rights,
// and cannot outlast what their owner asks for.
func TestAPITokenScopesAndExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		a := e.admin()
		e.createUser(a, "bob", "bob-password-1")
		bob := e.client()
		bob.Login("bob", "bob-password-1")

		// No expiry given: the default (90 days), never "forever".
		rw, out := e.makeToken(a, map[string]any{"name": "default"})
		at, _ := out["expires_at"].(string)
		exp, err := time.Parse(time.RFC3339, at)
		if err != nil || !exp.Equal(e.clock.Now().Add(90*24*time.Hour).Truncate(time.Millisecond)) {
			t.Fatalf("default expiry %v (%v), want 90 days from now", out["expires_at"], err)
		}
		if s, _ := out["scopes"].([]any); len(s) != 2 || s[0] != "read" || s[1] != "write" {
			t.Fatalf("default scopes %v, want read and write", s)
		}
		if r := a.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "forever", "expires_in_days": 3650}); r.Status != 422 || problemCode(r) != "token_ttl_too_long" {
			t.Fatalf("a token for ten years: %d %s", r.Status, r.Body)
		}

		// Without the admin scope, the admin's token is an ordinary member's.
		rw.Must(200, "GET", "/api/v1/users/me", nil)
		if r := rw.Do("GET", "/api/v1/admin/users", nil); r.Status != 403 {
			t.Fatalf("admin operation with a read/write token: %d %s", r.Status, r.Body)
		}
		adm, _ := e.makeToken(a, map[string]any{"name": "admin script", "scopes": []string{"read", "admin"}})
		adm.Must(200, "GET", "/api/v1/admin/users", nil)
		// ... and read-only: it may not change anything, admin or not.
		if r := adm.Do("PATCH", "/api/v1/admin/users/bob", map[string]any{"title": "Boss"}); r.Status != 403 || problemCode(r) != "token_scope" {
			t.Fatalf("change with a read-only token: %d %s", r.Status, r.Body)
		}
		ro, _ := e.makeToken(bob, map[string]any{"name": "reader", "scopes": []string{"read"}})
		ro.Must(200, "GET", "/api/v1/users/me", nil)
		if r := ro.Do("PATCH", "/api/v1/users/me", map[string]any{"title": "Changed"}); r.Status != 403 || problemCode(r) != "token_scope" {
			t.Fatalf("change with a read-only token: %d %s", r.Status, r.Body)
		}
		if r := ro.Do("DELETE", "/api/v1/auth/tokens/"+out["id"].(string), nil); r.Status != 403 {
			t.Fatalf("revoke with a read-only token: %d", r.Status)
		}
		// Nobody gets the admin scope for rights they do not hold.
		if r := bob.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "sneaky", "scopes": []string{"admin"}}); r.Status != 422 || problemCode(r) != "token_scope_not_held" {
			t.Fatalf("member asking for the admin scope: %d %s", r.Status, r.Body)
		}
		if r := bob.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "odd", "scopes": []string{"root"}}); r.Status != 422 {
			t.Fatalf("unknown scope: %d %s", r.Status, r.Body)
		}
		// Tokens cannot make tokens, nor change the password.
		if r := rw.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "child"}); r.Status != 403 || problemCode(r) != "session_required" {
			t.Fatalf("token minting a token: %d %s", r.Status, r.Body)
		}
		if r := rw.Do("POST", "/api/v1/auth/password", map[string]any{"current_password": adminPW, "new_password": "another-pw-123"}); r.Status != 403 {
			t.Fatalf("token changing the password: %d %s", r.Status, r.Body)
		}

		// The default expiry is real.
		e.clock.Advance(90*24*time.Hour + time.Second)
		if r := rw.Do("GET", "/api/v1/users/me", nil); r.Status != 401 || problemCode(r) != "session_expired" {
			t.Fatalf("token after 90 days: %d %s", r.Status, r.Body)
		}
	})
}

// A password change ends the person's API tokens unless they keep them.
func TestPasswordChangeEndsAPITokensUnlessKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		a := e.admin()
		first, _ := e.makeToken(a, map[string]any{"name": "first"})
		a.Must(204, "POST", "/api/v1/auth/password", map[string]any{"current_password": adminPW, "new_password": "second-pw-1234"})
		if r := first.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("a token survived the password change: %d", r.Status)
		}
		a.Must(200, "GET", "/api/v1/users/me", nil) // the session that changed it stays
		kept, _ := e.makeToken(a, map[string]any{"name": "kept"})
		a.Must(204, "POST", "/api/v1/auth/password", map[string]any{"current_password": "second-pw-1234", "new_password": "third-pw-12345",
			"keep_api_tokens": true})
		kept.Must(200, "GET", "/api/v1/users/me", nil)
	})
}

// What someone typed into the username field never reaches the log: it
// may be their password.
func TestFailedSignInLogsNoTypedUsername(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		logs := &lockedBuffer{}
		e := newEnv(t, d, options{logs: logs})
		secret := "hunter2-typed-as-name"
		e.client().Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": secret, "password": "whatever-pw"})
		e.client().Must(401, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": "wrong-password"})
		out := logs.String()
		if strings.Contains(out, secret) {
			t.Fatalf("the typed username is in the log:\n%s", out)
		}
		if !strings.Contains(out, "sign-in failed") || !strings.Contains(out, "user.name=admin") {
			t.Fatalf("a failed sign-in of a known account is not logged with its name:\n%s", out)
		}
	})
}

// Over HTTPS the cookies carry the __Host- prefix: the browser keeps them
// to this host, Secure and Path=/, so a sibling subdomain cannot plant a
// session (fixation) or overwrite the CSRF cookie.
func TestSecureCookiesUseTheHostPrefix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{conf: func(c *identity.Config) { c.CookieSecure = true }})
		r := e.client().Must(200, "POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPW})
		var session string
		names := map[string]bool{}
		for _, c := range r.Header.Values("Set-Cookie") {
			name, rest, _ := strings.Cut(c, "=")
			names[name] = true
			if !strings.HasPrefix(name, "__Host-") || !strings.Contains(rest, "Secure") || !strings.Contains(rest, "Path=/") || strings.Contains(rest, "Domain=") {
				t.Fatalf("cookie without the __Host- rules: %s", c)
			}
			if name == "__Host-kontor_session" {
				session, _, _ = strings.Cut(rest, ";")
			}
		}
		if !names["__Host-kontor_session"] || !names["__Host-kontor_csrf"] || !names["__Host-kontor_device"] {
			t.Fatalf("cookies set: %v", names)
		}
		c := e.client()
		c.Headers["Cookie"] = "__Host-kontor_session=" + session
		c.Must(200, "GET", "/api/v1/users/me", nil)
		// The unprefixed name is what another subdomain could set: ignored.
		c.Headers["Cookie"] = "kontor_session=" + session
		if r := c.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
			t.Fatalf("session in the unprefixed cookie: %d", r.Status)
		}
	})
}
