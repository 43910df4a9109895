package chat

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// access is a caller's standing in a channel.
type access struct {
	p      *authn.Principal
	ch     channelRow
	mem    memberRow
	member bool
}

func (a access) isAdmin() bool { return a.member && a.mem.Role == RoleAdmin }

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
	ch, err := channelBy(ctx, q, "id", channelID)
	if errors.Is(err, errNotFound) {
		return access{}, apperr.NotFound("no channel %q", channelID).WithCode(apperr.CodeChannelNotFound)
	}
	if err != nil {
		return access{}, err
	}
	mem, ok, err := member(ctx, q, channelID, p.UserID)
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

func writable(ch channelRow) error {
	if ch.ArchivedAt != 0 {
		return apperr.Forbidden("this channel is archived: it can be read but not changed").WithCode(apperr.CodeChannelArchived)
	}
	return nil
}

func isDM(ch channelRow) bool { return ch.Kind == KindDM || ch.Kind == KindGroup }

// record appends to the journal.
func (m *Module) record(ctx context.Context, tx *db.Tx, kind, actor, channelID, subjectID string, content any, meta map[string]string) error {
	_, err := m.journal.Append(ctx, tx, record.Entry{Kind: kind, ActorID: actor, ChannelID: channelID, SubjectID: subjectID,
		Content: content, Meta: meta})
	return err
}

// emit appends a client event for a channel's members (userID empty) or
// for one user (channelID empty). The draft comes from one of the kinds
// in eventkinds.go, which bind each event type to its payload.
func (m *Module) emit(ctx context.Context, tx *db.Tx, d eventlog.Draft, channelID, userID string) error {
	_, err := m.events.Append(ctx, tx, d, channelID, userID, m.now())
	return err
}

// NewChannel is what a person gives to create a channel.
type NewChannel struct {
	Name         string   `json:"name" maxLength:"64" example:"einkauf"`
	DisplayName  string   `json:"display_name,omitempty" maxLength:"100" example:"Einkauf"`
	Private      bool     `json:"private,omitempty"`
	Topic        string   `json:"topic,omitempty" maxLength:"250"`
	Purpose      string   `json:"purpose,omitempty" maxLength:"250"`
	Announcement bool     `json:"announcement,omitempty" doc:"Only channel admins may post."`
	MemberIDs    []string `json:"member_ids,omitempty" maxItems:"1000" doc:"People to add besides the creator."`
}

// CreateChannel makes a public or private channel with the caller as its admin.
func (m *Module) CreateChannel(ctx context.Context, in NewChannel) (Channel, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return Channel{}, err
	}
	now := m.now()
	c := channelRow{ID: ids.NewAt(now), Kind: KindPublic, Announcement: in.Announcement, CreatedBy: p.UserID,
		CreatedAt: millis(now), UpdatedAt: millis(now)}
	if in.Private {
		c.Kind = KindPrivate
	}
	if c.Name, err = checkChannelName(in.Name); err != nil {
		return Channel{}, err
	}
	for _, f := range []struct {
		field string
		in    string
		out   *string
		max   int
	}{{"body.display_name", in.DisplayName, &c.DisplayName, 100}, {"body.topic", in.Topic, &c.Topic, 250}, {"body.purpose", in.Purpose, &c.Purpose, 250}} {
		if *f.out, err = checkLine(f.field, f.in, f.max); err != nil {
			return Channel{}, err
		}
	}
	if c.DisplayName == "" {
		c.DisplayName = c.Name
	}
	others, err := m.activeOthers(ctx, p.UserID, in.MemberIDs)
	if err != nil {
		return Channel{}, err
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := checkNameFree(ctx, tx, p.UserID, c); err != nil {
			return err
		}
		if err := insertChannel(ctx, tx, c); err != nil {
			if db.IsUniqueViolation(err) {
				return nameTaken(c.Name)
			}
			return err
		}
		if err := m.record(ctx, tx, "channel.created", p.UserID, c.ID, c.ID, channelContent(c), map[string]string{"kind": c.Kind}); err != nil {
			return err
		}
		if err := m.addMember(ctx, tx, c, p.UserID, RoleAdmin, p.UserID); err != nil {
			return err
		}
		for _, u := range others {
			if err := m.addMember(ctx, tx, c, u, RoleMember, p.UserID); err != nil {
				return err
			}
		}
		return m.emit(ctx, tx, evChannelCreated.With(m.viewBasic(c)), c.ID, "")
	})
	if err != nil {
		return Channel{}, err
	}
	return m.GetChannel(ctx, c.ID)
}

// checkNameFree refuses a name that a channel userID can see already has.
// Only public names are unique in the database; a private channel's name
// may be taken again by someone outside it, or the refusal would tell them
// that the private channel exists.
func checkNameFree(ctx context.Context, tx *db.Tx, userID string, c channelRow) error {
	taken, err := nameSeenBy(ctx, tx, userID, c.Name, c.ID)
	if err != nil {
		return err
	}
	if taken {
		return nameTaken(c.Name)
	}
	return nil
}

