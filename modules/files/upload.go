package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"time"

	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// MaxVoiceDuration is the longest voice message.
const MaxVoiceDuration = time.Hour

// UploadRequest is one file arriving.
type UploadRequest struct {
	Name       string    // as the client called it; sanitised here
	Voice      bool      // a voice message: must be audio, with DurationMS
	DurationMS int64     // length of a voice message as the recorder measured it
	Size       int64     // Content-Length, or -1 when the client did not say
	Body       io.Reader // the bytes, read once, never held whole
	// Response, when the body is an HTTP request's, lets the read
	// deadline of its connection end an upload that stalls or that a
	// shutdown ends.
	Response http.ResponseWriter
}

// Upload streams a file into the blob store and records it as the
// caller's. The size limit and the quota are enforced while the bytes
// arrive, the SHA-256 is computed on the way and the content type is
// sniffed from the first bytes. When anything fails, the blob is removed
// (or, if the store cannot be reached, left for the cleanup job) and
// nothing is recorded.
func (m *Module) Upload(ctx context.Context, req UploadRequest) (File, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return File{}, err
	}
	if p.UserID == "" {
		return File{}, apperr.Forbidden("files are uploaded by people, not by Kontor itself")
	}
	if len(req.Name) > maxRawNameBytes {
		return File{}, apperr.Invalid("name", "the file name is %d bytes long; at most %d are accepted", len(req.Name), maxRawNameBytes).WithCode(apperr.CodeNameTooLong)
	}
	switch {
	case req.Voice && (req.DurationMS <= 0 || req.DurationMS > MaxVoiceDuration.Milliseconds()):
		return File{}, apperr.Invalid("duration_ms", "a voice message needs its duration in milliseconds, between 1 and %d", MaxVoiceDuration.Milliseconds())
	case !req.Voice && req.DurationMS != 0:
		return File{}, apperr.Invalid("duration_ms", "only voice messages carry a duration; set voice=true or leave duration_ms out")
	}
	usage, err := getUsage(ctx, m.db, p.UserID)
	if err != nil {
		return File{}, err
	}
	limit, byQuota := m.limitFor(usage)
	if req.Size > limit {
		return File{}, m.tooLarge(limit, byQuota)
	}

	if req.Response != nil {
		body, done, err := m.uploads.watch(req.Body, req.Response, m.cfg.UploadIdleTimeout)
		if err != nil {
			return File{}, err
		}
		defer done()
		req.Body = body
	}
	head, err := readHead(req.Body, req.Size)
	if err != nil {
		return File{}, err
	}
	name := SanitizeName(req.Name)
	ct := sniff(head, name, req.Voice)
	if req.Voice && !isAudio(ct) {
		return File{}, apperr.Invalid("body", "a voice message must be audio; these bytes are %s", baseType(ct)).WithCode(apperr.CodeNotAudio)
	}

	now := m.now()
	id := ids.NewAt(now)
	key := contentKey(id)
	// Noted before the first byte goes out, so that a crash mid-upload
	// leaves a trace for the cleanup job.
	if err := addTrash(ctx, m.db, key, "upload", now); err != nil {
		return File{}, err
	}
	body := &uploadReader{r: io.MultiReader(bytes.NewReader(head), req.Body), limit: limit, size: req.Size, hash: sha256.New()}
	if err := m.store.Put(ctx, key, body, req.Size, servedAs(ct)); err != nil {
		m.discard(ctx, key)
		switch {
		case body.tooLarge:
			return File{}, m.tooLarge(limit, byQuota)
		case body.readErr != nil:
			return File{}, readError(body.readErr)
		case ctx.Err() != nil:
			return File{}, interrupted()
		}
		return File{}, m.storeError("upload", err)
	}

	row := fileRow{
		ID: id, OwnerID: p.UserID, Name: name, ContentType: ct, Size: body.n,
		SHA256: hex.EncodeToString(body.hash.Sum(nil)), BlobKey: key, Voice: req.Voice, DurationMS: req.DurationMS,
		PreviewState: previewNone, CreatedAt: now.UnixMilli(),
	}
	if isPreviewable(ct) {
		row.PreviewState, row.PreviewAt = previewPending, now.UnixMilli()
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		// The trash row proves the cleanup job has not taken the blob of
		// an upload that outlived files-orphan-grace.
		if ok, err := removeTrash(ctx, tx, key); err != nil {
			return err
		} else if !ok {
			return apperr.Conflict("the upload took longer than the server allows (files-orphan-grace); try again").WithCode(apperr.CodeUploadExpired)
		}
		u, err := addUsage(ctx, tx, p.UserID, 1, row.Size)
		if err != nil {
			return err
		}
		if q := m.quotaOf(u); q > 0 && u.Bytes > q {
			// Another upload of the same user finished first.
			return m.tooLarge(q-(u.Bytes-row.Size), true)
		}
		return insertFile(ctx, tx, row)
	})
	if err != nil {
		m.discard(ctx, key)
		return File{}, err
	}
	if row.PreviewState == previewPending {
		m.enqueuePreview(p.UserID, id)
	}
	m.log.Info("file uploaded", "file", id, "user", p.UserID, "size", row.Size, "content_type", ct)
	return row.file(), nil
}

