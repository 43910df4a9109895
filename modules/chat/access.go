package chat

import (
	"context"
)

// What other modules ask chat when they decide who may see something.
// These take the user id explicitly: they run for whoever a file, a
// search hit or an event is about to reach.

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
