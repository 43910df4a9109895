package chat

import (
	"context"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Members: joining, leaving, inviting, removing, roles and notification
// levels.

// addMember adds userID in tx, on record and as an event. The event comes
// first so the realtime gateway knows the new member before anything else
// about the channel reaches them.
func (m *Module) addMember(ctx context.Context, tx *db.Tx, c channelRow, userID, role, by string) error {
	now := m.now()
	if err := insertMember(ctx, tx, memberRow{ChannelID: c.ID, UserID: userID, Role: role, JoinedAt: millis(now),
		LastReadSeq: c.LastSeq, Notify: "all"}); err != nil {
		if db.IsUniqueViolation(err) {
			return nil
		}
		return err
	}
	kind := "member.joined"
	if by != userID {
		kind = "member.added"
	}
	if err := m.record(ctx, tx, kind, by, c.ID, userID, map[string]string{"role": role}, nil); err != nil {
		return err
	}
	return m.emit(ctx, tx, evMemberAdded.With(events.MemberChanged{ChannelID: c.ID, UserID: userID, Role: role, ByUserID: by}), c.ID, "")
}

// removeMember takes userID out in tx; the removed person gets their own
// copy of the event, since they no longer receive the channel's.
func (m *Module) removeMember(ctx context.Context, tx *db.Tx, c channelRow, userID, by string) error {
	if err := deleteMember(ctx, tx, c.ID, userID); err != nil {
		return err
	}
	kind := "member.left"
	if by != userID {
		kind = "member.removed"
	}
	if err := m.record(ctx, tx, kind, by, c.ID, userID, map[string]string{}, nil); err != nil {
		return err
	}
	ev := evMemberRemoved.With(events.MemberChanged{ChannelID: c.ID, UserID: userID, ByUserID: by})
	if err := m.emit(ctx, tx, ev, c.ID, ""); err != nil {
		return err
	}
	if err := m.emit(ctx, tx, ev, "", userID); err != nil {
		return err
	}
	// A channel is never left without an admin: the longest-standing member takes over.
	ms, err := members(ctx, tx, c.ID)
	if err != nil || len(ms) == 0 {
		return err
	}
	for _, x := range ms {
		if x.Role == RoleAdmin {
			return nil
		}
	}
	if err := setMemberRole(ctx, tx, c.ID, ms[0].UserID, RoleAdmin); err != nil {
		return err
	}
	return m.emit(ctx, tx, evMemberUpdated.With(events.MemberChanged{ChannelID: c.ID, UserID: ms[0].UserID, Role: RoleAdmin}), c.ID, "")
}

// activeOthers validates user ids: every one must be an active user; the
// caller and duplicates are dropped.
func (m *Module) activeOthers(ctx context.Context, self string, userIDs []string) ([]string, error) {
	seen := map[string]bool{self: true}
	var out []string
	for _, u := range userIDs {
		if !ids.Valid(u) {
			return nil, apperr.Invalid("body.member_ids", "%q is not a user id", u).WithCode(apperr.CodeUserNotFound)
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	active, err := m.users.ActiveIDs(ctx, out)
	if err != nil {
		return nil, err
	}
	for _, u := range out {
		if !active[u] {
			return nil, apperr.Invalid("body.member_ids", "no active user %q", u).WithCode(apperr.CodeUserNotFound)
		}
	}
	return out, nil
}

// Join adds the caller to a public channel.
func (m *Module) Join(ctx context.Context, channelID string) (Channel, error) {
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.load(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if a.member {
			return nil
		}
		if err := writable(a.ch); err != nil {
			return err
		}
		return m.addMember(ctx, tx, a.ch, a.p.UserID, RoleMember, a.p.UserID)
	})
	if err != nil {
		return Channel{}, err
	}
	return m.GetChannel(ctx, channelID)
}

// Leave takes the caller out of a channel.
func (m *Module) Leave(ctx context.Context, channelID string) error {
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if isDM(a.ch) {
			return apperr.Invalid("", "you cannot leave a direct conversation")
		}
		return m.removeMember(ctx, tx, a.ch, a.p.UserID, a.p.UserID)
	})
}

