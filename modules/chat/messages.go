package chat

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// NewMessage is what a person posts.
type NewMessage struct {
	Text             string   `json:"text" maxLength:"64000" doc:"Markdown, at most 16,000 characters."`
	RootID           string   `json:"root_id,omitempty" maxLength:"26" doc:"Reply in this message's thread."`
	FileIDs          []string `json:"file_ids,omitempty" maxItems:"10" doc:"Uploaded files to share with the message."`
	ExpiresInSeconds int      `json:"expires_in_seconds,omitempty" minimum:"0" maximum:"2592000" doc:"Self-destruct after this many seconds (when enabled)."`
	ClientID         string   `json:"client_id,omitempty" maxLength:"64" pattern:"^[A-Za-z0-9_.:-]+$" doc:"An id the client makes up for this message (a UUID, say). Posting again with the same client_id in the same channel returns the message already posted instead of a second one: retry freely when an answer was lost."`
}

// loadMessage finds a message of the channel the caller belongs to.
func (m *Module) loadMessage(ctx context.Context, q db.Querier, channelID, messageID string) (access, messageRow, error) {
	a, err := m.loadMember(ctx, q, channelID)
	if err != nil {
		return a, messageRow{}, err
	}
	if err := checkID("message", messageID); err != nil {
		return a, messageRow{}, err
	}
	msg, err := messageByID(ctx, q, messageID)
	if errors.Is(err, errNotFound) || (err == nil && (msg.ChannelID != channelID || m.gone(msg))) {
		return a, messageRow{}, apperr.NotFound("no message %q in this channel", messageID).WithCode(apperr.CodeMessageNotFound)
	}
	return a, msg, err
}

// loadChangeable finds a message that may still be changed: the channel
// is writable and the message not deleted.
func (m *Module) loadChangeable(ctx context.Context, tx *db.Tx, channelID, messageID string) (access, messageRow, error) {
	a, r, err := m.loadMessage(ctx, tx, channelID, messageID)
	if err != nil {
		return a, r, err
	}
	if err := writable(a.ch); err != nil {
		return a, r, err
	}
	if r.DeletedAt != 0 {
		return a, r, apperr.NotFound("no message %q in this channel", messageID)
	}
	return a, r, nil
}

// loadOwn is loadChangeable for the message's author only.
func (m *Module) loadOwn(ctx context.Context, tx *db.Tx, channelID, messageID, verb string) (access, messageRow, error) {
	a, r, err := m.loadChangeable(ctx, tx, channelID, messageID)
	if err == nil && r.UserID != a.p.UserID {
		err = apperr.Forbidden("you can only %s your own messages", verb).WithCode(apperr.CodeNotAuthor)
	}
	return a, r, err
}

// gone reports whether people can no longer see a message at all.
func (m *Module) gone(r messageRow) bool {
	if r.ExpiredAt != 0 || (r.ExpiresAt != 0 && r.ExpiresAt <= millis(m.now())) {
		return true
	}
	return r.DeletedAt != 0 && r.ReplyCount == 0
}

func (m *Module) checkPostAllowed(a access) error {
	if err := writable(a.ch); err != nil {
		return err
	}
	if a.ch.Announcement && !a.isAdmin() {
		return apperr.Forbidden("this is an announcement channel: only its admins post").WithCode(apperr.CodeAnnouncementOnly)
	}
	return nil
}

