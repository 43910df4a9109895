package compliance

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// MaxReason bounds a moderation reason, in characters.
const MaxReason = 1000

// Moderation records what was taken down, by whom and why.
type Moderation struct {
	MessageID string `json:"message_id"`
	ChannelID string `json:"channel_id"`
	Reason    string `json:"reason"`
}

// ModerateMessage takes a message down for everyone (admins and
// compliance officers, member or not): members see a placeholder, search
// drops it, the journal keeps what it said, and the trail keeps who did
// it and why, all in one transaction.
func (m *Module) ModerateMessage(ctx context.Context, messageID, reason string) (Moderation, error) {
	if _, err := requireOfficer(ctx); err != nil {
		return Moderation{}, err
	}
	reason, err := text.Line("body.reason", reason, MaxReason)
	if err != nil {
		return Moderation{}, err
	}
	if reason == "" {
		return Moderation{}, apperr.Invalid("body.reason", "say why the message is taken down; the reason stays on the record")
	}
	out := Moderation{MessageID: messageID, Reason: reason}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		ch, err := m.mod.ModerateMessage(ctx, tx, messageID, reason)
		if err != nil {
			return err
		}
		out.ChannelID = ch
		return m.audit.Record(ctx, tx, m.clock.Now(), "message.moderate", "message", messageID,
			map[string]any{"channel_id": ch, "reason": reason})
	})
	return out, err
}
