package compliance

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// erasureBatch bounds one tombstone of an erasure.
const erasureBatch = 1000

// purgeAuthored removes the person's messages and files through the purge
// primitive (PurgeContent, retention's too), in batches within tx; it
// keeps what an active legal hold covers and says which holds did.
func (m *Module) purgeAuthored(ctx context.Context, tx *db.Tx, actorID, userID string, messages, files []string) (purgedContent, error) {
	var out purgedContent
	holds := map[string]bool{}
	for len(messages) > 0 || len(files) > 0 {
		nm, nf := min(len(messages), erasureBatch), min(len(files), erasureBatch)
		res, err := m.PurgeContent(ctx, tx, Purge{Kind: record.ErasurePurged, ActorID: actorID, Reason: erasureReason,
			Messages: messages[:nm], Files: files[:nf], Meta: map[string]string{"user_id": userID}})
		if err != nil {
			return purgedContent{}, err
		}
		messages, files = messages[nm:], files[nf:]
		out.messages = append(out.messages, res.Messages...)
		out.files = append(out.files, res.Files...)
		for _, hs := range res.Held {
			for _, h := range hs {
				holds[h] = true
			}
		}
	}
	for h := range holds {
		out.holds = append(out.holds, h)
	}
	return out, nil
}
