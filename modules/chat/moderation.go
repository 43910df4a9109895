package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Moderation: the compliance desk (modules/compliance) takes a message
// down. It checks who may; chat hides the message as a deletion does
// (every read path, search and files already honour that), keeps it in
// the channel as a placeholder, and writes message.moderated to the
// journal and to open clients.

// ModerateMessage takes a message down in tx and returns its channel. The
// caller has checked the actor's role and records the reason.
func (m *Module) ModerateMessage(ctx context.Context, tx *db.Tx, messageID, reason string) (string, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return "", err
	}
	if err := checkID("message", messageID); err != nil {
		return "", err
	}
	// Claim the message first, with a conditional write: of two officers
	// taking it down at once, the second waits for the first's row lock
	// (PostgreSQL; SQLite has one writer) and then finds nothing to claim.
	now := m.now()
	res, err := tx.ExecContext(ctx, `UPDATE messages SET moderated_at = ? WHERE id = ? AND deleted_at = 0 AND expired_at = 0 AND moderated_at = 0`,
		millis(now), messageID)
	if err != nil {
		return "", fmt.Errorf("moderate %s: %w", messageID, err)
	}
	claimed, err := res.RowsAffected()
	if err != nil {
		return "", fmt.Errorf("moderate %s: %w", messageID, err)
	}
	r, err := messageByID(ctx, tx, messageID)
	if errors.Is(err, errNotFound) {
		return "", apperr.NotFound("no message %q", messageID).WithCode(apperr.CodeMessageNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("moderate %s: %w", messageID, err)
	}
	if claimed == 0 {
		return "", apperr.Conflict("the message is already gone (deleted, expired or taken down)").WithCode(apperr.CodeMessageDeleted)
	}
	if err := m.hide(ctx, tx, r, p.UserID, "message.moderated", evMessageModerated, now); err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO moderations (subject_id, subject_type, channel_id, actor_id, reason, at)
		VALUES (?, 'message', ?, ?, ?, ?)`, r.ID, r.ChannelID, p.UserID, reason, millis(now)); err != nil {
		return "", fmt.Errorf("moderate %s: %w", messageID, err)
	}
	return r.ChannelID, nil
}

// markModerated turns taken-down messages among rows into placeholders.
// Only deleted rows can be, so a page without any costs no query.
func (m *Module) markModerated(ctx context.Context, rows []messageRow, out []Message) error {
	var gone []any
	for _, r := range rows {
		if r.DeletedAt != 0 {
			gone = append(gone, r.ID)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	rs, err := m.db.QueryContext(ctx, `SELECT subject_id FROM moderations WHERE subject_id IN (`+db.In(len(gone))+`)`, gone...)
	if err != nil {
		return fmt.Errorf("moderations: %w", err)
	}
	defer rs.Close()
	taken := map[string]bool{}
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			return fmt.Errorf("moderations: %w", err)
		}
		taken[id] = true
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("moderations: %w", err)
	}
	for i := range out {
		if taken[out[i].ID] {
			out[i].Moderated = true
		}
	}
	return nil
}
