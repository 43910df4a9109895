package chat

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Expiry: self-destructing messages disappear when their time comes.

// ExpireDue makes self-destructing messages whose time has come disappear
// and, if the compliance setting says so, purges them from the record.
func (m *Module) ExpireDue(ctx context.Context) (int, error) {
	now := m.now()
	due, err := queryMessages(ctx, m.db, `expires_at > 0 AND expires_at <= ? AND expired_at = 0 ORDER BY expires_at LIMIT 500`, millis(now))
	if err != nil || len(due) == 0 {
		return 0, err
	}
	st, err := m.settings(ctx, m.db)
	if err != nil {
		return 0, err
	}
	ctx = authn.SystemContext(ctx, "chat-expire")
	expire := func(ctx context.Context, tx *db.Tx, r messageRow) error {
		// Read again in tx: a reply in due may have gone with its thread.
		r, err := messageByID(ctx, tx, r.ID)
		if err != nil || r.ExpiredAt != 0 {
			return err
		}
		if err := m.hide(ctx, tx, r, "", "message.expired", evMessageExpired, now); err != nil {
			return err
		}
		if !st.ExpiredKeptOnRecord {
			return m.journal.PurgeSubject(ctx, tx, r.ID, "", "self-destructing message expired")
		}
		return nil
	}
	for _, r := range due {
		err := m.db.WithTx(ctx, func(tx *db.Tx) error {
			if err := expire(ctx, tx, r); err != nil {
				return err
			}
			if r.RootID != "" {
				return nil
			}
			// Replies that outlive their thread (kept a longer lifetime,
			// or were posted before replies inherited it) go with it.
			replies, err := queryMessages(ctx, tx, `root_id = ? AND expired_at = 0 AND deleted_at = 0`, r.ID)
			if err != nil {
				return err
			}
			for _, reply := range replies {
				if err := expire(ctx, tx, reply); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}
