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

// Cookie and header names the web app uses. When cookies are secure
// (HTTPS) their names carry the __Host- prefix: a browser then accepts them
// only from this host over HTTPS, with Path=/ and no Domain, so a sibling
// subdomain or a plain-HTTP answer cannot plant or overwrite them.
const (
	SessionCookie = "kontor_session"
	CSRFCookie    = "kontor_csrf"
	DeviceCookie  = "kontor_device"
	CSRFHeader    = "X-CSRF-Token"
	hostPrefix    = "__Host-"
)

// deviceTTL is how long a browser stays a known device without signing in.
const deviceTTL = 365 * 24 * time.Hour

// cookieName is the name a cookie goes by on this server.
func (m *Module) cookieName(base string) string {
	if m.cfg.CookieSecure {
		return hostPrefix + base
	}
	return base
}

// loginPath is reachable with a stale cookie and without CSRF: it is how
// a stale cookie is replaced.
const loginPath = httpapi.APIPrefix + "/auth/login"

type sessionInfoKey struct{}

// deviceKey carries the browser's device cookie to the sign-in.
type deviceKey struct{}

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
func (m *Module) Middleware(next http.Handler) http.Handler { return m.Guard(nil)(next) }

type authErrKey struct{}

// Guard is Middleware with limit (e.g. the API rate limit) run after the
// credentials are checked and before anything is answered, refusals
// included: a request with a made-up token or cookie is counted like any
// other (by its address, since it names nobody), not answered before the
// limit sees it.
func (m *Module) Guard(limit func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		var inner http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err, ok := r.Context().Value(authErrKey{}).(error); ok {
				httpapi.WriteError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
		if limit != nil {
			inner = limit(inner)
		}
		refuse := func(w http.ResponseWriter, r *http.Request, err error) {
			inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authErrKey{}, err)))
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if r.URL.Path == loginPath {
				if c, err := r.Cookie(m.cookieName(DeviceCookie)); err == nil {
					ctx = context.WithValue(ctx, deviceKey{}, c.Value)
					r = r.WithContext(ctx)
				}
			}
			token, viaCookie := m.credentials(r)
			if token == "" {
				inner.ServeHTTP(w, r)
				return
			}
			a, err := m.Authenticate(ctx, token, viaCookie)
			if err != nil {
				if viaCookie {
					m.clearCookies(w)
					// Pages and the login call still work with a stale cookie; API
					// calls learn why they are not signed in.
					if !strings.HasPrefix(r.URL.Path, httpapi.APIPrefix+"/") || r.URL.Path == loginPath {
						inner.ServeHTTP(w, r)
						return
					}
				}
				refuse(w, r, err)
				return
			}
			ctx = authn.WithPrincipal(ctx, a.Principal)
			ctx = context.WithValue(ctx, sessionInfoKey{}, sessionInfo{CSRF: a.CSRF, ExpiresAt: a.ExpiresAt})
			r = r.WithContext(ctx)
			switch {
			case viaCookie && !safeMethod(r.Method) && r.URL.Path != loginPath && !CheckCSRF(a.CSRF, r.Header.Get(CSRFHeader)):
				refuse(w, r, apperr.Forbidden("missing or wrong %s header: browsers must send the CSRF token from sign-in (also in the %s cookie) with every change", CSRFHeader, m.cookieName(CSRFCookie)).WithCode(apperr.CodeCSRFFailed))
			case a.Principal.ReadOnly && !safeMethod(r.Method):
				// Every change in the API is a POST, PUT, PATCH or DELETE, so
				// this one rule holds a read-only token to reading.
				refuse(w, r, apperr.Forbidden("this API token has only the read scope; make one with the write scope to change things").WithCode(apperr.CodeTokenScope))
			default:
				inner.ServeHTTP(w, r)
			}
		})
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// credentials finds the token: the Authorization header wins over the cookie.
func (m *Module) credentials(r *http.Request) (token string, viaCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok), false
		}
		return "malformed", false
	}
	if c, err := r.Cookie(m.cookieName(SessionCookie)); err == nil && c.Value != "" {
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
		{Name: m.cookieName(SessionCookie), Value: token, Path: "/", MaxAge: age, HttpOnly: true, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteLaxMode},
		// Readable by the web app's script so it can send the header.
		{Name: m.cookieName(CSRFCookie), Value: csrf, Path: "/", MaxAge: age, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteStrictMode},
	}
}

// deviceCookie marks the browser as one its person signed in from.
func (m *Module) deviceCookie(device string) http.Cookie {
	return http.Cookie{Name: m.cookieName(DeviceCookie), Value: device, Path: "/", MaxAge: int(deviceTTL.Seconds()), HttpOnly: true,
		Secure: m.cfg.CookieSecure, SameSite: http.SameSiteStrictMode}
}

func (m *Module) expiredCookies() []http.Cookie {
	return []http.Cookie{
		{Name: m.cookieName(SessionCookie), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteLaxMode},
		{Name: m.cookieName(CSRFCookie), Value: "", Path: "/", MaxAge: -1, Secure: m.cfg.CookieSecure, SameSite: http.SameSiteStrictMode},
	}
}

func (m *Module) clearCookies(w http.ResponseWriter) {
	for _, c := range m.expiredCookies() {
		http.SetCookie(w, &c)
	}
}
