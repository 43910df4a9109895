package app

import (
	"context"
	"time"

	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// retentionChat is compliance.Messages over chat: what retention weighs
// and purges.
type retentionChat struct{ a *App }

func (r retentionChat) MessagesBefore(ctx context.Context, before, afterAt time.Time, afterID string, limit int) ([]compliance.AgedMessage, error) {
	ms, err := r.a.Chat.MessagesBefore(ctx, before, afterAt, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]compliance.AgedMessage, len(ms))
	for i, m := range ms {
		out[i] = compliance.AgedMessage{ID: m.ID, ChannelID: m.ChannelID, ChannelKind: m.ChannelKind, UserID: m.UserID, CreatedAt: m.CreatedAt}
	}
	return out, nil
}

func (r retentionChat) ChannelKinds(ctx context.Context, ids []string) (map[string]string, error) {
	return r.a.Chat.ChannelKinds(ctx, ids)
}

func (r retentionChat) PurgeMessages(ctx context.Context, tx *db.Tx, ids []string) error {
	return r.a.Chat.PurgeMessages(ctx, tx, ids)
}

// retentionFiles is compliance.Files over files.
type retentionFiles struct{ a *App }

func (r retentionFiles) FilesBefore(ctx context.Context, before, afterAt time.Time, afterID string, limit int) ([]compliance.AgedFile, error) {
	fs, err := r.a.Files.FilesBefore(ctx, before, afterAt, afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]compliance.AgedFile, len(fs))
	for i, f := range fs {
		out[i] = compliance.AgedFile{ID: f.ID, OwnerID: f.OwnerID, CreatedAt: f.CreatedAt}
	}
	return out, nil
}

func (r retentionFiles) PurgeFiles(ctx context.Context, tx *db.Tx, ids []string) error {
	return r.a.Files.PurgeFiles(ctx, tx, ids)
}
