package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// TakeDownAttachment turns fileID into a placeholder in the messages that
// carry it, in tx, and tells open clients with message.updated. The
// compliance desk calls it after files took the file down; the journal
// keeps what the messages carried (file.attached, message.created).
func (m *Module) TakeDownAttachment(ctx context.Context, tx *db.Tx, fileID string, messageIDs []string) error {
	for _, id := range messageIDs {
		r, err := messageByID(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("take attachment %s of %s down: %w", fileID, id, err)
		}
		atts := decodeAttachments(r.Attachments)
		changed := false
		for i, a := range atts {
			if a.ID == fileID && !a.Moderated {
				atts[i] = Attachment{ID: fileID, Moderated: true}
				changed = true
			}
		}
		if !changed {
			continue
		}
		b, err := json.Marshal(atts)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET attachments = ? WHERE id = ?`, string(b), id); err != nil {
			return fmt.Errorf("take attachment %s of %s down: %w", fileID, id, err)
		}
		r.Attachments = string(b)
		if r.DeletedAt != 0 || r.ExpiredAt != 0 {
			continue // members see no attachments of it anyway
		}
		reactions, err := reactionsFor(ctx, tx, []string{id})
		if err != nil {
			return err
		}
		if err := m.emit(ctx, tx, evMessageUpdated.With(m.view(r, reactions[id])), r.ChannelID, ""); err != nil {
			return err
		}
	}
	return nil
}

// MessagesBy lists every message userID wrote, deleted, expired and
// taken-down ones too, for GDPR erasure (the caller checks the role).
func (m *Module) MessagesBy(ctx context.Context, q db.Querier, userID string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM messages WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("messages by %s: %w", userID, err)
	}
	return db.Collect(rows, func(s db.Scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
}
