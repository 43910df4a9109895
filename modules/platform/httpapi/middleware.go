package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kontor_http_requests_total",
			Help: "HTTP requests by API operation (or route), method and status code.",
		}, []string{"operation", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kontor_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests by API operation (or route).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "kontor_http_requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

// opLabel is filled in by the huma middleware once routing has picked an
// operation, so the outer middleware can label metrics and logs with it.
type opLabel struct{ id string }

type opLabelKey struct{}

func (s *Server) operationLabel(ctx huma.Context, next func(huma.Context)) {
	if l, ok := ctx.Context().Value(opLabelKey{}).(*opLabel); ok {
		l.id = ctx.Operation().OperationID
	}
	next(ctx)
}

// signInFirst answers 401 for an operation that needs a session before
// its input is read: nobody signed out learns more than "sign in", not
// even which fields a body lacks.
func (s *Server) signInFirst(ctx huma.Context, next func(huma.Context)) {
	if op := ctx.Operation(); op != nil && len(op.Security) > 0 && authn.FromContext(ctx.Context()) == nil {
		// As if the handler had returned it: toProblem takes status,
		// detail and code from the apperr.
		_, err := authn.Require(ctx.Context())
		_ = huma.WriteErr(s.api, ctx, http.StatusInternalServerError, "", err)
		return
	}
	next(ctx)
}

// textOnly refuses an address whose path or query is not UTF-8 text or
// holds a NUL: no id, name or query in Kontor is such, and PostgreSQL would
// refuse the bytes only deep inside a handler, as an internal error.
func textOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isText(r.URL.Path) || !queryIsText(r.URL.RawQuery) {
			WriteError(w, r, apperr.Malformed("", "the address holds bytes that are not text (invalid UTF-8 or a NUL character); send it percent-encoded UTF-8").WithCode(apperr.CodeAddressNotText))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func queryIsText(raw string) bool {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if v, err := url.QueryUnescape(part); err == nil && !isText(v) {
			return false
		}
	}
	return true
}

// statusWriter records the status and size of a response. It passes
// Hijack and Flush through for websockets and streaming downloads.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestContext gives every request an id, its origin (client IP, user
// agent), a logger carrying both, and measures and logs it.
func (s *Server) requestContext(trusted []*net.IPNet) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rid := r.Header.Get("X-Request-Id")
			if !validRequestID(rid) {
				rid = ids.New()
			}
			w.Header().Set("X-Request-Id", rid)
			origin := authn.Origin{IP: clientIP(r, trusted), UserAgent: truncate(r.UserAgent(), 256), RequestID: rid}
			log := s.log.With("request_id", rid)
			label := &opLabel{}
			ctx := authn.WithOrigin(r.Context(), origin)
			ctx = context.WithValue(ctx, loggerKey{}, log)
			ctx = context.WithValue(ctx, opLabelKey{}, label)
			sw := &statusWriter{ResponseWriter: w}
			s.metrics.inflight.Inc()
			defer func() {
				s.metrics.inflight.Dec()
				op := label.id
				if op == "" {
					op = routeLabel(r)
				}
				status := sw.status
				if status == 0 {
					status = http.StatusOK
				}
				d := time.Since(start)
				s.metrics.requests.WithLabelValues(op, r.Method, strconv.Itoa(status)).Inc()
				s.metrics.duration.WithLabelValues(op, r.Method).Observe(d.Seconds())
				attrs := []any{"method", r.Method, "path", s.logPath(r.URL.Path), "operation", op, "status", status,
					"duration_ms", float64(d.Microseconds()) / 1000, "bytes", sw.bytes, "ip", origin.IP}
				if p := authn.FromContext(r.Context()); p != nil {
					attrs = append(attrs, "user", p.Username)
				}
				if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" || r.URL.Path == "/readyz" {
					log.Debug("request", attrs...)
				} else {
					log.Info("request", attrs...)
				}
			}()
			next.ServeHTTP(sw, r.WithContext(ctx))
		})
	}
}

// logPath is the path as the request log shows it: without the secret
// part of a SecretPaths address.
func (s *Server) logPath(p string) string {
	for _, prefix := range s.secret {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "…"
		}
	}
	return p
}

// routeLabel names requests outside huma by their chi route pattern, so
// the metric's label set stays small.
func routeLabel(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			return p
		}
	}
	return "unmatched"
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// clientIP is the peer address, or the rightmost address in
// X-Forwarded-For that is not a trusted proxy when the peer is one.
func clientIP(r *http.Request, trusted []*net.IPNet) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !isTrusted(host, trusted) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if net.ParseIP(h) == nil {
			break
		}
		if !isTrusted(h, trusted) {
			return h
		}
	}
	return host
}

func isTrusted(ip string, trusted []*net.IPNet) bool {
	p := net.ParseIP(ip)
	if p == nil {
		return false
	}
	for _, n := range trusted {
		if n.Contains(p) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
