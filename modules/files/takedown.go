package files

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/kontorhq/kontor/modules/files/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Taking a file down: the compliance desk (modules/compliance) checks who
// may and records the reason on the audit trail; files hides the file
// from members (downloads, previews, lists and search refuse it), keeps
// its row, its bytes and its journal entries on the record, and writes
// file.moderated to the journal and to open clients. The bytes are not
// trashed: what removes them is retention or erasure, through the
// journal's purge, which a legal hold stops.

// TakenDown says where a file taken down was shared.
type TakenDown struct {
	FileID  string
	OwnerID string
	// Messages are the messages that carried the file, by channel.
	Messages map[string][]string
	// Channels are the channels it was shared in, in a stable order.
	Channels []string
}

// TakeDown takes a file down in tx. The caller has checked the actor's
// role; reason is kept in moderations with the actor.
func (m *Module) TakeDown(ctx context.Context, tx *db.Tx, fileID, reason string) (TakenDown, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return TakenDown{}, err
	}
	if !ids.Valid(fileID) {
		return TakenDown{}, apperr.NotFound("no file %q", fileID).WithCode(apperr.CodeFileNotFound)
	}
	f, err := getFile(ctx, tx, fileID, true)
	if errors.Is(err, errNoRow) {
		return TakenDown{}, apperr.NotFound("no file %q", fileID).WithCode(apperr.CodeFileNotFound)
	}
	if err != nil {
		return TakenDown{}, err
	}
	now := m.now()
	// Claimed with a conditional write: of two officers at once, the
	// second waits for the first's row lock and finds nothing to claim.
	ok, err := markModerated(ctx, tx, fileID, now)
	if err != nil {
		return TakenDown{}, err
	}
	if !ok {
		if f.DeletedAt != 0 {
			return TakenDown{}, apperr.Conflict("the file was deleted").WithCode(apperr.CodeFileDeleted)
		}
		return TakenDown{}, apperr.Conflict("the file was taken down already").WithCode(apperr.CodeFileTakenDown)
	}
	channels, messages, err := sharesOf(ctx, tx, fileID)
	if err != nil {
		return TakenDown{}, err
	}
	out := TakenDown{FileID: fileID, OwnerID: f.OwnerID, Messages: messages, Channels: channels}
	meta := map[string]string{"sha256": f.SHA256, "size": strconv.FormatInt(f.Size, 10), "owner_id": f.OwnerID}
	on := channels
	if len(on) == 0 {
		on = []string{""} // on record even if it was never shared
	}
	for _, ch := range on {
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.FileModerated), ActorID: p.UserID, ChannelID: ch,
			SubjectID: fileID, Meta: meta}); err != nil {
			return TakenDown{}, fmt.Errorf("journal file.moderated %s: %w", fileID, err)
		}
		if ch == "" {
			continue
		}
		payload := events.FileModerated.With(events.FileRemoved{ID: fileID, MessageIDs: messages[ch]})
		if _, err := m.events.Append(ctx, tx, payload, ch, "", now); err != nil {
			return TakenDown{}, err
		}
	}
	// The owner's other devices learn it too (their files list).
	payload := events.FileModerated.With(events.FileRemoved{ID: fileID, MessageIDs: []string{}})
	if _, err := m.events.Append(ctx, tx, payload, "", f.OwnerID, now); err != nil {
		return TakenDown{}, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO moderations (subject_id, subject_type, channel_id, actor_id, reason, at)
		VALUES (?, 'file', ?, ?, ?, ?)`, fileID, first(channels), p.UserID, reason, now.UnixMilli()); err != nil {
		return TakenDown{}, fmt.Errorf("take file %s down: %w", fileID, err)
	}
	return out, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func takenDown() error {
	return apperr.Gone("this file was taken down by moderation").WithCode(apperr.CodeFileTakenDown)
}

// FilesOwnedBy lists every file userID uploaded, deleted and taken-down
// ones too, for GDPR erasure (the caller checks the role).
func (m *Module) FilesOwnedBy(ctx context.Context, q db.Querier, userID string) ([]string, error) {
	return collect(ctx, q, "files of "+userID, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `SELECT id FROM files WHERE owner_id = ? ORDER BY id`, userID)
}