// Post writes a message, or a reply when RootID is set.
func (m *Module) Post(ctx context.Context, channelID string, in NewMessage) (Message, error) {
	text, err := m.checkText(in.Text, len(in.FileIDs) > 0)
	if err != nil {
		return Message{}, err
	}
	if len(in.FileIDs) > 0 && m.files == nil {
		return Message{}, apperr.Invalid("body.file_ids", "file sharing is not available on this server")
	}
	var expiresAt int64
	if in.ExpiresInSeconds > 0 {
		st, err := m.Settings(ctx)
		if err != nil {
			return Message{}, err
		}
		if !st.SelfDestructEnabled {
			return Message{}, apperr.Invalid("body.expires_in_seconds", "self-destructing messages are switched off on this server").WithCode(apperr.CodeSelfDestructDisabled)
		}
		if in.ExpiresInSeconds < 10 {
			return Message{}, apperr.Invalid("body.expires_in_seconds", "a self-destructing message lives at least 10 seconds")
		}
		expiresAt = millis(m.now().Add(time.Duration(in.ExpiresInSeconds) * time.Second))
	}
	var out messageRow
	var poster string
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		poster = a.p.UserID
		if in.ClientID != "" {
			// Posted before, and the answer was lost: the same answer again.
			prev, err := earlierPost(ctx, tx, channelID, poster, in.ClientID)
			if err == nil {
				out = prev
				return nil
			}
			if !errors.Is(err, errNotFound) {
				return err
			}
		}
		if err := m.checkPostAllowed(a); err != nil {
			return err
		}
		now := millis(m.now())
		var root messageRow
		if in.RootID != "" {
			_, root, err = m.loadMessage(ctx, tx, channelID, in.RootID)
			if err != nil {
				return err
			}
			if root.RootID != "" {
				return apperr.Invalid("body.root_id", "reply to the thread's first message, not to a reply")
			}
			if root.DeletedAt != 0 {
				return apperr.Invalid("body.root_id", "this thread's first message was deleted")
			}
		}
		// A reply lives no longer than the self-destructing message it
		// answers: the thread goes as a whole.
		if root.ExpiresAt != 0 && (expiresAt == 0 || root.ExpiresAt < expiresAt) {
			expiresAt = root.ExpiresAt
		}
		seq, err := nextSeq(ctx, tx, channelID, now)
		if err != nil {
			return err
		}
		r := messageRow{ID: ids.NewAt(m.now()), ChannelID: channelID, Seq: seq, UserID: a.p.UserID, Text: text, RootID: in.RootID,
			Version: 1, ExpiresAt: expiresAt, Attachments: "[]", CreatedAt: now}
		mentioned, err := m.resolveMentions(ctx, tx, channelID, a.p.UserID, text, &r)
		if err != nil {
			return err
		}
		if len(in.FileIDs) > 0 {
			att, err := m.files.Attach(ctx, tx, a.p.UserID, channelID, r.ID, in.FileIDs)
			if err != nil {
				return err
			}
			r.Attachments = string(att)
		}
		if err := insertMessage(ctx, tx, r); err != nil {
			return err
		}
		if in.ClientID != "" {
			if err := insertClientID(ctx, tx, channelID, a.p.UserID, in.ClientID, r.ID, now); err != nil {
				return err
			}
		}
		if err := insertMentions(ctx, tx, channelID, r.ID, seq, mentioned); err != nil {
			return err
		}
		// What I write I have read.
		if err := setLastRead(ctx, tx, channelID, a.p.UserID, seq); err != nil {
			return err
		}
		meta := map[string]string{"seq": strconv.FormatInt(seq, 10)}
		if len(mentioned) > 0 {
			meta["mentions"] = strings.Join(mentioned, " ")
		}
		if err := m.record(ctx, tx, "message.created", a.p.UserID, channelID, r.ID, messageContent(r), meta); err != nil {
			return err
		}
		if err := m.emit(ctx, tx, evMessageCreated.With(m.view(r, nil)), channelID, ""); err != nil {
			return err
		}
		if root.ID != "" {
			if err := m.threadReply(ctx, tx, root, a.p.UserID, 1, now); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil && in.ClientID != "" && db.IsUniqueViolation(err) {
		// The same post raced itself (two tries in flight at once); the
		// one that committed is the message.
		out, err = earlierPost(ctx, m.db, channelID, poster, in.ClientID)
	}
	if err != nil {
		return Message{}, err
	}
	return m.view(out, nil), nil
}

// earlierPost is what a repeated post under clientID stands for: the
// message posted the first time (errNotFound when there was none), or
// Gone when it was deleted since, rather than what its author removed.
func earlierPost(ctx context.Context, q db.Querier, channelID, userID, clientID string) (messageRow, error) {
	r, err := messageByClientID(ctx, q, channelID, userID, clientID)
	if err != nil {
		return messageRow{}, err
	}
	if r.ExpiredAt != 0 || r.DeletedAt != 0 {
		return messageRow{}, apperr.Gone("the message posted with this client_id was deleted since").WithCode(apperr.CodeMessageDeleted)
	}
	return r, nil
}

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

// messageContent is what the journal keeps of a message.
func messageContent(r messageRow) map[string]any {
	c := map[string]any{"text": r.Text, "attachments": json.RawMessage(r.Attachments)}
	if r.RootID != "" {
		c["root_id"] = r.RootID
	}
	if r.ExpiresAt != 0 {
		c["expires_at"] = r.ExpiresAt
	}
	return c
}

// resolveMentions fills r's mentions and returns the members to count a
// mention for (the author never mentions themselves).
func (m *Module) resolveMentions(ctx context.Context, q db.Querier, channelID, author, text string, r *messageRow) ([]string, error) {
	names, all, here := parseMentions(text)
	r.Mentions, r.MentionAll = "", all
	if len(names) == 0 && !all && !here {
		return nil, nil
	}
	ms, err := members(ctx, q, channelID)
	if err != nil {
		return nil, err
	}
	isMember := map[string]bool{}
	var everyone []string
	for _, x := range ms {
		isMember[x.UserID] = true
		everyone = append(everyone, x.UserID)
	}
	var named []string
	if len(names) > 0 {
		byName, err := m.users.IDsByUsername(ctx, names)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if id, ok := byName[n]; ok && isMember[id] {
				named = append(named, id)
			}
		}
	}
	r.Mentions = strings.Join(named, " ")
	set := map[string]bool{}
	for _, id := range named {
		set[id] = true
	}
	switch {
	case all:
		for _, id := range everyone {
			set[id] = true
		}
	case here && m.presence != nil:
		for id, on := range m.presence.Online(ctx, everyone) {
			if on {
				set[id] = true
			}
		}
	case here:
		for _, id := range everyone {
			set[id] = true
		}
	}
	delete(set, author)
	out := make([]string, 0, len(set))
	for _, id := range everyone {
		if set[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// Edit replaces a message's text; the earlier version is kept.
func (m *Module) Edit(ctx context.Context, channelID, messageID, text string) (Message, error) {
	text, err := m.checkText(text, true)
	if err != nil {
		return Message{}, err
	}
	var out messageRow
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, r, err := m.loadOwn(ctx, tx, channelID, messageID, "edit")
		if err != nil {
			return err
		}
		if strings.TrimSpace(text) == "" && r.Attachments == "[]" {
			return apperr.Invalid("body.text", "a message without files needs text; delete it instead").WithCode(apperr.CodeMessageEmpty)
		}
		if text == r.Text {
			out = r
			return nil
		}
		now := millis(m.now())
		prevAt := r.CreatedAt
		if r.EditedAt != 0 {
			prevAt = r.EditedAt
		}
		if err := insertVersion(ctx, tx, r.ID, r.Version, r.Text, prevAt); err != nil {
			return err
		}
		r.Text, r.Version, r.EditedAt = text, r.Version+1, now
		mentioned, err := m.resolveMentions(ctx, tx, channelID, r.UserID, text, &r)
		if err != nil {
			return err
		}
		if err := updateMessage(ctx, tx, r); err != nil {
			return err
		}
		if err := deleteMentions(ctx, tx, r.ID); err != nil {
			return err
		}
		if err := insertMentions(ctx, tx, channelID, r.ID, r.Seq, mentioned); err != nil {
			return err
		}
		if err := m.record(ctx, tx, "message.edited", a.p.UserID, channelID, r.ID, map[string]any{"text": text},
			map[string]string{"version": strconv.Itoa(r.Version)}); err != nil {
			return err
		}
		out = r
		return m.emit(ctx, tx, evMessageUpdated.With(m.view(r, nil)), channelID, "")
	})
	if err != nil {
		return Message{}, err
	}
	return m.decorate(ctx, out)
}

// Delete hides a message from everyone; the record keeps it.
func (m *Module) Delete(ctx context.Context, channelID, messageID string) error {
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, r, err := m.loadOwn(ctx, tx, channelID, messageID, "delete")
		if err != nil {
			return err
		}
		return m.hide(ctx, tx, r, a.p.UserID, "message.deleted", evMessageDeleted, m.now())
	})
}

