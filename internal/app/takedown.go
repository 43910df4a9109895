package app

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// complianceFiles is compliance.FileModerator over files and chat: files
// takes the file down, chat turns it into a placeholder in the messages
// that carried it, in the desk's transaction.
type complianceFiles struct{ a *App }

func (c complianceFiles) TakeDownFile(ctx context.Context, tx *db.Tx, fileID, reason string) ([]string, error) {
	td, err := c.a.Files.TakeDown(ctx, tx, fileID, reason)
	if err != nil {
		return nil, err
	}
	for _, ch := range td.Channels {
		if err := c.a.Chat.TakeDownAttachment(ctx, tx, fileID, td.Messages[ch]); err != nil {
			return nil, err
		}
	}
	return td.Channels, nil
}
