package identity

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

// Cookie and header names the web app uses.
const (
	SessionCookie = "kontor_session"
	CSRFCookie    = "kontor_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// loginPath is reachable with a stale cookie and without CSRF: it is how
// a stale cookie is replaced.
const loginPath = httpapi.APIPrefix + "/auth/login"

type sessionInfoKey struct{}

// sessionInfo is what /auth/session reports about the calling session.
type sessionInfo struct {
	CSRF      string
	ExpiresAt time.Time
}

// Middleware authenticates requests that carry a bearer token or the
// session cookie, puts the principal into the request context, and
// enforces CSRF protection for cookie-authenticated writes. Requests
// without credentials pass through anonymously; each module's service
// decides what anonymous callers may do (usually nothing).
func (m *Module) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, viaCookie := credentials(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		a, err := m.Authenticate(r.Context(), token, viaCookie)
		if err != nil {
			if viaCookie {
				m.clearCookies(w)
				// Pages and the login call still work with a stale cookie; API
				// calls learn why they are not signed in.
				if !strings.HasPrefix(r.URL.Path, httpapi.APIPrefix+"/") || r.URL.Path == loginPath {
					next.ServeHTTP(w, r)
					return
				}
			}
			httpapi.WriteError(w, r, err)
			return
		}
		if viaCookie && !safeMethod(r.Method) && r.URL.Path != loginPath && !CheckCSRF(a.CSRF, r.Header.Get(CSRFHeader)) {
			httpapi.WriteError(w, r, apperr.Forbidden("missing or wrong %s header: browsers must send the CSRF token from sign-in (also in the %s cookie) with every change", CSRFHeader, CSRFCookie).WithCode("csrf_failed"))
			return
		}
		ctx := authn.WithPrincipal(r.Context(), a.Principal)
		ctx = context.WithValue(ctx, sessionInfoKey{}, sessionInfo{CSRF: a.CSRF, ExpiresAt: a.ExpiresAt})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// credentials finds the token: the Authorization header wins over the cookie.
func credentials(r *http.Request) (token string, viaCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), false
		}
		return "malformed", false
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// sessionCookies sets the session and CSRF cookies. They carry Max-Age
// rather than Expires, so a browser whose clock is off keeps them for the
// session's real lifetime.
func (m *Module) sessionCookies(token, csrf string, expires time.Time) []http.Cookie {
	age := int(expires.Sub(m.now()).Seconds())
	return []http.Cookie{
		{Name: SessionCookie, Value: token, Path: "/", MaxAge: age, HttpOnly: true, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteLaxMode},
		// Readable by the web app's script so it can send the header.
		{Name: CSRFCookie, Value: csrf, Path: "/", MaxAge: age, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteStrictMode},
	}
}

func (m *Module) expiredCookies() []http.Cookie {
	return []http.Cookie{
		{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteLaxMode},
		{Name: CSRFCookie, Value: "", Path: "/", MaxAge: -1, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteStrictMode},
	}
}

func (m *Module) clearCookies(w http.ResponseWriter) {
	for _, c := range m.expiredCookies() {
		http.SetCookie(w, &c)
	}
}
