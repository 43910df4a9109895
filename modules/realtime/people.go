package realtime

import (
	"sync"
	"time"
)

// people keeps what this node knows per person across their connections:
// how many connection slots they hold (reserved before the upgrade, so
// simultaneous upgrades cannot overrun the cap), the frame budget their
// connections share, and when they last said they were typing where.
//
// Its lock is a leaf: nothing is called with it held, and it is never
// taken while the hub's lock is held.
type people struct {
	mu sync.Mutex
	m  map[string]*person
}

type person struct {
	slots   int // connections open or being opened
	frames  bucket
	typedAt map[string]time.Time // channel -> last typing signal sent
}

func newPeople() *people { return &people{m: map[string]*person{}} }

// reserve takes one of userID's max connection slots; false when all are
// taken. Every true must be matched by one release.
func (ps *people) reserve(userID string, max int) (held int, ok bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[userID]
	if p == nil {
		p = &person{typedAt: map[string]time.Time{}}
		ps.m[userID] = p
	}
	if p.slots >= max {
		return p.slots, false
	}
	p.slots++
	return p.slots, true
}

// release gives a slot back; the person is forgotten with their last one.
func (ps *people) release(userID string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[userID]
	if p == nil {
		return
	}
	if p.slots--; p.slots <= 0 {
		delete(ps.m, userID)
	}
}

// allowFrame spends one frame of userID's shared budget.
func (ps *people) allowFrame(userID string, now time.Time, rate float64, burst int) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[userID]
	if p == nil {
		return false // no slot: the connection is on its way out
	}
	return p.frames.take(now, rate, burst)
}

// typingDue reports whether userID's typing in channelID should be sent
// now, and if so notes it: at most one signal per person and channel per
// every, however many tabs they type in.
func (ps *people) typingDue(userID, channelID string, now time.Time, every time.Duration) bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	p := ps.m[userID]
	if p == nil {
		return false
	}
	if last, ok := p.typedAt[channelID]; ok && now.Sub(last) < every {
		return false
	}
	if len(p.typedAt) >= 64 {
		// Forget what no longer throttles anything, so a person typing in
		// many channels does not grow the map without end.
		for ch, at := range p.typedAt {
			if now.Sub(at) >= every {
				delete(p.typedAt, ch)
			}
		}
	}
	p.typedAt[channelID] = now
	return true
}

// bucket is a token bucket: burst frames at once, then rate a second. It
// reads time from the module's clock, so tests count frames instead of
// waiting.
type bucket struct {
	tokens float64
	at     time.Time
}

func (b *bucket) take(now time.Time, rate float64, burst int) bool {
	if b.at.IsZero() {
		b.tokens, b.at = float64(burst), now
	}
	if now.After(b.at) {
		b.tokens = min(float64(burst), b.tokens+now.Sub(b.at).Seconds()*rate)
		b.at = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// typingSeen drops typing signals for a person and channel that arrive
// within every of the last one delivered on this node, whichever node
// they came from: a person typing in tabs on two nodes reaches the others
// once per interval.
type typingSeen struct {
	mu sync.Mutex
	m  map[[2]string]time.Time
}

func (ts *typingSeen) due(userID, channelID string, now time.Time, every time.Duration) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.m == nil {
		ts.m = map[[2]string]time.Time{}
	}
	k := [2]string{userID, channelID}
	if last, ok := ts.m[k]; ok && now.Sub(last) < every && !now.Before(last) {
		return false
	}
	ts.m[k] = now
	return true
}

// prune forgets signals older than every.
func (ts *typingSeen) prune(now time.Time, every time.Duration) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for k, at := range ts.m {
		if now.Sub(at) >= every {
			delete(ts.m, k)
		}
	}
}
