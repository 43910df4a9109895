// Package bus carries notifications between the parts of Kontor and, in a
// cluster, between nodes: in-process by default, over NATS when
// configured. Nothing is ever delivered by the bus alone: durable state
// lives in the database and the bus only says "look, something new" or
// carries ephemeral signals (typing, presence). A subscriber that falls
// behind loses messages rather than slowing the publisher, so consumers
// of durable data must catch up from the database.
package bus

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// Bus publishes and subscribes to subjects ("kontor.events",
// "kontor.presence"). Subjects are dot-separated words; a subscription
// matches one subject exactly or ends in ".>" to match everything below.
type Bus interface {
	Publish(ctx context.Context, subject string, data []byte) error
	// Subscribe calls fn for every message on subject, in publish order,
	// from one goroutine per subscription. fn must not block for long.
	Subscribe(subject string, fn func(subject string, data []byte)) (unsubscribe func(), err error)
	// Ping reports whether the bus works (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// queueLen is how many undelivered messages a local subscription holds
// before it drops new ones.
const queueLen = 4096

// Local is the in-process bus of a single node.
type Local struct {
	mu     sync.RWMutex
	subs   map[*localSub]struct{}
	closed bool
}

type localSub struct {
	subject string
	ch      chan [2][]byte
	done    chan struct{}
	once    sync.Once
	// dropped counts messages lost because the subscriber fell behind.
	dropped atomic.Int64
}

// NewLocal returns an in-process bus.
func NewLocal() *Local { return &Local{subs: map[*localSub]struct{}{}} }

// Match reports whether subject matches the subscription pattern.
func Match(pattern, subject string) bool {
	if p, ok := strings.CutSuffix(pattern, ".>"); ok {
		return strings.HasPrefix(subject, p+".")
	}
	return pattern == subject
}

// Publish hands data to every matching subscription without waiting.
func (b *Local) Publish(_ context.Context, subject string, data []byte) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if !Match(s.subject, subject) {
			continue
		}
		select {
		case s.ch <- [2][]byte{[]byte(subject), data}:
		default:
			s.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe registers fn for subject.
func (b *Local) Subscribe(subject string, fn func(string, []byte)) (func(), error) {
	s := &localSub{subject: subject, ch: make(chan [2][]byte, queueLen), done: make(chan struct{})}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go func() {
		for {
			select {
			case m := <-s.ch:
				fn(string(m[0]), m[1])
			case <-s.done:
				return
			}
		}
	}()
	return func() {
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
		s.once.Do(func() { close(s.done) })
	}, nil
}

// Ping always succeeds.
func (b *Local) Ping(context.Context) error { return nil }

// Close stops every subscription.
func (b *Local) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.once.Do(func() { close(s.done) })
		delete(b.subs, s)
	}
	return nil
}