func nameTaken(name string) error {
	return apperr.Conflict("a channel named %q exists already", name).WithCode(apperr.CodeChannelNameTaken)
}

// channelContent is what the journal keeps about a channel's settings.
func channelContent(c channelRow) map[string]any {
	return map[string]any{"name": c.Name, "display_name": c.DisplayName, "topic": c.Topic, "purpose": c.Purpose,
		"kind": c.Kind, "announcement": c.Announcement, "archived": c.ArchivedAt != 0}
}

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

// OpenDM returns the direct conversation between the caller and userIDs
// (one other person: a DM; two to seven: a group DM), creating it the
// first time. Opening the same set of people again returns the same one.
func (m *Module) OpenDM(ctx context.Context, userIDs []string) (Channel, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return Channel{}, err
	}
	others, err := m.activeOthers(ctx, p.UserID, userIDs)
	if err != nil {
		return Channel{}, err
	}
	all := append([]string{p.UserID}, others...)
	if len(all) > m.cfg.MaxGroupMembers {
		return Channel{}, apperr.Invalid("body.user_ids", "a group conversation has at most %d people; create a private channel instead", m.cfg.MaxGroupMembers).WithCode(apperr.CodeGroupTooLarge)
	}
	sort.Strings(all)
	key := strings.Join(all, ",")
	now := m.now()
	c := channelRow{ID: ids.NewAt(now), Kind: KindDM, DMKey: key, CreatedBy: p.UserID, CreatedAt: millis(now), UpdatedAt: millis(now)}
	if len(all) > 2 {
		c.Kind = KindGroup
	}
	for attempt := 0; attempt < 2; attempt++ {
		existing, err := channelBy(ctx, m.db, "dm_key", key)
		if err == nil {
			return m.GetChannel(ctx, existing.ID)
		}
		if !errors.Is(err, errNotFound) {
			return Channel{}, err
		}
		err = m.db.WithTx(ctx, func(tx *db.Tx) error {
			if err := insertChannel(ctx, tx, c); err != nil {
				return err
			}
			if err := m.record(ctx, tx, "channel.created", p.UserID, c.ID, c.ID, map[string]any{"kind": c.Kind, "members": all},
				map[string]string{"kind": c.Kind}); err != nil {
				return err
			}
			for _, u := range all {
				if err := m.addMember(ctx, tx, c, u, RoleMember, p.UserID); err != nil {
					return err
				}
			}
			return m.emit(ctx, tx, evChannelCreated.With(m.viewBasic(c)), c.ID, "")
		})
		if err == nil {
			return m.GetChannel(ctx, c.ID)
		}
		if !db.IsUniqueViolation(err) {
			return Channel{}, err
		}
		// Someone opened the same conversation at the same moment: use theirs.
	}
	return Channel{}, apperr.Conflict("could not open the conversation; try again")
}

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

// GetChannel returns a channel the caller may see, with their membership.
func (m *Module) GetChannel(ctx context.Context, channelID string) (Channel, error) {
	a, err := m.load(ctx, m.db, channelID)
	if err != nil {
		return Channel{}, err
	}
	counts, err := memberCounts(ctx, m.db, []string{a.ch.ID})
	if err != nil {
		return Channel{}, err
	}
	ch := m.viewBasic(a.ch)
	ch.MemberCount = counts[a.ch.ID]
	if a.member {
		uc, err := unreadCounts(ctx, m.db, a.p.UserID, a.ch.ID, millis(m.now()))
		if err != nil {
			return Channel{}, err
		}
		ch.Membership = membershipView(a.mem, uc[a.ch.ID])
	}
	return ch, nil
}

func membershipView(r memberRow, counts [2]int) *Membership {
	return &Membership{Role: r.Role, LastReadSeq: r.LastReadSeq, UnreadCount: counts[0], MentionCount: counts[1], Notify: r.Notify}
}

// MyChannels lists the caller's channels and conversations with unread
// and mention counts: the sidebar.
func (m *Module) MyChannels(ctx context.Context) ([]Channel, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	cs, ms, err := myChannels(ctx, m.db, p.UserID)
	if err != nil {
		return nil, err
	}
	idsOf := make([]string, len(cs))
	for i, c := range cs {
		idsOf[i] = c.ID
	}
	counts, err := memberCounts(ctx, m.db, idsOf)
	if err != nil {
		return nil, err
	}
	unread, err := unreadCounts(ctx, m.db, p.UserID, "", millis(m.now()))
	if err != nil {
		return nil, err
	}
	out := make([]Channel, len(cs))
	for i, c := range cs {
		out[i] = m.viewBasic(c)
		out[i].MemberCount = counts[c.ID]
		out[i].Membership = membershipView(ms[i], unread[c.ID])
	}
	return out, nil
}

