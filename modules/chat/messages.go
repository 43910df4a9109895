package chat

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Messages: posting, editing and deleting (with mentions and attachments).

// NewMessage is what a person posts.
type NewMessage struct {
	Text             string   `json:"text" maxLength:"64000" doc:"Markdown, at most 16,000 characters."`
	RootID           string   `json:"root_id,omitempty" maxLength:"26" doc:"Reply in this message's thread."`
	FileIDs          []string `json:"file_ids,omitempty" maxItems:"10" doc:"Uploaded files to share with the message."`
	ExpiresInSeconds int      `json:"expires_in_seconds,omitempty" minimum:"0" maximum:"2592000" doc:"Self-destruct after this many seconds (when enabled)."`
	ClientID         string   `json:"client_id,omitempty" maxLength:"64" pattern:"^[A-Za-z0-9_.:-]+$" doc:"An id the client makes up for this message (a UUID, say). Posting again with the same client_id in the same channel returns the message already posted instead of a second one: retry freely when an answer was lost."`
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
		was := r
		r.Text, r.Version, r.EditedAt = text, r.Version+1, now
		mentioned, err := m.resolveMentions(ctx, tx, channelID, r.UserID, text, &r)
		if err != nil {
			return err
		}
		// The guarded write first: of two edits at once, the second waits
		// for the first's row lock and is refused, instead of failing on
		// the version it would also keep.
		if err := updateMessage(ctx, tx, was, r); err != nil {
			return err
		}
		if err := insertVersion(ctx, tx, was.ID, was.Version, was.Text, prevAt); err != nil {
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
	was := r
	if kind == "message.expired" {
		r.ExpiredAt = now
	} else {
		r.DeletedAt = now
	}
	r.PinnedAt, r.PinnedBy = 0, ""
	if err := updateMessage(ctx, tx, was, r); err != nil {
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
