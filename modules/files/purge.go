package files

import (
	"context"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// Purge: retention and erasure (modules/compliance) remove files for
// good, bytes and previews included. The compliance desk decides what
// goes and checks legal holds through the journal; files removes the
// rows and the blobs. These calls check no role: only the desk, wired in
// internal/app, reaches them.

// AgedFile is a file as retention weighs it.
type AgedFile struct {
	ID        string
	OwnerID   string
	CreatedAt time.Time
}

// FilesBefore lists files uploaded before `before` (deleted ones too: a
// held file's bytes outlive its deletion), oldest first, after the
// position (afterAt, afterID), at most limit.
func (m *Module) FilesBefore(ctx context.Context, before, afterAt time.Time, afterID string, limit int) ([]AgedFile, error) {
	return collect(ctx, m.db, "files by age", func(s scanner) (AgedFile, error) {
		var f AgedFile
		var at int64
		err := s.Scan(&f.ID, &f.OwnerID, &at)
		f.CreatedAt = time.UnixMilli(at).UTC()
		return f, err
	}, `SELECT id, owner_id, created_at FROM files WHERE created_at < ? AND (created_at > ? OR (created_at = ? AND id > ?))
		ORDER BY created_at, id LIMIT ?`, before.UnixMilli(), afterAt.UnixMilli(), afterAt.UnixMilli(), afterID, limit)
}

// PurgeFiles removes the files in tx: their rows, shares, usage and
// events; their blobs (original, thumbnail, preview; local or S3) are
// listed for removal in tx and removed after commit (or by the cleanup
// job if the store fails then). The journal's content is purged by the
// caller (journal.PurgeBatch), which also decides that no hold covers them.
func (m *Module) PurgeFiles(ctx context.Context, tx *db.Tx, ids []string) error {
	now := m.now()
	var keys []string
	err := db.EachIn(ids, func(chunk []string) error {
		in, args := db.In(len(chunk)), db.Args(chunk)
		rows, err := getFilesIn(ctx, tx, in, args)
		if err != nil {
			return err
		}
		for _, f := range rows {
			if f.DeletedAt == 0 {
				if _, err := addUsage(ctx, tx, f.OwnerID, -1, -f.Size); err != nil {
					return err
				}
			}
			for _, k := range []string{f.BlobKey, thumbKey(f.ID), previewKey(f.ID)} {
				if err := addTrash(ctx, tx, k, "deleted", now); err != nil {
					return err
				}
				keys = append(keys, k)
			}
		}
		for _, q := range []string{`DELETE FROM file_shares WHERE file_id IN (` + in + `)`, `DELETE FROM files WHERE id IN (` + in + `)`} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("purge files: %w", err)
	}
	if _, err := eventlog.PurgeSubjects(ctx, tx, ids); err != nil {
		return err
	}
	if len(keys) > 0 {
		tx.AfterCommit(func() { m.discard(context.Background(), keys...) })
	}
	return nil
}

func getFilesIn(ctx context.Context, tx *db.Tx, in string, args []any) ([]fileRow, error) {
	return collect(ctx, tx, "files to purge", scanFileRow, `SELECT `+fileColumns+` FROM files WHERE id IN (`+in+`)`+forUpdate(tx), args...)
}
