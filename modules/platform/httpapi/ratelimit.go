package httpapi

import (
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// RateLimit bounds API requests per person (or per client address for
// callers who are not signed in) with a token bucket: perSecond requests
// on average, bursts up to burst. Requests outside /api/ (the web app's
// files, health and metrics) are not counted. perSecond <= 0 turns it off.
// Run it after the middleware that sets the principal.
func RateLimit(perSecond float64, burst int) func(http.Handler) http.Handler {
	if perSecond <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	l := &buckets{rate: perSecond, burst: float64(max(burst, 1)), m: map[string]*bucket{}}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/api/") {
				next.ServeHTTP(w, r)
				return
			}
			key := "ip:" + authn.OriginFrom(r.Context()).IP
			if p := authn.FromContext(r.Context()); p != nil && p.UserID != "" {
				key = "user:" + p.UserID
			}
			if wait := l.take(key, time.Now()); wait > 0 {
				WriteError(w, r, apperr.RateLimited(wait, "too many requests; slow down and retry in %s", wait.Round(time.Millisecond)).WithCode(apperr.CodeRateLimited))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

type bucket struct {
	tokens float64
	at     time.Time
}

type buckets struct {
	rate, burst float64
	mu          sync.Mutex
	m           map[string]*bucket
	swept       time.Time
}

// take spends a token for key, or says how long until one is there.
func (l *buckets) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Full buckets carry no information: forget them, so the map only
		// holds callers who were busy lately.
		for k, b := range l.m {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.m, k)
			}
		}
		l.swept = now
	}
	b, ok := l.m[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.m[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}
