package chat

import (
	"context"
	"fmt"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

var _ record.LiveMessages = (*Module)(nil)

// LiveMessages lists messages as the tables hold them, with their earlier
// versions, in id order after afterID: what the compliance record check
// compares with the journal. It reads rows as they are, bypassing every
// visibility rule, and is for the compliance commands only.
func (m *Module) LiveMessages(ctx context.Context, afterID string, limit int) ([]record.LiveMessage, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT id, channel_id, user_id, root_id, text, version, deleted_at, expired_at
		FROM messages WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("live messages: %w", err)
	}
	defer rows.Close()
	var out []record.LiveMessage
	byID := map[string]int{}
	for rows.Next() {
		var r record.LiveMessage
		var deletedAt, expiredAt int64
		if err := rows.Scan(&r.ID, &r.ChannelID, &r.UserID, &r.RootID, &r.Text, &r.Version, &deletedAt, &expiredAt); err != nil {
			return nil, fmt.Errorf("live messages: %w", err)
		}
		r.Deleted, r.Expired, r.Versions = deletedAt != 0, expiredAt != 0, map[int]string{}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live messages: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	args := make([]any, len(out))
	for i, r := range out {
		args[i] = r.ID
	}
	vrows, err := m.db.QueryContext(ctx, `SELECT message_id, version, text FROM message_versions WHERE message_id IN (`+db.In(len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("live message versions: %w", err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var id, text string
		var v int
		if err := vrows.Scan(&id, &v, &text); err != nil {
			return nil, fmt.Errorf("live message versions: %w", err)
		}
		out[byID[id]].Versions[v] = text
	}
	return out, vrows.Err()
}

var _ record.LiveChannels = (*Module)(nil)

// LiveChannels lists channels with their members as the tables hold them,
// in id order after afterID, for the compliance record check only.
func (m *Module) LiveChannels(ctx context.Context, afterID string, limit int) ([]record.LiveChannel, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT id, kind, name, display_name, topic, purpose, announcement, archived_at
		FROM channels WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("live channels: %w", err)
	}
	defer rows.Close()
	var out []record.LiveChannel
	byID := map[string]int{}
	for rows.Next() {
		var c record.LiveChannel
		var archivedAt int64
		if err := rows.Scan(&c.ID, &c.Kind, &c.Name, &c.DisplayName, &c.Topic, &c.Purpose, &c.Announcement, &archivedAt); err != nil {
			return nil, fmt.Errorf("live channels: %w", err)
		}
		c.Archived, c.Members = archivedAt != 0, map[string]string{}
		byID[c.ID] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live channels: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	args := make([]any, len(out))
	for i, c := range out {
		args[i] = c.ID
	}
	mrows, err := m.db.QueryContext(ctx, `SELECT channel_id, user_id, role FROM channel_members WHERE channel_id IN (`+db.In(len(args))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("live channel members: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var ch, user, role string
		if err := mrows.Scan(&ch, &user, &role); err != nil {
			return nil, fmt.Errorf("live channel members: %w", err)
		}
		out[byID[ch]].Members[user] = role
	}
	return out, mrows.Err()
}
