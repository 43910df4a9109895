package chat

import (
	"context"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Read state: read positions, unread counts and read receipts.

// receipts holds, for one caller and channel, the read positions of the
// members who share read receipts.
type receipts struct {
	on       bool             // the caller shares receipts, so sees them
	dm       bool             // a 1:1 DM: show "read" on the caller's own messages
	readPos  map[string]int64 // user -> last read seq, only members sharing receipts
	selfUser string
}

func (m *Module) receiptsFor(ctx context.Context, a access) (receipts, error) {
	st, err := m.settings(ctx, m.db)
	if err != nil {
		return receipts{}, err
	}
	ms, err := members(ctx, m.db, a.ch.ID)
	if err != nil {
		return receipts{}, err
	}
	idsOf := make([]string, len(ms))
	for i, x := range ms {
		idsOf[i] = x.UserID
	}
	prefs, err := userReadReceipts(ctx, m.db, idsOf)
	if err != nil {
		return receipts{}, err
	}
	rc := receipts{on: effectiveReceipts(prefs[a.p.UserID], st.ReadReceiptsDefault), dm: a.ch.Kind == KindDM,
		readPos: map[string]int64{}, selfUser: a.p.UserID}
	for _, x := range ms {
		if effectiveReceipts(prefs[x.UserID], st.ReadReceiptsDefault) {
			rc.readPos[x.UserID] = x.LastReadSeq
		}
	}
	return rc, nil
}

// apply sets the receipt fields of msg for the caller.
func (rc receipts) apply(msg *Message, a access) {
	if !rc.on || msg.Deleted {
		return
	}
	n := 0
	for u, pos := range rc.readPos {
		if u != msg.UserID && pos >= msg.Seq {
			n++
		}
	}
	if rc.dm {
		if msg.UserID == rc.selfUser {
			read := n > 0
			msg.Read = &read
		}
		return
	}
	msg.ReadCount = &n
}

// Readers lists who has read a message, when the caller shares receipts.
func (m *Module) Readers(ctx context.Context, channelID, messageID string) ([]string, error) {
	a, r, err := m.loadMessage(ctx, m.db, channelID, messageID)
	if err != nil {
		return nil, err
	}
	rc, err := m.receiptsFor(ctx, a)
	if err != nil {
		return nil, err
	}
	if !rc.on {
		return nil, apperr.Forbidden("you do not share read receipts, so you see none").WithCode(apperr.CodeReadReceiptsOff)
	}
	out := []string{}
	for u, pos := range rc.readPos {
		if u != r.UserID && pos >= r.Seq {
			out = append(out, u)
		}
	}
	return out, nil
}

// MarkRead moves the caller's read position forward to seq.
func (m *Module) MarkRead(ctx context.Context, channelID string, seq int64) (Membership, error) {
	return m.moveRead(ctx, channelID, seq, false)
}

// MarkUnread moves the caller's read position back so that the message
// with seq and everything after it count as unread.
func (m *Module) MarkUnread(ctx context.Context, channelID string, seq int64) (Membership, error) {
	return m.moveRead(ctx, channelID, seq-1, true)
}

func (m *Module) moveRead(ctx context.Context, channelID string, pos int64, back bool) (Membership, error) {
	if pos < 0 {
		return Membership{}, apperr.Invalid("body.seq", "seq starts at 1")
	}
	var out Membership
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if pos > a.ch.LastSeq {
			return apperr.Invalid("body.seq", "the channel's newest message is %d", a.ch.LastSeq)
		}
		if (!back && pos <= a.mem.LastReadSeq) || (back && pos >= a.mem.LastReadSeq) {
			out = *membershipView(a.mem, [2]int{})
			return nil
		}
		if err := setLastRead(ctx, tx, channelID, a.p.UserID, pos); err != nil {
			return err
		}
		a.mem.LastReadSeq = pos
		out = *membershipView(a.mem, [2]int{})
		if err := m.emit(ctx, tx, evReadUpdated.With(events.ReadUpdate{ChannelID: channelID, LastReadSeq: pos}), "", a.p.UserID); err != nil {
			return err
		}
		st, err := m.settings(ctx, tx)
		if err != nil {
			return err
		}
		prefs, err := userReadReceipts(ctx, tx, []string{a.p.UserID})
		if err != nil {
			return err
		}
		if !back && effectiveReceipts(prefs[a.p.UserID], st.ReadReceiptsDefault) {
			return m.emit(ctx, tx, evReceiptUpdated.With(events.ReceiptUpdate{
				ChannelID: channelID, UserID: a.p.UserID, LastReadSeq: pos}), channelID, "")
		}
		return nil
	})
	if err != nil {
		return Membership{}, err
	}
	counts, err := unreadCounts(ctx, m.db, authn.FromContext(ctx).UserID, channelID, millis(m.now()))
	if err != nil {
		return Membership{}, err
	}
	c := counts[channelID]
	out.UnreadCount, out.MentionCount = c[0], c[1]
	return out, nil
}
