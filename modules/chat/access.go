package chat

import (
	"context"
	"errors"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Access: who may do what in a channel. Every action starts here: load
// finds the channel and the caller's standing, and a channel the caller
// may not see does not exist for them.

// access is a caller's standing in a channel.
type access struct {
	p      *authn.Principal
	ch     channelRow
	mem    memberRow
	member bool
}

func (a access) isAdmin() bool { return a.member && a.mem.Role == RoleAdmin }

// IsChannelAdmin reports whether userID is an admin of channelID now
// (the calendar lets channel admins change any event of the channel's).
func (m *Module) IsChannelAdmin(ctx context.Context, userID, channelID string) (bool, error) {
	r, ok, err := member(ctx, m.db, channelID, userID)
	return ok && r.Role == RoleAdmin, err
}

// load finds the channel and the caller's membership. A private channel
// or DM the caller is not in does not exist for them.
func (m *Module) load(ctx context.Context, q db.Querier, channelID string) (access, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return access{}, err
	}
	if err := checkID("channel", channelID); err != nil {
		return access{}, err
	}
	ch, mem, ok, err := channelAndMember(ctx, q, channelID, p.UserID)
	if errors.Is(err, errNotFound) {
		return access{}, apperr.NotFound("no channel %q", channelID).WithCode(apperr.CodeChannelNotFound)
	}
	if err != nil {
		return access{}, err
	}
	if !ok && ch.Kind != KindPublic {
		return access{}, apperr.NotFound("no channel %q", channelID).WithCode(apperr.CodeChannelNotFound)
	}
	return access{p: p, ch: ch, mem: mem, member: ok}, nil
}

// loadMember is load for actions that need membership.
func (m *Module) loadMember(ctx context.Context, q db.Querier, channelID string) (access, error) {
	a, err := m.load(ctx, q, channelID)
	if err != nil {
		return a, err
	}
	if !a.member {
		return a, apperr.Forbidden("join #%s to read and write in it", a.ch.Name).WithCode(apperr.CodeNotMember)
	}
	return a, nil
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

func writable(ch channelRow) error {
	if ch.ArchivedAt != 0 {
		return apperr.Forbidden("this channel is archived: it can be read but not changed").WithCode(apperr.CodeChannelArchived)
	}
	return nil
}

func isDM(ch channelRow) bool { return ch.Kind == KindDM || ch.Kind == KindGroup }

func (m *Module) checkPostAllowed(a access) error {
	if err := writable(a.ch); err != nil {
		return err
	}
	if a.ch.Announcement && !a.isAdmin() {
		return apperr.Forbidden("this is an announcement channel: only its admins post").WithCode(apperr.CodeAnnouncementOnly)
	}
	return nil
}
