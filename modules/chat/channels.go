package chat

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Channels: creating, opening, listing, browsing, changing and archiving
// channels and direct conversations.

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