// Browse lists public channels anyone may join.
func (m *Module) Browse(ctx context.Context, text, after string, archived bool, limit int) ([]Channel, string, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(text) > 200 {
		return nil, "", apperr.Invalid("q", "search text is longer than 200 characters")
	}
	limit = m.pageSize(limit)
	cs, err := browsePublic(ctx, m.db, text, after, archived, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(cs) > limit {
		cs = cs[:limit]
		next = cs[limit-1].Name
	}
	idsOf := make([]string, len(cs))
	for i, c := range cs {
		idsOf[i] = c.ID
	}
	counts, err := memberCounts(ctx, m.db, idsOf)
	if err != nil {
		return nil, "", err
	}
	mine, err := channelIDsOf(ctx, m.db, p.UserID)
	if err != nil {
		return nil, "", err
	}
	isMine := map[string]bool{}
	for _, id := range mine {
		isMine[id] = true
	}
	out := make([]Channel, len(cs))
	for i, c := range cs {
		out[i] = m.viewBasic(c)
		out[i].MemberCount = counts[c.ID]
		if isMine[c.ID] {
			out[i].Membership = &Membership{Role: RoleMember}
		}
	}
	return out, next, nil
}

func (m *Module) pageSize(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, m.cfg.MaxPageSize)
}

// ChannelPatch changes a channel; nil fields stay.
type ChannelPatch struct {
	Name         *string `json:"name,omitempty" maxLength:"64"`
	DisplayName  *string `json:"display_name,omitempty" maxLength:"100"`
	Topic        *string `json:"topic,omitempty" maxLength:"250"`
	Purpose      *string `json:"purpose,omitempty" maxLength:"250"`
	Announcement *bool   `json:"announcement,omitempty"`
}

// UpdateChannel changes a channel. Any member may set the topic and
// purpose; name, display name and the announcement flag are for channel admins.
func (m *Module) UpdateChannel(ctx context.Context, channelID string, p ChannelPatch) (Channel, error) {
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if err := writable(a.ch); err != nil {
			return err
		}
		if isDM(a.ch) && (p.Name != nil || p.DisplayName != nil || p.Announcement != nil) {
			return apperr.Invalid("body", "direct conversations have no name; set a topic instead")
		}
		if (p.Name != nil || p.DisplayName != nil || p.Announcement != nil) && !a.isAdmin() {
			return apperr.Forbidden("only channel admins rename a channel or make it an announcement channel").WithCode(apperr.CodeChannelAdminRequired)
		}
		c := a.ch
		if p.Name != nil {
			if c.Name, err = checkChannelName(*p.Name); err != nil {
				return err
			}
		}
		for _, f := range []struct {
			field string
			in    *string
			out   *string
			max   int
		}{{"body.display_name", p.DisplayName, &c.DisplayName, 100}, {"body.topic", p.Topic, &c.Topic, 250}, {"body.purpose", p.Purpose, &c.Purpose, 250}} {
			if f.in == nil {
				continue
			}
			if *f.out, err = checkLine(f.field, *f.in, f.max); err != nil {
				return err
			}
		}
		if p.Announcement != nil {
			c.Announcement = *p.Announcement
		}
		c.UpdatedAt = millis(m.now())
		if c.Name != a.ch.Name {
			if err := checkNameFree(ctx, tx, a.p.UserID, c); err != nil {
				return err
			}
		}
		if err := updateChannel(ctx, tx, c); err != nil {
			if db.IsUniqueViolation(err) {
				return nameTaken(c.Name)
			}
			return err
		}
		if err := m.record(ctx, tx, "channel.changed", a.p.UserID, c.ID, c.ID, channelContent(c), nil); err != nil {
			return err
		}
		return m.emit(ctx, tx, evChannelUpdated.With(m.viewBasic(c)), c.ID, "")
	})
	if err != nil {
		return Channel{}, err
	}
	return m.GetChannel(ctx, channelID)
}

// SetArchived archives or unarchives a channel (channel admins).
func (m *Module) SetArchived(ctx context.Context, channelID string, archived bool) (Channel, error) {
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		a, err := m.loadMember(ctx, tx, channelID)
		if err != nil {
			return err
		}
		if isDM(a.ch) {
			return apperr.Invalid("", "direct conversations cannot be archived")
		}
		if !a.isAdmin() {
			return apperr.Forbidden("only channel admins archive or unarchive a channel").WithCode(apperr.CodeChannelAdminRequired)
		}
		if (a.ch.ArchivedAt != 0) == archived {
			return nil
		}
		c := a.ch
		kind, ev := "channel.unarchived", evChannelUnarchived
		c.ArchivedAt = 0
		if archived {
			kind, ev = "channel.archived", evChannelArchived
			c.ArchivedAt = millis(m.now())
		}
		c.UpdatedAt = millis(m.now())
		if err := updateChannel(ctx, tx, c); err != nil {
			return err
		}
		if err := m.record(ctx, tx, kind, a.p.UserID, c.ID, c.ID, channelContent(c), nil); err != nil {
			return err
		}
		return m.emit(ctx, tx, ev.With(m.viewBasic(c)), c.ID, "")
	})
	if err != nil {
		return Channel{}, err
	}
	return m.GetChannel(ctx, channelID)
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
