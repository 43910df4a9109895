package identity

import (
	"sync"
	"time"
)

// limiter counts failed logins per key (a username, a client address) in
// a sliding window. It lives in memory: on a cluster each node counts for
// itself, which still bounds guessing to nodes × limit per window.
type limiter struct {
	max    int
	window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time
}

// maxKeys bounds the memory a flood of distinct keys can take.
const maxKeys = 100_000

func newLimiter(maxFailures int, window time.Duration) *limiter {
	return &limiter{max: maxFailures, window: window, failures: map[string][]time.Time{}}
}

// blocked reports whether key has used up its failures and, if so, how
// long until the oldest counted failure leaves the window.
func (l *limiter) blocked(key string, now time.Time, limit int) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.prune(key, now)
	if len(fs) < limit {
		return false, 0
	}
	return true, fs[0].Add(l.window).Sub(now)
}

func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) >= maxKeys {
		for k := range l.failures {
			l.prune(k, now)
		}
		if len(l.failures) >= maxKeys {
			// Still full of live keys: forget an arbitrary one rather than grow.
			for k := range l.failures {
				delete(l.failures, k)
				break
			}
		}
	}
	l.failures[key] = append(l.prune(key, now), now)
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.failures, key)
	l.mu.Unlock()
}

// prune drops failures older than the window; the caller holds mu.
func (l *limiter) prune(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = fs
	return fs
}
