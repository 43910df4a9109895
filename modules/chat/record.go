package chat

import (
	"context"
	"encoding/json"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Record: every change goes to the compliance journal (record) and to the
// client event log (emit) in the transaction that makes it, and what the
// journal keeps of a channel or a message.

// record appends to the journal.
func (m *Module) record(ctx context.Context, tx *db.Tx, kind, actor, channelID, subjectID string, content any, meta map[string]string) error {
	_, err := m.journal.Append(ctx, tx, record.Entry{Kind: kind, ActorID: actor, ChannelID: channelID, SubjectID: subjectID,
		Content: content, Meta: meta})
	return err
}

// emit appends a client event for a channel's members (userID empty) or
// for one user (channelID empty). The draft comes from one of the kinds
// in eventkinds.go, which bind each event type to its payload.
func (m *Module) emit(ctx context.Context, tx *db.Tx, d eventlog.Draft, channelID, userID string) error {
	_, err := m.events.Append(ctx, tx, d, channelID, userID, m.now())
	return err
}

// channelContent is what the journal keeps about a channel's settings.
func channelContent(c channelRow) map[string]any {
	return map[string]any{"name": c.Name, "display_name": c.DisplayName, "topic": c.Topic, "purpose": c.Purpose,
		"kind": c.Kind, "announcement": c.Announcement, "archived": c.ArchivedAt != 0}
}

// messageContent is what the journal keeps of a message.
func messageContent(r messageRow) map[string]any {
	c := map[string]any{"text": r.Text, "attachments": json.RawMessage(r.Attachments)}
	if r.RootID != "" {
		c["root_id"] = r.RootID
	}
	if r.ExpiresAt != 0 {
		c["expires_at"] = r.ExpiresAt
	}
	return c
}
