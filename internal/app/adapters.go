package app

import (
	"context"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/identity"
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

// journalSource is search.Source over the compliance journal: each entry
// becomes a change, with the document as chat and files hold it now (so
// an edit, a deletion or a purge recorded later is never undone by
// replaying an earlier entry).
type journalSource struct{ a *App }

func (s journalSource) Head(ctx context.Context) (int64, error) { return s.a.Journal.Size(ctx) }

func (s journalSource) Changes(ctx context.Context, after int64, limit int) ([]search.Change, error) {
	es, err := s.a.Journal.Entries(ctx, journal.Filter{After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	names := map[string]string{} // user id -> username, for this batch
	username := func(id string) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		ps, err := s.a.Identity.ProfilesByID(ctx, []string{id})
		if err != nil {
			return "", err
		}
		names[id] = ps[id].Username
		return names[id], nil
	}
	out := make([]search.Change, 0, len(es))
	for _, e := range es {
		c := search.Change{Seq: e.Seq, Kind: search.Kind(e.Kind), ChannelID: e.ChannelID, SubjectID: e.SubjectID, At: e.At}
		switch e.Kind {
		case "message.created", "message.edited":
			d, ok, err := s.a.Chat.IndexDoc(ctx, e.SubjectID)
			if err != nil {
				return nil, err
			}
			if !ok {
				c.Kind = search.MessageDeleted
				break
			}
			c.Text, c.AuthorID, c.RootID, c.HasFile, c.At, c.ChannelName = d.Text, d.AuthorID, d.RootID, d.HasFile, d.CreatedAt, d.ChannelName
			if c.AuthorUsername, err = username(d.AuthorID); err != nil {
				return nil, err
			}
		case "file.attached":
			c.MessageID, c.FileName, c.AuthorID = e.Meta["message_id"], e.Meta["name"], e.ActorID
			if c.AuthorUsername, err = username(e.ActorID); err != nil {
				return nil, err
			}
			if c.ChannelName, err = s.a.Chat.ChannelName(ctx, e.ChannelID); err != nil {
				return nil, err
			}
			if search.IsTextFile(c.FileName) {
				if c.FileContent, err = s.a.Files.TextContent(ctx, e.SubjectID, search.MaxFileText); err != nil {
					return nil, err
				}
			}
		case "channel.changed":
			c.Kind = search.ChannelRenamed
			if c.ChannelName, err = s.a.Chat.ChannelName(ctx, e.ChannelID); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}
