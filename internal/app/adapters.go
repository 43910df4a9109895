package app

import (
	"context"

	"github.com/kontorhq/kontor/modules/identity"
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