// hide takes a message away from people (deleted or expired) in tx.
func (m *Module) hide(ctx context.Context, tx *db.Tx, r messageRow, actor, kind string, event eventlog.Kind[events.MessageRemoved], at time.Time) error {
	now := millis(at)
	if kind == "message.expired" {
		r.ExpiredAt = now
	} else {
		r.DeletedAt = now
	}
	r.PinnedAt, r.PinnedBy = 0, ""
	if err := updateMessage(ctx, tx, r); err != nil {
		return err
	}
	if err := deleteMentions(ctx, tx, r.ID); err != nil {
		return err
	}
	if m.files != nil && r.Attachments != "[]" {
		if err := m.files.Detach(ctx, tx, r.ID); err != nil {
			return err
		}
	}
	if err := m.record(ctx, tx, kind, actor, r.ChannelID, r.ID, nil, nil); err != nil {
		return err
	}
	// seq and the author let clients fix unread counts without asking.
	if err := m.emit(ctx, tx, event.With(events.MessageRemoved{ID: r.ID, ChannelID: r.ChannelID, RootID: r.RootID,
		Seq: r.Seq, UserID: r.UserID}), r.ChannelID, ""); err != nil {
		return err
	}
	if r.RootID != "" {
		root, err := messageByID(ctx, tx, r.RootID)
		if err != nil {
			return err
		}
		return m.threadReply(ctx, tx, root, actor, -1, now)
	}
	return nil
}

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

