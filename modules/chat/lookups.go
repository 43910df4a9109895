package chat

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
)

// Lookups: what other modules ask chat. The access questions take the
// user id explicitly: they run for whoever a file, a search hit or an
// event is about to reach. The rest serves the search index and links.

// CanRead reports whether userID may read channelID now (is a member).
func (m *Module) CanRead(ctx context.Context, userID, channelID string) (bool, error) {
	_, ok, err := member(ctx, m.db, channelID, userID)
	return ok, err
}

// ReadableChannels returns the ids of every channel and conversation
// userID may read now.
func (m *Module) ReadableChannels(ctx context.Context, userID string) ([]string, error) {
	return channelIDsOf(ctx, m.db, userID)
}

// MemberIDs returns who is in a channel.
func (m *Module) MemberIDs(ctx context.Context, channelID string) ([]string, error) {
	ms, err := members(ctx, m.db, channelID)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ms))
	for i, x := range ms {
		out[i] = x.UserID
	}
	return out, nil
}

// IndexDoc is a message as the search index needs it.
type IndexDoc struct {
	ChannelID   string
	ChannelName string // empty for DMs
	AuthorID    string
	Text        string
	RootID      string
	HasFile     bool
	CreatedAt   time.Time
}

// IndexDoc returns a message's current state for indexing; ok is false
// when people can no longer see it (deleted, expired, unknown).
func (m *Module) IndexDoc(ctx context.Context, messageID string) (IndexDoc, bool, error) {
	r, err := messageByID(ctx, m.db, messageID)
	if errors.Is(err, errNotFound) {
		return IndexDoc{}, false, nil
	}
	if err != nil || m.gone(r) || r.DeletedAt != 0 {
		return IndexDoc{}, false, err
	}
	c, err := channelBy(ctx, m.db, "id", r.ChannelID)
	if err != nil {
		return IndexDoc{}, false, err
	}
	return IndexDoc{ChannelID: r.ChannelID, ChannelName: c.Name, AuthorID: r.UserID, Text: r.Text, RootID: r.RootID,
		HasFile: r.Attachments != "[]", CreatedAt: time.UnixMilli(r.CreatedAt).UTC()}, true, nil
}

// ChannelName returns a channel's name (empty for DMs or unknown ids).
func (m *Module) ChannelName(ctx context.Context, channelID string) (string, error) {
	c, err := channelBy(ctx, m.db, "id", channelID)
	if errors.Is(err, errNotFound) {
		return "", nil
	}
	return c.Name, err
}

// ChannelByName finds the channel called name that userID can see: any
// public channel, or a private one they are in (that one first).
func (m *Module) ChannelByName(ctx context.Context, userID, name string) (string, bool, error) {
	return channelByNameFor(ctx, m.db, userID, strings.ToLower(name))
}

// DirectChannel finds the DM between userID and otherUserID.
func (m *Module) DirectChannel(ctx context.Context, userID, otherUserID string) (string, bool, error) {
	pair := []string{userID, otherUserID}
	sort.Strings(pair)
	key := strings.Join(pair, ",")
	if userID == otherUserID {
		key = userID
	}
	c, err := channelBy(ctx, m.db, "dm_key", key)
	if errors.Is(err, errNotFound) {
		return "", false, nil
	}
	return c.ID, err == nil, err
}