// Invite adds people to a channel the caller belongs to.
func (m *Module) Invite(ctx context.Context, channelID string, userIDs []string) ([]Member, error) {
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if isDM(a.ch) {
			return apperr.Invalid("", "direct conversations keep their people; start a new conversation instead")
		}
		if err := writable(a.ch); err != nil {
			return err
		}
		others, err := m.activeOthers(ctx, a.p.UserID, userIDs)
		if err != nil {
			return err
		}
		if len(others) == 0 {
			return apperr.Invalid("body.user_ids", "name at least one other person")
		}
		for _, u := range others {
			if err := m.addMember(ctx, tx, a.ch, u, RoleMember, a.p.UserID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.Members(ctx, channelID)
}

// RemoveMember takes someone out of a channel (channel admins).
func (m *Module) RemoveMember(ctx context.Context, channelID, userID string) error {
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if isDM(a.ch) {
			return apperr.Invalid("", "direct conversations keep their people")
		}
		if userID == a.p.UserID {
			return apperr.Invalid("", "to take yourself out, leave the channel")
		}
		if !a.isAdmin() {
			return apperr.Forbidden("only channel admins remove people").WithCode(apperr.CodeChannelAdminRequired)
		}
		if err := writable(a.ch); err != nil {
			return err
		}
		if _, ok, err := member(ctx, tx, channelID, userID); err != nil || !ok {
			if err != nil {
				return err
			}
			return apperr.NotFound("%q is not in this channel", userID)
		}
		return m.removeMember(ctx, tx, a.ch, userID, a.p.UserID)
	})
}

// SetMemberRole makes someone a channel admin or a plain member (channel admins).
func (m *Module) SetMemberRole(ctx context.Context, channelID, userID, role string) error {
	if role != RoleAdmin && role != RoleMember {
		return apperr.Invalid("body.role", "role is admin or member")
	}
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if isDM(a.ch) {
			return apperr.Invalid("", "direct conversations have no admins")
		}
		if !a.isAdmin() {
			return apperr.Forbidden("only channel admins change roles").WithCode(apperr.CodeChannelAdminRequired)
		}
		target, ok, err := member(ctx, tx, channelID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.NotFound("%q is not in this channel", userID)
		}
		if target.Role == role {
			return nil
		}
		if role == RoleMember {
			ms, err := members(ctx, tx, channelID)
			if err != nil {
				return err
			}
			admins := 0
			for _, x := range ms {
				if x.Role == RoleAdmin {
					admins++
				}
			}
			if admins <= 1 {
				return apperr.Conflict("a channel needs at least one admin").WithCode(apperr.CodeLastChannelAdmin)
			}
		}
		if err := setMemberRole(ctx, tx, channelID, userID, role); err != nil {
			return err
		}
		if err := m.record(ctx, tx, "member.role_changed", a.p.UserID, channelID, userID, map[string]string{"role": role}, nil); err != nil {
			return err
		}
		return m.emit(ctx, tx, evMemberUpdated.With(events.MemberChanged{ChannelID: channelID, UserID: userID, Role: role, ByUserID: a.p.UserID}), channelID, "")
	})
}

// SetNotify sets the caller's notification level for a channel.
func (m *Module) SetNotify(ctx context.Context, channelID, notify string) error {
	if notify != "all" && notify != "mentions" && notify != "none" {
		return apperr.Invalid("body.notify", "notify is all, mentions or none")
	}
	a, err := m.loadMember(ctx, m.db, channelID)
	if err != nil {
		return err
	}
	return setMemberNotify(ctx, m.db, channelID, a.p.UserID, notify)
}

// Members lists a channel's people; read positions only between people
// who both share read receipts.
func (m *Module) Members(ctx context.Context, channelID string) ([]Member, error) {
	a, err := m.loadMember(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	ms, err := members(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	rc, err := m.receiptsFor(ctx, a)
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(ms))
	for i, x := range ms {
		out[i] = Member{UserID: x.UserID, Role: x.Role, JoinedAt: *timePtr(x.JoinedAt)}
		if pos, shares := rc.readPos[x.UserID]; rc.on && shares {
			out[i].LastReadSeq = &pos
		}
	}
	return out, nil
}
