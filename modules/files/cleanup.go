package files

import (
	"context"
	"time"
)

// Cleanup removes blobs no live file refers to: those of deleted files,
// and those of uploads and previews that a crash or an outage interrupted
// (older than files-orphan-grace). It returns how many it removed; a blob
// the store cannot remove now stays listed for the next run.
func (m *Module) Cleanup(ctx context.Context) (int, error) {
	removed := 0
	for {
		due, err := dueTrash(ctx, m.db, m.now(), m.cfg.OrphanGrace, 100)
		if err != nil || len(due) == 0 {
			return removed, err
		}
		for _, t := range due {
			dctx, cancel := context.WithTimeout(ctx, time.Minute)
			err := m.store.Delete(dctx, t.Key)
			cancel()
			if err != nil {
				return removed, m.storeError("cleanup", err)
			}
			if err := forgetTrash(ctx, m.db, t); err != nil {
				return removed, err
			}
			removed++
		}
	}
}
