package chat

import (
	"context"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// Purge: retention and erasure (modules/compliance) remove messages for
// good. The compliance desk decides what goes and checks legal holds
// through the journal; chat removes the rows. These calls check no role:
// only the desk, wired in internal/app, reaches them.

// AgedMessage is a message as retention weighs it.
type AgedMessage struct {
	ID          string
	ChannelID   string
	ChannelKind string // public | private | dm | group
	UserID      string
	CreatedAt   time.Time
}

// MessagesBefore lists messages posted before `before` (deleted, expired
// and taken-down ones too: the rows still hold their text), oldest first,
// after the position (afterAt, afterID), at most limit.
func (m *Module) MessagesBefore(ctx context.Context, before, afterAt time.Time, afterID string, limit int) ([]AgedMessage, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT m.id, m.channel_id, c.kind, m.user_id, m.created_at FROM messages m JOIN channels c ON c.id = m.channel_id
		WHERE m.created_at < ? AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?)) ORDER BY m.created_at, m.id LIMIT ?`,
		millis(before), millis(afterAt), millis(afterAt), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("messages by age: %w", err)
	}
	return db.Collect(rows, func(s db.Scanner) (AgedMessage, error) {
		var a AgedMessage
		var at int64
		err := s.Scan(&a.ID, &a.ChannelID, &a.ChannelKind, &a.UserID, &at)
		a.CreatedAt = time.UnixMilli(at).UTC()
		return a, err
	})
}

// ChannelKinds returns the kind of each known channel among ids.
func (m *Module) ChannelKinds(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	err := db.EachIn(ids, func(chunk []string) error {
		rows, err := m.db.QueryContext(ctx, `SELECT id, kind FROM channels WHERE id IN (`+db.In(len(chunk))+`)`, db.Args(chunk)...)
		if err != nil {
			return fmt.Errorf("channel kinds: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, kind string
			if err := rows.Scan(&id, &kind); err != nil {
				return fmt.Errorf("channel kinds: %w", err)
			}
			out[id] = kind
		}
		return rows.Err()
	})
	return out, err
}

// PurgeMessages removes the messages in tx with everything that repeats
// what they said or points at them: earlier versions, reactions,
// mentions, thread followers, the client ids they were posted with,
// moderation notes, their files' shares and their events in the event
// log. The journal's content is purged by the caller (journal.PurgeBatch),
// which also decides that no legal hold covers them.
func (m *Module) PurgeMessages(ctx context.Context, tx *db.Tx, ids []string) error {
	err := db.EachIn(ids, func(chunk []string) error {
		in, args := db.In(len(chunk)), db.Args(chunk)
		if m.files != nil {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM messages WHERE id IN (`+in+`) AND attachments <> '[]'`, args...)
			if err != nil {
				return err
			}
			withFiles, err := db.Collect(rows, func(s db.Scanner) (string, error) {
				var id string
				return id, s.Scan(&id)
			})
			if err != nil {
				return err
			}
			for _, id := range withFiles {
				if err := m.files.Detach(ctx, tx, id); err != nil {
					return err
				}
			}
		}
		for _, q := range []string{
			`DELETE FROM message_versions WHERE message_id IN (` + in + `)`,
			`DELETE FROM reactions WHERE message_id IN (` + in + `)`,
			`DELETE FROM mentions WHERE message_id IN (` + in + `)`,
			`DELETE FROM thread_followers WHERE root_id IN (` + in + `)`,
			`DELETE FROM message_client_ids WHERE message_id IN (` + in + `)`,
			`DELETE FROM moderations WHERE subject_id IN (` + in + `)`,
			`DELETE FROM messages WHERE id IN (` + in + `)`,
		} {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("purge messages: %w", err)
	}
	if _, err := eventlog.PurgeSubjects(ctx, tx, ids); err != nil {
		return err
	}
	return nil
}
