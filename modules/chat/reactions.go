package chat

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Reactions: emoji on messages.

// React adds the caller's emoji to a message or takes it away: as on
// says, or the opposite of what is there when on is nil (a toggle). Asking
// for what is already so changes nothing, so a retried request is safe.
func (m *Module) React(ctx context.Context, channelID, messageID, emoji string, on *bool) (Message, error) {
	emoji, err := checkEmoji(emoji)
	if err != nil {
		return Message{}, err
	}
	var out messageRow
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, r, err := m.loadChangeable(ctx, tx, channelID, messageID)
		if err != nil {
			return err
		}
		out = r
		changed, added, err := setReaction(ctx, tx, r.ID, a.p.UserID, emoji, on, millis(m.now()))
		if err != nil || !changed {
			return err
		}
		if n, err := countReactionKinds(ctx, tx, r.ID); err != nil || n > 50 {
			if err != nil {
				return err
			}
			return apperr.Invalid("emoji", "a message takes at most 50 different reactions")
		}
		kind := "reaction.removed"
		if added {
			kind = "reaction.added"
		}
		if err := m.record(ctx, tx, kind, a.p.UserID, channelID, r.ID, map[string]string{"emoji": emoji}, nil); err != nil {
			return err
		}
		rs, err := reactionsFor(ctx, tx, []string{r.ID})
		if err != nil {
			return err
		}
		return m.emit(ctx, tx, evReactionChanged.With(ReactionChanged{
			MessageID: r.ID, ChannelID: channelID, Reactions: nonNilReactions(rs[r.ID])}), channelID, "")
	})
	if err != nil {
		return Message{}, err
	}
	return m.decorate(ctx, out)
}
