package compliance

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// FileModerator is what the desk needs to take a file down: files hides
// it from members and keeps it on the record, chat turns it into a
// placeholder in the messages that carried it (wired in internal/app).
type FileModerator interface {
	// TakeDownFile takes the file down in tx, writes file.moderated to
	// the journal and to open clients, and returns the channels it was
	// shared in.
	TakeDownFile(ctx context.Context, tx *db.Tx, fileID, reason string) (channelIDs []string, err error)
}

// FileModeration records what file was taken down, by whom and why.
type FileModeration struct {
	FileID     string   `json:"file_id"`
	ChannelIDs []string `json:"channel_ids" doc:"Where the file was shared; its messages now show a placeholder."`
	Reason     string   `json:"reason"`
}

// ModerateFile takes any file down for everyone (admins and compliance
// officers, member or not): members can no longer see or download it and
// the messages that carried it show a placeholder; search drops it; the
// record keeps the file (its row, bytes and journal entries) with who took
// it down and why, all in one transaction.
func (m *Module) ModerateFile(ctx context.Context, fileID, reason string) (FileModeration, error) {
	if _, err := requireOfficer(ctx); err != nil {
		return FileModeration{}, err
	}
	reason, err := text.Line("body.reason", reason, MaxReason)
	if err != nil {
		return FileModeration{}, err
	}
	if reason == "" {
		return FileModeration{}, apperr.Invalid("body.reason", "say why the file is taken down; the reason stays on the record")
	}
	out := FileModeration{FileID: fileID, Reason: reason}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		chs, err := m.fileMod.TakeDownFile(ctx, tx, fileID, reason)
		if err != nil {
			return err
		}
		out.ChannelIDs = nonNil(chs)
		return m.audit.Record(ctx, tx, m.clock.Now(), "file.moderate", "file", fileID,
			map[string]any{"channel_ids": out.ChannelIDs, "reason": reason})
	})
	return out, err
}
