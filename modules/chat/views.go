package chat

import (
	"context"
	"strings"
)

// Views: rows turned into what the API returns, with the per-caller parts
// (membership, reactions, read receipts) added where asked.

// viewBasic is a channel without per-caller state, for events.
func (m *Module) viewBasic(c channelRow) Channel {
	ch := Channel{ID: c.ID, Kind: c.Kind, Name: c.Name, DisplayName: c.DisplayName, Topic: c.Topic, Purpose: c.Purpose,
		Announcement: c.Announcement, CreatedBy: c.CreatedBy, CreatedAt: *timePtr(c.CreatedAt), ArchivedAt: timePtr(c.ArchivedAt),
		LastSeq: c.LastSeq, LastMessageAt: timePtr(c.LastMessageAt)}
	if isDM(c) {
		ch.MemberIDs = strings.Split(c.DMKey, ",")
		ch.MemberCount = len(ch.MemberIDs)
	}
	return ch
}

func membershipView(r memberRow, counts [2]int) *Membership {
	return &Membership{Role: r.Role, LastReadSeq: r.LastReadSeq, UnreadCount: counts[0], MentionCount: counts[1], Notify: r.Notify}
}

// view turns a row into what clients see, without per-caller parts.
func (m *Module) view(r messageRow, reactions []Reaction) Message {
	msg := Message{ID: r.ID, ChannelID: r.ChannelID, Seq: r.Seq, UserID: r.UserID, Text: r.Text, RootID: r.RootID,
		ReplyCount: int(r.ReplyCount), LastReplyAt: timePtr(r.LastReplyAt), Version: r.Version, EditedAt: timePtr(r.EditedAt),
		ExpiresAt: timePtr(r.ExpiresAt), PinnedAt: timePtr(r.PinnedAt), PinnedBy: r.PinnedBy,
		Attachments: decodeAttachments(r.Attachments), MentionAll: r.MentionAll, Reactions: nonNilReactions(reactions),
		CreatedAt: *timePtr(r.CreatedAt)}
	if r.Mentions != "" {
		msg.Mentions = strings.Fields(r.Mentions)
	}
	if r.DeletedAt != 0 {
		msg.Deleted, msg.Text, msg.Attachments, msg.Mentions = true, "", []Attachment{}, nil
	}
	return msg
}

// decorate adds reactions and receipts to one message for the caller.
func (m *Module) decorate(ctx context.Context, r messageRow) (Message, error) {
	a, err := m.loadMember(ctx, m.db, r.ChannelID)
	if err != nil {
		return Message{}, err
	}
	vs, err := m.views(ctx, a, []messageRow{r})
	if err != nil {
		return Message{}, err
	}
	return vs[0], nil
}

// views turns rows into what the caller sees: reactions and, when the
// caller shares read receipts, who has read them.
func (m *Module) views(ctx context.Context, a access, rows []messageRow) ([]Message, error) {
	idsOf := make([]string, len(rows))
	for i, r := range rows {
		idsOf[i] = r.ID
	}
	rs, err := reactionsFor(ctx, m.db, idsOf)
	if err != nil {
		return nil, err
	}
	rc, err := m.receiptsFor(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = m.view(r, rs[r.ID])
		rc.apply(&out[i], a)
	}
	if err := m.markModerated(ctx, rows, out); err != nil {
		return nil, err
	}
	return out, nil
}

func nonNilReactions(rs []Reaction) []Reaction {
	if rs == nil {
		return []Reaction{}
	}
	return rs
}
