package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/files/events"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

func fileNotFound() error {
	return apperr.NotFound("no such file, or it is not shared with you").WithCode(apperr.CodeFileNotFound)
}

// canRead reports whether userID may see the file: its owner, or a
// member of a channel where it is shared.
func (m *Module) canRead(ctx context.Context, q db.Querier, userID string, f fileRow) (bool, error) {
	if userID == "" {
		return false, nil
	}
	if f.OwnerID == userID {
		return true, nil
	}
	channels, _, err := sharesOf(ctx, q, f.ID)
	if err != nil {
		return false, err
	}
	for _, ch := range channels {
		ok, err := m.access.CanRead(ctx, userID, ch)
		if err != nil {
			return false, fmt.Errorf("may %s read channel %s: %w", userID, ch, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// readable loads a live file the caller may see. Unknown ids, malformed
// ids and files the caller may not see all look the same (404), so ids
// cannot be probed; a deleted file the caller could see is 410.
func (m *Module) readable(ctx context.Context, id string) (fileRow, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return fileRow{}, err
	}
	if !ids.Valid(id) {
		return fileRow{}, fileNotFound()
	}
	f, err := getFile(ctx, m.db, id, false)
	if errors.Is(err, errNoRow) {
		return fileRow{}, fileNotFound()
	}
	if err != nil {
		return fileRow{}, err
	}
	ok, err := m.canRead(ctx, m.db, p.UserID, f)
	if err != nil {
		return fileRow{}, err
	}
	if !ok {
		return fileRow{}, fileNotFound()
	}
	if f.DeletedAt != 0 {
		return fileRow{}, apperr.Gone("this file was deleted").WithCode(apperr.CodeFileDeleted)
	}
	return f, nil
}

// Get returns a file's metadata for someone who may see it.
func (m *Module) Get(ctx context.Context, id string) (File, error) {
	f, err := m.readable(ctx, id)
	if err != nil {
		return File{}, err
	}
	return f.file(), nil
}

// Attach records that fileIDs (uploaded by userID, not yet attached or
// attached elsewhere by the same user) are shared in channelID by
// messageID, appends a "file.attached" record per file to the journal,
// and returns the attachments' metadata as a JSON array for the message.
// Chat calls it inside the transaction that posts the message and has
// already checked that userID may post there. Unknown ids, other users'
// files, deleted files, repeated ids or more than MaxAttachments files
// give apperr.Invalid.
func (m *Module) Attach(ctx context.Context, tx *db.Tx, userID, channelID, messageID string, fileIDs []string) (json.RawMessage, error) {
	if len(fileIDs) == 0 {
		return json.RawMessage("[]"), nil
	}
	if len(fileIDs) > MaxAttachments {
		return nil, apperr.Invalid("files", "a message can carry at most %d files, not %d", MaxAttachments, len(fileIDs)).WithCode(apperr.CodeTooManyFiles)
	}
	seen := map[string]bool{}
	for _, id := range fileIDs {
		if seen[id] {
			return nil, apperr.Invalid("files", "file %s is listed twice", id).WithCode(apperr.CodeDuplicateFile)
		}
		seen[id] = true
		if !ids.Valid(id) {
			return nil, notAttachable(id)
		}
	}
	// Locked, so that a preview finishing at the same time either sees
	// this share (and announces itself in the channel) or is seen here.
	rows, err := getFiles(ctx, tx, fileIDs, true)
	if err != nil {
		return nil, err
	}
	now := m.now()
	out := make([]Attachment, 0, len(fileIDs))
	for _, id := range fileIDs {
		f, ok := rows[id]
		if !ok || f.OwnerID != userID || f.DeletedAt != 0 {
			return nil, notAttachable(id)
		}
		err := insertShare(ctx, tx, shareRow{ID: ids.NewAt(now), FileID: id, ChannelID: channelID, MessageID: messageID, SharedBy: userID, SharedAt: now.UnixMilli()})
		if db.IsUniqueViolation(err) {
			return nil, apperr.Invalid("files", "file %s is already attached to this message", id).WithCode(apperr.CodeDuplicateFile)
		}
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", id, err)
		}
		a := f.attachment()
		if _, err := m.journal.Append(ctx, tx, record.Entry{
			Kind: "file.attached", ActorID: userID, ChannelID: channelID, SubjectID: id, Content: a,
			Meta: map[string]string{"sha256": f.SHA256, "size": strconv.FormatInt(f.Size, 10), "name": f.Name,
				"content_type": f.ContentType, "message_id": messageID},
		}); err != nil {
			return nil, fmt.Errorf("journal file.attached %s: %w", id, err)
		}
		out = append(out, a)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func notAttachable(id string) error {
	return apperr.Invalid("files", "file %s does not exist, was deleted, or was not uploaded by you", id).WithCode(apperr.CodeFileNotAttachable)
}

// Detach is called when a message is deleted; it removes the message's
// shares. The files stay on record (and with their owner).
func (m *Module) Detach(ctx context.Context, tx *db.Tx, messageID string) error {
	return deleteShares(ctx, tx, messageID)
}

// Delete removes a file for its owner or an admin: the file disappears
// from every channel, its blobs are removed, and the deletion is written
// to the journal with the file's SHA-256 (once per channel it was shared
// in) and announced to those channels.
func (m *Module) Delete(ctx context.Context, id string) error {
	p, err := authn.Require(ctx)
	if err != nil {
		return err
	}
	if !ids.Valid(id) {
		return fileNotFound()
	}
	var keys []string
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		f, err := getFile(ctx, tx, id, true)
		if errors.Is(err, errNoRow) {
			return fileNotFound()
		}
		if err != nil {
			return err
		}
		isAdmin := p.Has(authn.RoleAdmin)
		if f.OwnerID != p.UserID && !isAdmin {
			if ok, err := m.canRead(ctx, tx, p.UserID, f); err != nil {
				return err
			} else if !ok {
				return fileNotFound()
			}
			return apperr.Forbidden("only the person who uploaded a file, or an admin, can delete it").WithCode(apperr.CodeNotFileOwner)
		}
		now := m.now()
		if ok, err := markDeleted(ctx, tx, id, p.UserID, now); err != nil {
			return err
		} else if !ok {
			return apperr.Gone("this file was already deleted").WithCode(apperr.CodeFileDeleted)
		}
		if _, err := addUsage(ctx, tx, f.OwnerID, -1, -f.Size); err != nil {
			return err
		}
		keys = []string{f.BlobKey, thumbKey(id), previewKey(id)}
		if m.holds != nil {
			// A legal hold keeps the bytes: the file leaves every channel
			// and its owner's list, but the record can still produce it.
			// Retention removes the bytes once no hold covers it.
			held, err := m.holds.HoldsCovering(ctx, tx, id)
			if err != nil {
				return err
			}
			if len(held) > 0 {
				m.log.Info("deleted file's bytes kept for legal holds", "file", id, "holds", held)
				keys = nil
			}
		}
		for _, k := range keys {
			if err := addTrash(ctx, tx, k, "deleted", now); err != nil {
				return err
			}
		}
		channels, messages, err := sharesOf(ctx, tx, id)
		if err != nil {
			return err
		}
		meta := map[string]string{"sha256": f.SHA256, "size": strconv.FormatInt(f.Size, 10), "name": f.Name, "owner_id": f.OwnerID}
		if len(channels) == 0 {
			channels = []string{""} // on record even if it was never shared
		}
		for _, ch := range channels {
			if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: "file.deleted", ActorID: p.UserID, ChannelID: ch, SubjectID: id, Meta: meta}); err != nil {
				return fmt.Errorf("journal file.deleted %s: %w", id, err)
			}
			if ch == "" {
				continue
			}
			payload := events.FileDeleted.With(events.FileRemoved{ID: id, MessageIDs: messages[ch]})
			if _, err := m.events.Append(ctx, tx, payload, ch, "", now); err != nil {
				return err
			}
		}
		if f.OwnerID != p.UserID {
			return m.audit.Record(ctx, tx, now, "file.delete", "file", id, map[string]any{
				"owner_id": f.OwnerID, "name": f.Name, "sha256": f.SHA256, "size": f.Size})
		}
		return nil
	})
	if err != nil {
		return err
	}
	m.discard(ctx, keys...)
	m.log.Info("file deleted", "file", id, "by", p.UserID)
	return nil
}