// limitFor is the most the user may upload now, and whether it is their
// quota (rather than the per-file limit) that sets it.
func (m *Module) limitFor(u usageRow) (int64, bool) {
	limit := m.cfg.MaxUpload
	if q := m.quotaOf(u); q > 0 && q-u.Bytes < limit {
		return max(q-u.Bytes, 0), true
	}
	return limit, false
}

// quotaOf is the quota that applies to the user: their own if an admin
// set one, else the default; 0 means unlimited.
func (m *Module) quotaOf(u usageRow) int64 {
	if u.Quota >= 0 {
		return u.Quota
	}
	return m.cfg.UserQuota
}

func (m *Module) tooLarge(limit int64, byQuota bool) error {
	if byQuota {
		return apperr.TooLarge("this file does not fit into your storage quota: %s are left; delete files you no longer need or ask an admin", humanBytes(limit)).WithCode(apperr.CodeQuotaExceeded)
	}
	return apperr.TooLarge("the file is larger than the limit of %s", humanBytes(limit)).WithCode(apperr.CodeFileTooLarge)
}

// readError is what the caller sees when the body failed: why, when
// the body says (a stall, a shutdown), else that it was interrupted.
func readError(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return interrupted()
}

func interrupted() error {
	return apperr.Invalid("body", "the upload was interrupted before the end of the file; nothing was stored").WithCode(apperr.CodeUploadInterrupted)
}

// storeError turns a blob store failure into what the caller sees: 503
// when the store is unreachable, otherwise an internal error.
func (m *Module) storeError(op string, err error) error {
	if errors.Is(err, blob.ErrUnavailable) {
		m.log.Error("file store unavailable", "op", op, "store", m.store.String(), "error", err)
		return apperr.Unavailable("file storage is not reachable right now; nothing was changed, try again later").WithCode(apperr.CodeStorageUnavailable)
	}
	return fmt.Errorf("files %s: %w", op, err)
}

// discard removes blobs that will not be used and forgets them. When the
// store cannot do that now, it stops trying (the next would fail alike)
// and the trash rows stay for the cleanup job.
func (m *Module) discard(ctx context.Context, keys ...string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, key := range keys {
		if err := m.store.Delete(ctx, key); err != nil {
			m.log.Warn("could not remove blobs now; the cleanup job will", "keys", keys, "error", err)
			return
		}
		if _, err := removeTrash(ctx, m.db, key); err != nil {
			m.log.Warn("could not forget removed blob", "key", key, "error", err)
		}
	}
}

// readHead reads the first sniffLen bytes (fewer when the file is
// shorter). Only a clean end of the body ends a file: a body that fails,
// or ends before the length its client announced (net/http reports such a
// cut once and then a plain EOF), is an interrupted upload, not a short
// file and not a server error.
func readHead(body io.Reader, size int64) ([]byte, error) {
	head := make([]byte, sniffLen)
	n := 0
	for n < len(head) {
		k, err := body.Read(head[n:])
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
	}
	switch {
	case n == 0 && size <= 0:
		return nil, apperr.Invalid("body", "the file is empty; there is nothing to share").WithCode(apperr.CodeEmptyFile)
	case n < len(head) && size >= 0 && int64(n) != size:
		return nil, interrupted()
	}
	return head[:n], nil
}

// errTooLarge stops the store's copy once the limit is passed.
var errTooLarge = errors.New("upload over the size limit")

// uploadReader counts, hashes and limits the bytes on their way to the store.
type uploadReader struct {
	r        io.Reader
	limit    int64
	size     int64 // the length the client announced, or -1
	n        int64
	hash     hash.Hash
	tooLarge bool
	readErr  error // the client's stream failed
}

func (u *uploadReader) Read(p []byte) (int, error) {
	if u.tooLarge {
		return 0, errTooLarge
	}
	// Read at most one byte past the limit: enough to know it was passed.
	if rest := u.limit + 1 - u.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := u.r.Read(p)
	u.n += int64(n)
	if u.n > u.limit {
		u.tooLarge = true
		return 0, errTooLarge
	}
	u.hash.Write(p[:n])
	if err == io.EOF && u.size >= 0 && u.n != u.size {
		// Cut off before the announced length: net/http says so once
		// (io.ErrUnexpectedEOF) and then answers io.EOF.
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		u.readErr = err
	}
	return n, err
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
