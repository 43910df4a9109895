package files

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// All SQL of the files module is in this file.

const fileColumns = `id, owner_id, name, content_type, size, sha256, blob_key, voice, duration_ms,
	width, height, preview_state, preview_at, preview_type, created_at, deleted_at, deleted_by, moderated_at`

type scanner = db.Scanner

// scanFile reads fileColumns, after any extra leading columns.
func scanFile(s scanner, extra ...any) (fileRow, error) {
	var r fileRow
	err := s.Scan(append(extra, &r.ID, &r.OwnerID, &r.Name, &r.ContentType, &r.Size, &r.SHA256, &r.BlobKey, &r.Voice, &r.DurationMS,
		&r.Width, &r.Height, &r.PreviewState, &r.PreviewAt, &r.PreviewType, &r.CreatedAt, &r.DeletedAt, &r.DeletedBy, &r.ModeratedAt)...)
	return r, err
}

// forUpdate locks the selected rows until commit on PostgreSQL; SQLite
// has one writer, so its transactions are serialised anyway.
func forUpdate(q db.Querier) string {
	if q.Dialect() == db.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, q db.Querier, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := db.Collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func scanFileRow(s scanner) (fileRow, error) { return scanFile(s) }

// errNoRow is returned by getFile when the id is unknown.
var errNoRow = errors.New("no such file row")

func getFile(ctx context.Context, q db.Querier, id string, lock bool) (fileRow, error) {
	query := `SELECT ` + fileColumns + ` FROM files WHERE id = ?`
	if lock {
		query += forUpdate(q)
	}
	r, err := scanFile(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNoRow
	}
	if err != nil {
		return r, fmt.Errorf("load file %s: %w", id, err)
	}
	return r, nil
}

func getFiles(ctx context.Context, q db.Querier, fileIDs []string, lock bool) (map[string]fileRow, error) {
	args := make([]any, len(fileIDs))
	for i, id := range fileIDs {
		args[i] = id
	}
	query := `SELECT ` + fileColumns + ` FROM files WHERE id IN (` + db.In(len(fileIDs)) + `)`
	if lock {
		query += forUpdate(q)
	}
	rows, err := collect(ctx, q, "load files", scanFileRow, query, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fileRow, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

func insertFile(ctx context.Context, tx *db.Tx, r fileRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO files (`+fileColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.OwnerID, r.Name, r.ContentType, r.Size, r.SHA256, r.BlobKey, r.Voice, r.DurationMS,
		r.Width, r.Height, r.PreviewState, r.PreviewAt, r.PreviewType, r.CreatedAt, r.DeletedAt, r.DeletedBy, r.ModeratedAt)
	if err != nil {
		return fmt.Errorf("insert file: %w", err)
	}
	return nil
}

// markModerated takes the file down, if nobody did yet and it is live.
func markModerated(ctx context.Context, tx *db.Tx, id string, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE files SET moderated_at = ? WHERE id = ? AND deleted_at = 0 AND moderated_at = 0`,
		at.UnixMilli(), id)
	if err != nil {
		return false, fmt.Errorf("take file %s down: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func markDeleted(ctx context.Context, tx *db.Tx, id, by string, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE files SET deleted_at = ?, deleted_by = ? WHERE id = ? AND deleted_at = 0`,
		at.UnixMilli(), by, id)
	if err != nil {
		return false, fmt.Errorf("delete file %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// listOwned returns the owner's live files, newest first, before the id.
func listOwned(ctx context.Context, q db.Querier, owner, before string, limit int) ([]fileRow, error) {
	query, args := `SELECT `+fileColumns+` FROM files WHERE owner_id = ? AND deleted_at = 0 AND moderated_at = 0`, []any{owner}
	if before != "" {
		query += ` AND id < ?`
		args = append(args, before)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	return collect(ctx, q, "list files", scanFileRow, query, args...)
}

// ---- shares ----

type shareRow struct {
	ID, FileID, ChannelID, MessageID, SharedBy string
	Seq, SharedAt                              int64
}

// insertShare adds the share with the channel's next sequence number.
func insertShare(ctx context.Context, tx *db.Tx, s shareRow) error {
	seq, err := db.NextCounter(ctx, tx, "file_shares:"+s.ChannelID)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO file_shares (id, file_id, channel_id, seq, message_id, shared_by, shared_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, s.ID, s.FileID, s.ChannelID, seq, s.MessageID, s.SharedBy, s.SharedAt)
	return err
}

func deleteShares(ctx context.Context, tx *db.Tx, messageID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_shares WHERE message_id = ?`, messageID); err != nil {
		return fmt.Errorf("detach files of message %s: %w", messageID, err)
	}
	return nil
}

// sharesOf returns, per channel, the messages that share the file, with
// the channels in a stable order.
func sharesOf(ctx context.Context, q db.Querier, fileID string) (channels []string, messages map[string][]string, err error) {
	type share struct{ channel, message string }
	rows, err := collect(ctx, q, "shares of "+fileID, func(s scanner) (share, error) {
		var sh share
		return sh, s.Scan(&sh.channel, &sh.message)
	}, `SELECT channel_id, message_id FROM file_shares WHERE file_id = ? ORDER BY channel_id, seq`, fileID)
	if err != nil {
		return nil, nil, err
	}
	messages = map[string][]string{}
	for _, sh := range rows {
		if _, seen := messages[sh.channel]; !seen {
			channels = append(channels, sh.channel)
		}
		messages[sh.channel] = append(messages[sh.channel], sh.message)
	}
	return channels, messages, nil
}

type channelFileRow struct {
	share shareRow
	file  fileRow
}

// listChannelFiles returns the channel's shares of live files, newest
// first, with seq below before (0: from the newest).
func listChannelFiles(ctx context.Context, q db.Querier, channelID string, before int64, limit int) ([]channelFileRow, error) {
	query := `SELECT s.id, s.seq, s.message_id, s.shared_by, s.shared_at, ` + db.Prefixed("f.", fileColumns) + `
		FROM file_shares s JOIN files f ON f.id = s.file_id
		WHERE s.channel_id = ? AND f.deleted_at = 0 AND f.moderated_at = 0`
	args := []any{channelID}
	if before > 0 {
		query += ` AND s.seq < ?`
		args = append(args, before)
	}
	query += ` ORDER BY s.seq DESC LIMIT ?`
	args = append(args, limit)
	return collect(ctx, q, "list channel files", func(s scanner) (channelFileRow, error) {
		var c channelFileRow
		f, err := scanFile(s, &c.share.ID, &c.share.Seq, &c.share.MessageID, &c.share.SharedBy, &c.share.SharedAt)
		c.file, c.share.FileID, c.share.ChannelID = f, f.ID, channelID
		return c, err
	}, query, args...)
}

// ---- usage ----

// usageRow is a user's stored bytes and quota setting (-1: default).
type usageRow struct {
	UserID       string
	Files, Bytes int64
	Quota        int64
}

func getUsage(ctx context.Context, q db.Querier, userID string) (usageRow, error) {
	u := usageRow{UserID: userID, Quota: -1}
	err := q.QueryRowContext(ctx, `SELECT files, bytes, quota FROM file_usage WHERE user_id = ?`, userID).
		Scan(&u.Files, &u.Bytes, &u.Quota)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("usage of %s: %w", userID, err)
	}
	return u, nil
}

// addUsage changes a user's figures and returns the new row. The row
// stays locked until commit, so concurrent uploads of one user are
// checked against the quota one after the other.
func addUsage(ctx context.Context, tx *db.Tx, userID string, files, bytes int64) (usageRow, error) {
	u := usageRow{UserID: userID}
	err := tx.QueryRowContext(ctx, `INSERT INTO file_usage (user_id, files, bytes) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET files = file_usage.files + excluded.files, bytes = file_usage.bytes + excluded.bytes
		RETURNING files, bytes, quota`, userID, files, bytes).Scan(&u.Files, &u.Bytes, &u.Quota)
	if err != nil {
		return u, fmt.Errorf("usage of %s: %w", userID, err)
	}
	return u, nil
}

func setQuota(ctx context.Context, tx *db.Tx, userID string, quota int64) (usageRow, error) {
	u := usageRow{UserID: userID}
	err := tx.QueryRowContext(ctx, `INSERT INTO file_usage (user_id, quota) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET quota = excluded.quota
		RETURNING files, bytes, quota`, userID, quota).Scan(&u.Files, &u.Bytes, &u.Quota)
	if err != nil {
		return u, fmt.Errorf("set quota of %s: %w", userID, err)
	}
	return u, nil
}

// listUsage pages through users by stored bytes, largest first; the
// cursor is the last row's (bytes, user id).
func listUsage(ctx context.Context, q db.Querier, afterBytes int64, afterUser string, limit int) ([]usageRow, error) {
	query, args := `SELECT user_id, files, bytes, quota FROM file_usage`, []any{}
	if afterUser != "" {
		query += ` WHERE bytes < ? OR (bytes = ? AND user_id > ?)`
		args = append(args, afterBytes, afterBytes, afterUser)
	}
	query += ` ORDER BY bytes DESC, user_id LIMIT ?`
	args = append(args, limit)
	return collect(ctx, q, "list usage", func(s scanner) (usageRow, error) {
		var u usageRow
		return u, s.Scan(&u.UserID, &u.Files, &u.Bytes, &u.Quota)
	}, query, args...)
}

func usageTotals(ctx context.Context, q db.Querier) (users, files, bytes int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(files), 0), COALESCE(SUM(bytes), 0) FROM file_usage WHERE files > 0`).
		Scan(&users, &files, &bytes)
	if err != nil {
		err = fmt.Errorf("usage totals: %w", err)
	}
	return users, files, bytes, err
}

// ---- blob trash ----

func addTrash(ctx context.Context, q db.Querier, key, reason string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO file_blob_trash (blob_key, reason, since) VALUES (?, ?, ?)
		ON CONFLICT (blob_key) DO UPDATE SET reason = excluded.reason, since = excluded.since`, key, reason, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("note blob %s: %w", key, err)
	}
	return nil
}

// removeTrash forgets key and reports whether it was there.
func removeTrash(ctx context.Context, q db.Querier, key string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM file_blob_trash WHERE blob_key = ?`, key)
	if err != nil {
		return false, fmt.Errorf("forget blob %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// forgetTrash drops the row if nobody noted the key again meanwhile (a
// preview retry can reuse its key; an upload never does).
func forgetTrash(ctx context.Context, q db.Querier, t trashRow) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM file_blob_trash WHERE blob_key = ? AND since = ?`, t.Key, t.Since); err != nil {
		return fmt.Errorf("forget removed blob %s: %w", t.Key, err)
	}
	return nil
}

type trashRow struct {
	Key, Reason string
	Since       int64
}

// dueTrash returns blobs of deleted files, and blobs of uploads and
// previews older than grace (those younger may still be being written).
func dueTrash(ctx context.Context, q db.Querier, now time.Time, grace time.Duration, limit int) ([]trashRow, error) {
	return collect(ctx, q, "list blob trash", func(s scanner) (trashRow, error) {
		var t trashRow
		return t, s.Scan(&t.Key, &t.Reason, &t.Since)
	}, `SELECT blob_key, reason, since FROM file_blob_trash WHERE reason = 'deleted' OR since < ? ORDER BY since LIMIT ?`,
		now.Add(-grace).UnixMilli(), limit)
}

// ---- previews ----

// claimPreview marks the file as being previewed by this node, if it is
// waiting or its previous claim went stale (a node died mid-work).
func claimPreview(ctx context.Context, q db.Querier, id string, now time.Time, stale time.Duration) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE files SET preview_state = 'working', preview_at = ?
		WHERE id = ? AND deleted_at = 0 AND moderated_at = 0 AND (preview_state = 'pending' OR (preview_state = 'working' AND preview_at < ?))`,
		now.UnixMilli(), id, now.Add(-stale).UnixMilli())
	if err != nil {
		return false, fmt.Errorf("claim preview of %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func finishPreview(ctx context.Context, tx *db.Tx, id, state, typ string, w, h int64, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE files SET preview_state = ?, preview_type = ?, width = ?, height = ?, preview_at = ?
		WHERE id = ? AND preview_state = 'working' AND deleted_at = 0`, state, typ, w, h, now.UnixMilli(), id)
	if err != nil {
		return false, fmt.Errorf("finish preview of %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// waitingPreviews lists files whose previews are due: waiting, or
// claimed longer ago than stale, in turns by owner (the first of each
// owner, then the second of each...) so that one person's flood of
// pictures does not hold back everyone else's.
func waitingPreviews(ctx context.Context, q db.Querier, now time.Time, stale time.Duration, limit int) ([]string, error) {
	return collect(ctx, q, "list waiting previews", func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY owner_id ORDER BY id) AS turn FROM files
		WHERE deleted_at = 0 AND moderated_at = 0 AND (preview_state = 'pending' OR (preview_state = 'working' AND preview_at < ?))) due
		ORDER BY turn, id LIMIT ?`,
		now.Add(-stale).UnixMilli(), limit)
}
