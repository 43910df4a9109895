// Package httpapi is Kontor's HTTP edge: the chi router, the huma API under
// /api/v1 with its OpenAPI document, problem-details errors, request ids,
// request logs, Prometheus metrics, health checks and graceful shutdown.
// Modules add their operations to API(); nothing here knows about them.
package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// Options configure a Server.
type Options struct {
	Log     *slog.Logger // required
	Version string
	// Middleware runs for every request after logging and before routing,
	// e.g. the identity module's authenticator.
	Middleware []func(http.Handler) http.Handler
	// Ready lists named checks for /readyz (database, bus, blob store).
	Ready map[string]func(ctx context.Context) error
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []*net.IPNet
	// Registry collects metrics; New makes one when nil.
	Registry *prometheus.Registry
	// MetricsToken, when set, lets any client read /metrics with
	// Authorization: Bearer <token>. Without it only clients on this
	// machine (loopback, not forwarded by a proxy) may.
	MetricsToken string
	// SecretPaths are path prefixes whose rest is a credential (a private
	// feed's token): the request log shows the prefix and "…" instead.
	SecretPaths []string
	// HSTSMaxAge, when positive, sends Strict-Transport-Security with
	// answers to requests that came over HTTPS (directly, or from a
	// trusted proxy that says X-Forwarded-Proto: https).
	HSTSMaxAge time.Duration
}

// Server is the HTTP edge.
type Server struct {
	router   chi.Router
	api      huma.API
	log      *slog.Logger
	registry *prometheus.Registry
	ready    map[string]func(ctx context.Context) error
	metrics  *httpMetrics
	secret   []string
}

// APIPrefix is where the versioned API lives.
const APIPrefix = "/api/v1"

// Cookie and bearer security schemes, for Operation.Security.
var (
	SecuritySession = []map[string][]string{{"session": {}}, {"bearer": {}}}
)

// New builds the router and the huma API.
func New(opt Options) *Server {
	if opt.Log == nil {
		panic("httpapi: Options.Log must not be nil")
	}
	installErrorHandler()
	reg := opt.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s := &Server{
		router:   chi.NewRouter(),
		log:      opt.Log,
		registry: reg,
		ready:    opt.Ready,
		metrics:  newHTTPMetrics(reg),
		secret:   opt.SecretPaths,
	}
	s.router.Use(s.requestContext(opt.TrustedProxies))
	s.router.Use(securityHeaders(opt.HSTSMaxAge, opt.TrustedProxies), textOnly)
	for _, mw := range opt.Middleware {
		s.router.Use(mw)
	}

	cfg := huma.DefaultConfig("Kontor API", opt.Version)
	cfg.Info.Description = "Kontor's REST API. Sign in with POST /api/v1/auth/login; browsers then " +
		"send the session cookie plus the X-CSRF-Token header on writes, other clients send " +
		"Authorization: Bearer <token>. Errors are RFC 9457 problem details."
	cfg.OpenAPIPath = "/api/openapi"
	cfg.DocsPath = "" // served by docsHandler: no third-party scripts
	cfg.SchemasPath = "/api/schemas"
	cfg.CreateHooks = nil // no $schema links in every body
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"session": {Type: "apiKey", In: "cookie", Name: "kontor_session",
			Description: "Browser session; writes also need the X-CSRF-Token header."},
		"bearer": {Type: "http", Scheme: "bearer",
			Description: "A session token from login or a personal API token."},
	}
	s.api = humachi.New(s.router, cfg)
	s.api.UseMiddleware(s.operationLabel, s.signInFirst)

	s.router.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.router.Get("/readyz", s.readyz)
	s.router.Handle("/metrics", metricsGuard(opt.MetricsToken, promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})))
	s.router.Get("/api/docs", s.docsHandler)
	s.router.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, r, http.StatusNotFound, "no such page or API operation: "+r.URL.Path)
	})
	s.router.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, r, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path)
	})
	return s
}

// API is the huma API; modules register operations on it.
func (s *Server) API() huma.API { return s.api }

// Router is the chi router, for handlers outside huma (websocket, files, web app).
func (s *Server) Router() chi.Router { return s.router }

// Registry is where modules register their Prometheus metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handler returns the whole HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var failed []string
	for name, check := range s.ready {
		if err := check(ctx); err != nil {
			LoggerFrom(ctx).Warn("readiness check failed", "check", name, "error", err)
			failed = append(failed, name)
		}
	}
	if len(failed) > 0 {
		writeStatus(w, r, http.StatusServiceUnavailable, fmt.Sprintf("not ready: %v unreachable (details in the server log)", failed))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ready\n"))
}

func writeStatus(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: detail, Instance: r.URL.Path}
	writeProblem(w, p)
}

// Serve listens on addr until ctx ends, then stops accepting connections
// and waits up to grace for requests in flight to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s.router,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing requests in flight", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func securityHeaders(hsts time.Duration, trusted []*net.IPNet) func(http.Handler) http.Handler {
	hstsValue := fmt.Sprintf("max-age=%d", int64(hsts.Seconds()))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			if hsts > 0 && overHTTPS(r, trusted) {
				h.Set("Strict-Transport-Security", hstsValue)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// overHTTPS reports whether the browser reached us over HTTPS: directly,
// or through a trusted proxy that says so. Anyone else's word is not taken.
func overHTTPS(r *http.Request, trusted []*net.IPNet) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !isTrusted(host, trusted) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// metricsGuard lets a request read the metrics when it carries the token,
// or comes from this machine itself and not through a proxy: the metrics
// name operations, counts and timings an outsider has no business seeing.
func metricsGuard(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1 {
				next.ServeHTTP(w, r)
				return
			}
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		ip := net.ParseIP(host)
		forwarded := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != ""
		if err == nil && ip != nil && ip.IsLoopback() && !forwarded {
			next.ServeHTTP(w, r)
			return
		}
		WriteError(w, r, apperr.Forbidden("the metrics are served to this machine only, or with the metrics token (setting metrics-token) as a bearer token").WithCode(apperr.CodeMetricsForbidden))
	})
}
