package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// Progress reports how far a rebuild has come, in journal positions: it
// has applied every change up to Seq and is heading for Head, the end of
// the journal if the Source says (SourceHead), else where the live index
// stands. Head grows while the journal does.
type Progress struct {
	Seq     int64 `json:"seq"`
	Head    int64 `json:"head"`
	Changes int   `json:"changes" doc:"Changes read from the journal so far."`
}

// ReindexStatus is the state of the last rebuild started on this node.
type ReindexStatus struct {
	Running    bool       `json:"running"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Progress   Progress   `json:"progress"`
	Error      string     `json:"error,omitempty"`
}

// Reindex rebuilds the index from the whole journal into a new directory
// while the current index keeps answering searches and the indexer keeps
// following the journal; when the new index has caught up it replaces the
// old one, which is then removed. progress (may be nil) is called after
// every batch. Only one rebuild runs at a time; cancelling ctx abandons
// the new index and leaves the old one in place.
func (m *Module) Reindex(ctx context.Context, progress func(Progress)) error {
	if !m.reindexMu.TryLock() {
		return errReindexRunning()
	}
	return m.reindexLocked(ctx, progress)
}

func errReindexRunning() error {
	return apperr.Conflict("the search index is already being rebuilt").WithCode(apperr.CodeReindexRunning)
}

// reindexLocked runs a rebuild; the caller holds reindexMu, which it releases.
func (m *Module) reindexLocked(ctx context.Context, progress func(Progress)) error {
	defer m.reindexMu.Unlock()
	m.markStarted()
	err := m.reindex(ctx, progress)
	m.setStatus(func(s *ReindexStatus) {
		now := time.Now().UTC()
		s.Running, s.FinishedAt = false, &now
		if err != nil {
			s.Error = err.Error()
		}
	})
	return err
}

func (m *Module) markStarted() {
	m.setStatus(func(s *ReindexStatus) {
		now := time.Now().UTC()
		*s = ReindexStatus{Running: true, StartedAt: &now}
	})
}

func (m *Module) reindex(ctx context.Context, progress func(Progress)) error {
	start := time.Now()
	if m.current() == nil {
		return apperr.Unavailable("search is closed")
	}
	nl, err := createIndex(m.cfg.Dir)
	if err != nil {
		return err
	}
	swapped := false
	defer func() {
		if !swapped {
			nl.idx.Close()
			_ = os.RemoveAll(filepath.Join(m.cfg.Dir, nl.name))
		}
	}()
	p := Progress{}
	head := func() int64 { return m.current().cursor.Load() }
	if sh, ok := m.source.(SourceHead); ok {
		head = func() int64 {
			h, err := sh.Head(ctx)
			if err != nil {
				return m.current().cursor.Load()
			}
			return h
		}
	}
	report := func() {
		p.Seq = nl.cursor.Load()
		p.Head = max(head(), p.Seq)
		m.setStatus(func(s *ReindexStatus) { s.Progress = p })
		if progress != nil {
			progress(p)
		}
	}
	step := func() (int, error) {
		after := nl.cursor.Load()
		changes, err := m.source.Changes(ctx, after, m.cfg.BatchSize)
		if err != nil {
			return 0, fmt.Errorf("search rebuild: read changes after %d: %w", after, err)
		}
		if err := apply(ctx, nl, m.log, changes); err != nil {
			return 0, err
		}
		p.Changes += len(changes)
		return len(changes), nil
	}
	// Most of the work happens beside the live index, without its lock.
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := step()
		if err != nil {
			return err
		}
		report()
		if n < m.cfg.BatchSize {
			break
		}
	}
	// The rest, and the swap, with the live indexer paused.
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	for {
		n, err := step()
		if err != nil {
			return err
		}
		if n < m.cfg.BatchSize {
			break
		}
	}
	report()
	if err := flush(nl); err != nil {
		return err
	}
	if err := writeCurrent(m.cfg.Dir, nl.name); err != nil {
		return err
	}
	m.mu.Lock() // waits for searches using the old index
	old := m.cur
	m.cur = nl
	m.stale = false
	m.mu.Unlock()
	swapped = true
	if err := old.idx.Close(); err != nil {
		m.log.Warn("search: close the old index", "error", err)
	}
	if err := os.RemoveAll(filepath.Join(m.cfg.Dir, old.name)); err != nil {
		m.log.Warn("search: remove the old index", "error", err)
	}
	m.log.Info("search index rebuilt", "changes", p.Changes, "cursor", nl.cursor.Load(), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// StartReindex starts a rebuild in the background (see Reindex) and
// returns at once; ReindexState reports its progress.
func (m *Module) StartReindex() (ReindexStatus, error) {
	if !m.reindexMu.TryLock() {
		return m.ReindexState(), errReindexRunning()
	}
	m.markStarted() // visible to the caller before the work begins
	m.runMu.Lock()
	ctx := m.baseCtx
	m.runMu.Unlock()
	go func() {
		if err := m.reindexLocked(ctx, nil); err != nil {
			m.log.Error("search index rebuild failed", "error", err)
		}
	}()
	return m.ReindexState(), nil
}

// ReindexState returns the state of the last rebuild on this node.
func (m *Module) ReindexState() ReindexStatus {
	m.statusMu.Lock()
	defer m.statusMu.Unlock()
	return m.status
}

func (m *Module) setStatus(fn func(*ReindexStatus)) {
	m.statusMu.Lock()
	defer m.statusMu.Unlock()
	fn(&m.status)
}
