package chat

import (
	"context"
	"time"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Threads: replies, reply counts and who follows a thread.

// threadReply updates a thread after a reply was added (delta 1) or removed (-1).
func (m *Module) threadReply(ctx context.Context, tx *db.Tx, root messageRow, replier string, delta int, at int64) error {
	count, err := bumpThread(ctx, tx, root.ID, delta, at)
	if err != nil {
		return err
	}
	if delta > 0 {
		for _, u := range []string{root.UserID, replier} {
			if err := follow(ctx, tx, root.ID, u); err != nil {
				return err
			}
		}
	}
	return m.emit(ctx, tx, evThreadUpdated.With(events.ThreadUpdate{
		RootID: root.ID, ChannelID: root.ChannelID, ReplyCount: count, LastReplyAt: time.UnixMilli(at).UTC()}), root.ChannelID, "")
}

// Thread returns a thread's first message and its replies, oldest first.
func (m *Module) Thread(ctx context.Context, channelID, rootID string, after int64, limit int) ([]Message, error) {
	a, root, err := m.loadMessage(ctx, m.db, channelID, rootID)
	if err != nil {
		return nil, err
	}
	if root.RootID != "" {
		return nil, apperr.Invalid("", "%q is a reply; open its thread %q", rootID, root.RootID)
	}
	replies, err := queryMessages(ctx, m.db, `root_id = ? AND `+visible+` AND seq > ? ORDER BY seq LIMIT ?`,
		rootID, millis(m.now()), after, m.pageSize(limit))
	if err != nil {
		return nil, err
	}
	return m.views(ctx, a, append([]messageRow{root}, replies...))
}

// SetFollowing follows or unfollows a thread.
func (m *Module) SetFollowing(ctx context.Context, channelID, rootID string, on bool) ([]string, error) {
	a, root, err := m.loadMessage(ctx, m.db, channelID, rootID)
	if err != nil {
		return nil, err
	}
	if root.RootID != "" {
		return nil, apperr.Invalid("", "follow the thread's first message, not a reply")
	}
	if on {
		err = follow(ctx, m.db, rootID, a.p.UserID)
	} else {
		err = unfollow(ctx, m.db, rootID, a.p.UserID)
	}
	if err != nil {
		return nil, err
	}
	return followers(ctx, m.db, rootID)
}

// Followers lists who follows a thread, so a client can show whether the
// caller does.
func (m *Module) Followers(ctx context.Context, channelID, rootID string) ([]string, error) {
	if _, _, err := m.loadMessage(ctx, m.db, channelID, rootID); err != nil {
		return nil, err
	}
	return followers(ctx, m.db, rootID)
}