// MyFiles lists the caller's own files, newest first.
func (m *Module) MyFiles(ctx context.Context, before string, limit int) ([]File, string, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	limit = pageSize(limit)
	rows, err := listOwned(ctx, m.db, p.UserID, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > limit {
		rows, next = rows[:limit], rows[limit-1].ID
	}
	out := make([]File, len(rows))
	for i, r := range rows {
		out[i] = r.file()
	}
	return out, next, nil
}

// SharedFile is a file as a channel's files list shows it.
type SharedFile struct {
	File
	MessageID string    `json:"message_id" doc:"The message that shared it."`
	SharedBy  string    `json:"shared_by" doc:"User id of who shared it."`
	SharedAt  time.Time `json:"shared_at"`
	Cursor    string    `json:"cursor" doc:"Pass as 'before' to continue after this entry."`
}

// ChannelFiles lists the files shared in a channel the caller may read,
// newest first. Deleted files are left out.
func (m *Module) ChannelFiles(ctx context.Context, channelID, before string, limit int) ([]SharedFile, string, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, "", err
	}
	ok, err := m.access.CanRead(ctx, p.UserID, channelID)
	if err != nil {
		return nil, "", fmt.Errorf("may %s read channel %s: %w", p.UserID, channelID, err)
	}
	if !ok || p.UserID == "" {
		return nil, "", apperr.NotFound("no such channel, or you are not a member").WithCode(apperr.CodeChannelNotFound)
	}
	var beforeSeq int64
	if before != "" {
		if beforeSeq, err = strconv.ParseInt(before, 10, 64); err != nil || beforeSeq < 1 {
			return nil, "", apperr.Invalid("before", "pass the 'next' value of the previous page").WithCode(apperr.CodeBadCursor)
		}
	}
	limit = pageSize(limit)
	rows, err := listChannelFiles(ctx, m.db, channelID, beforeSeq, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(rows) > limit {
		rows, next = rows[:limit], strconv.FormatInt(rows[limit-1].share.Seq, 10)
	}
	out := make([]SharedFile, len(rows))
	for i, r := range rows {
		out[i] = SharedFile{File: r.file.file(), MessageID: r.share.MessageID, SharedBy: r.share.SharedBy,
			SharedAt: time.UnixMilli(r.share.SharedAt).UTC()}
	}
	return out, next, nil
}

func pageSize(limit int) int {
	if limit <= 0 || limit > 200 {
		return 50
	}
	return limit
}

// TextContent returns up to max bytes of a file's content as text, for
// the search index (which decides which files are worth reading). Deleted
// or unknown files give "" and no error. It checks no caller: search
// filters by channel membership at query time.
func (m *Module) TextContent(ctx context.Context, id string, max int) (string, error) {
	f, err := getFile(ctx, m.db, id, false)
	if err != nil || f.DeletedAt != 0 {
		return "", nil
	}
	obj, err := m.store.Open(ctx, f.BlobKey)
	if err != nil {
		return "", fmt.Errorf("read %s for indexing: %w", id, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.LimitReader(obj, int64(max)))
	if err != nil {
		return "", fmt.Errorf("read %s for indexing: %w", id, err)
	}
	return strings.ToValidUTF8(string(b), ""), nil
}
