// Package jobs runs periodic background work (LDAP sync, retention,
// reminders). On a cluster each run takes a lock so that one node does it.
package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Locker takes a named cluster-wide lock; *db.DB satisfies it.
type Locker interface {
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}

// Scheduler runs jobs until its context ends.
type Scheduler struct {
	log    *slog.Logger
	locker Locker
	wg     sync.WaitGroup
}

// New returns a scheduler. log must not be nil; locker may be nil on a
// single node.
func New(log *slog.Logger, locker Locker) *Scheduler {
	return &Scheduler{log: log.With("component", "jobs"), locker: locker}
}

// Every runs fn every interval (first after one interval) until ctx ends.
// A run that fails is logged and retried at the next tick.
func (s *Scheduler) Every(ctx context.Context, name string, interval time.Duration, fn func(ctx context.Context) error) {
	if interval <= 0 {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.RunOnce(ctx, name, fn)
			}
		}
	}()
}

// RunOnce runs fn now under the job's lock, logging the outcome.
func (s *Scheduler) RunOnce(ctx context.Context, name string, fn func(ctx context.Context) error) {
	if s.locker != nil {
		unlock, ok, err := s.locker.TryLock(ctx, "job:"+name)
		if err != nil {
			s.log.Warn("job lock failed", "job", name, "error", err)
			return
		}
		if !ok {
			s.log.Debug("job running elsewhere", "job", name)
			return
		}
		defer unlock()
	}
	start := time.Now()
	if err := fn(ctx); err != nil {
		s.log.Error("job failed", "job", name, "error", err, "duration", time.Since(start))
		return
	}
	s.log.Debug("job done", "job", name, "duration", time.Since(start))
}

// Wait blocks until every job loop has stopped.
func (s *Scheduler) Wait() { s.wg.Wait() }
