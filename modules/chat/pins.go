package chat

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// Pins: pinned messages of a channel.

// SetPinned pins or unpins a message.
func (m *Module) SetPinned(ctx context.Context, channelID, messageID string, pinned bool) (Message, error) {
	var out messageRow
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, r, err := m.loadChangeable(ctx, tx, channelID, messageID)
		if err != nil {
			return err
		}
		out = r
		if (r.PinnedAt != 0) == pinned {
			return nil
		}
		kind, ev := "message.unpinned", evMessageUnpinned
		was := r
		r.PinnedAt, r.PinnedBy = 0, ""
		if pinned {
			kind, ev = "message.pinned", evMessagePinned
			r.PinnedAt, r.PinnedBy = millis(m.now()), a.p.UserID
		}
		if err := updateMessage(ctx, tx, was, r); err != nil {
			return err
		}
		if err := m.record(ctx, tx, kind, a.p.UserID, channelID, r.ID, nil, nil); err != nil {
			return err
		}
		out = r
		return m.emit(ctx, tx, ev.With(m.view(r, nil)), channelID, "")
	})
	if err != nil {
		return Message{}, err
	}
	return m.decorate(ctx, out)
}

// Pins lists a channel's pinned messages, newest pin first.
func (m *Module) Pins(ctx context.Context, channelID string) ([]Message, error) {
	a, err := m.loadMember(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	rows, err := queryMessages(ctx, m.db, `channel_id = ? AND pinned_at > 0 AND `+visible+` ORDER BY pinned_at DESC LIMIT 200`,
		channelID, millis(m.now()))
	if err != nil {
		return nil, err
	}
	return m.views(ctx, a, rows)
}
