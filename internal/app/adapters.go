package app

import (
	"context"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/search"
)

// Adapters: each turns one module's service into the small interface
// another module declared. They only convert types.

// chatUsers is chat.Users over identity.
type chatUsers struct{ id *identity.Module }

func (u chatUsers) ActiveIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	ps, err := u.id.ProfilesByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ps))
	for id, p := range ps {
		out[id] = p.Active
	}
	return out, nil
}

func (u chatUsers) IDsByUsername(ctx context.Context, names []string) (map[string]string, error) {
	ps, err := u.id.ProfilesByUsername(ctx, names)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ps))
	for name, p := range ps {
		if p.Active {
			out[name] = p.ID
		}
	}
	return out, nil
}

// calendarTokens is calendar.Tokens over identity: a CalDAV client's
// password is an API token (or a session token), never the account's
// password.
type calendarTokens struct{ id *identity.Module }

func (c calendarTokens) Authenticate(ctx context.Context, token string) (*authn.Principal, error) {
	a, err := c.id.Authenticate(ctx, token, false)
	if err != nil {
		return nil, err
	}
	return a.Principal, nil
}

// realtimeChat is realtime.Memberships and realtime.Reads over chat.
type realtimeChat struct{ a *App }

func (r realtimeChat) ReadableChannels(ctx context.Context, userID string) ([]string, error) {
	return r.a.Chat.ReadableChannels(ctx, userID)
}

func (r realtimeChat) MarkRead(ctx context.Context, channelID string, seq int64) error {
	_, err := r.a.Chat.MarkRead(ctx, channelID, seq)
	return err
}

// searchUsers is search.Users over identity.
type searchUsers struct{ id *identity.Module }

func (u searchUsers) UserByName(ctx context.Context, username string) (string, bool, error) {
	ps, err := u.id.ProfilesByUsername(ctx, []string{username})
	if err != nil {
		return "", false, err
	}
	for _, p := range ps {
		return p.ID, true, nil
	}
	return "", false, nil
}

// searchJournal is search.Journal (and search.SourceHead) over the
// compliance journal. What each kind means for the index is search's
// decision (search.FromJournal).
type searchJournal struct{ a *App }

func (s searchJournal) Head(ctx context.Context) (int64, error) { return s.a.Journal.Size(ctx) }

func (s searchJournal) Entries(ctx context.Context, after int64, limit int) ([]search.Entry, error) {
	es, err := s.a.Journal.Entries(ctx, journal.Filter{After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]search.Entry, len(es))
	for i, e := range es {
		out[i] = search.Entry{Seq: e.Seq, Kind: record.Kind(e.Kind), ActorID: e.ActorID, ChannelID: e.ChannelID,
			SubjectID: e.SubjectID, At: e.At, Meta: e.Meta}
	}
	return out, nil
}

// searchContent is search.Content over chat, identity and files.
type searchContent struct{ a *App }

func (s searchContent) Message(ctx context.Context, id string) (search.Message, bool, error) {
	d, ok, err := s.a.Chat.IndexDoc(ctx, id)
	if err != nil || !ok {
		return search.Message{}, false, err
	}
	return search.Message{ChannelID: d.ChannelID, ChannelName: d.ChannelName, AuthorID: d.AuthorID, Text: d.Text,
		RootID: d.RootID, HasFile: d.HasFile, CreatedAt: d.CreatedAt}, true, nil
}

func (s searchContent) ChannelName(ctx context.Context, channelID string) (string, error) {
	return s.a.Chat.ChannelName(ctx, channelID)
}

func (s searchContent) Username(ctx context.Context, userID string) (string, error) {
	ps, err := s.a.Identity.ProfilesByID(ctx, []string{userID})
	if err != nil {
		return "", err
	}
	return ps[userID].Username, nil
}

func (s searchContent) FileText(ctx context.Context, fileID string, max int) (string, error) {
	return s.a.Files.TextContent(ctx, fileID, max)
}

// callsChat is calls.Channels and calls.Poster over chat and identity.
type callsChat struct{ a *App }

func (c callsChat) MemberRole(ctx context.Context, userID, channelID string) (string, error) {
	ok, err := c.a.Chat.CanRead(ctx, userID, channelID)
	if err != nil || !ok {
		return "", err
	}
	// Members sees the channel as userID does.
	ms, err := c.a.Chat.Members(authn.WithPrincipal(ctx, &authn.Principal{UserID: userID}), channelID)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if m.UserID == userID {
			return m.Role, nil
		}
	}
	return "", nil
}

// PostCallSummary posts as authorID, with chat's rules for them (a
// member who may post there).
func (c callsChat) PostCallSummary(ctx context.Context, channelID, authorID, text string) error {
	_, err := c.a.Chat.Post(authn.WithPrincipal(ctx, &authn.Principal{UserID: authorID}), channelID, chat.NewMessage{Text: text})
	return err
}

func (c callsChat) Usernames(ctx context.Context, userIDs []string) (map[string]string, error) {
	ps, err := c.a.Identity.ProfilesByID(ctx, userIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ps))
	for id, p := range ps {
		out[id] = p.Username
	}
	return out, nil
}