// Page asks for messages around a position in a channel.
type Page struct {
	Before int64 // messages with seq < Before
	After  int64 // messages with seq > After
	Around int64 // messages around this seq (half before, half after)
	Limit  int
}

// Messages lists a channel's messages (thread replies are in Thread),
// oldest first. Without a position it returns the newest.
func (m *Module) Messages(ctx context.Context, channelID string, pg Page) ([]Message, error) {
	a, err := m.loadMember(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	limit := m.pageSize(pg.Limit)
	now := millis(m.now())
	base := `channel_id = ? AND root_id = '' AND ` + visible
	var rows []messageRow
	switch {
	case pg.Around > 0:
		older, err := queryMessages(ctx, m.db, base+` AND seq < ? ORDER BY seq DESC LIMIT ?`, channelID, now, pg.Around, limit/2)
		if err != nil {
			return nil, err
		}
		newer, err := queryMessages(ctx, m.db, base+` AND seq >= ? ORDER BY seq LIMIT ?`, channelID, now, pg.Around, limit-limit/2)
		if err != nil {
			return nil, err
		}
		rows = append(reverse(older), newer...)
	case pg.After > 0:
		rows, err = queryMessages(ctx, m.db, base+` AND seq > ? ORDER BY seq LIMIT ?`, channelID, now, pg.After, limit)
	case pg.Before > 0:
		rows, err = queryMessages(ctx, m.db, base+` AND seq < ? ORDER BY seq DESC LIMIT ?`, channelID, now, pg.Before, limit)
		rows = reverse(rows)
	default:
		rows, err = queryMessages(ctx, m.db, base+` ORDER BY seq DESC LIMIT ?`, channelID, now, limit)
		rows = reverse(rows)
	}
	if err != nil {
		return nil, err
	}
	return m.views(ctx, a, rows)
}

func reverse(rs []messageRow) []messageRow {
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs
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

// Message returns one message.
func (m *Module) Message(ctx context.Context, channelID, messageID string) (Message, error) {
	a, r, err := m.loadMessage(ctx, m.db, channelID, messageID)
	if err != nil {
		return Message{}, err
	}
	vs, err := m.views(ctx, a, []messageRow{r})
	if err != nil {
		return Message{}, err
	}
	return vs[0], nil
}

// Versions returns the earlier texts of a message, for its author and for
// compliance officers in the channel.
func (m *Module) Versions(ctx context.Context, channelID, messageID string) ([]Version, error) {
	a, r, err := m.loadMessage(ctx, m.db, channelID, messageID)
	if err != nil {
		return nil, err
	}
	if r.UserID != a.p.UserID && !a.p.Has(authn.RoleCompliance) {
		return nil, apperr.Forbidden("the edit history is shown to the author and to compliance officers").WithCode(apperr.CodeComplianceRequired)
	}
	return versions(ctx, m.db, messageID)
}

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

func nonNilReactions(rs []Reaction) []Reaction {
	if rs == nil {
		return []Reaction{}
	}
	return rs
}

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
		r.PinnedAt, r.PinnedBy = 0, ""
		if pinned {
			kind, ev = "message.pinned", evMessagePinned
			r.PinnedAt, r.PinnedBy = millis(m.now()), a.p.UserID
		}
		if err := updateMessage(ctx, tx, r); err != nil {
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
	return out, nil
}
