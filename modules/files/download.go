package files

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// Variant says which bytes of a file are wanted.
type Variant int

// The variants of a file.
const (
	Original Variant = iota
	Thumbnail
	Preview
)

// Download is how to deliver a file the caller may read: a presigned URL
// to redirect to, or an open object to stream (the caller closes it).
type Download struct {
	Redirect    *url.URL
	Object      blob.Object
	ContentType string // what to serve it as (never HTML or script)
	Disposition string
	ETag        string
	ModTime     time.Time
}

// Open checks that the caller may read the file and returns how to
// deliver the wanted variant. Images may show inline; everything else is
// an attachment, as is an image when attachment is asked for.
func (m *Module) Open(ctx context.Context, id string, v Variant, attachment bool) (*Download, error) {
	f, err := m.readable(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Download{ModTime: time.UnixMilli(f.CreatedAt).UTC()}
	key := f.BlobKey
	switch v {
	case Original:
		d.ContentType, d.ETag = servedAs(f.ContentType), f.SHA256
		kind := "attachment"
		if isPreviewable(f.ContentType) && !attachment {
			kind = "inline"
		}
		d.Disposition = disposition(kind, f.Name)
	case Thumbnail, Preview:
		if f.PreviewState != previewReady {
			return nil, apperr.NotFound("this file has no preview image (yet)").WithCode(apperr.CodeNoPreview)
		}
		what, size := "thumbnail", thumbSize
		key = thumbKey(f.ID)
		if v == Preview {
			what, size, key = "preview", previewSize, previewKey(f.ID)
		}
		ext := ".jpg"
		if f.PreviewType == "image/png" {
			ext = ".png"
		}
		stem, _ := splitExt(f.Name)
		d.ContentType, d.ETag = f.PreviewType, fmt.Sprintf("%s-%s-%d", f.SHA256, what, size)
		d.Disposition = disposition("inline", SanitizeName(stem+"-"+what+ext))
		d.ModTime = time.UnixMilli(f.PreviewAt).UTC()
	}
	if m.cfg.S3Redirect {
		u, err := m.store.PresignGet(ctx, key, m.cfg.URLTTL, blob.ResponseHeaders{
			ContentType: d.ContentType, ContentDisposition: d.Disposition,
			CacheControl: fmt.Sprintf("private, max-age=%d", int(m.cfg.URLTTL.Seconds())),
		})
		if err == nil {
			d.Redirect = u
			return d, nil
		}
		if !errors.Is(err, blob.ErrNotSupported) {
			return nil, m.storeError("presign", err)
		}
	}
	obj, err := m.store.Open(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		// The database says it is there: the store lost it.
		return nil, fmt.Errorf("files: blob %s of live file %s is missing from %s: %w", key, f.ID, m.store, err)
	}
	if err != nil {
		return nil, m.storeError("download", err)
	}
	d.Object = obj
	return d, nil
}

// MediaOrigins are the origins download links point to besides Kontor's
// own: the S3 endpoint when downloads go to presigned URLs. The web app
// allows them in its content security policy.
func (m *Module) MediaOrigins(ctx context.Context) []string {
	if !m.cfg.S3Redirect {
		return nil
	}
	u, err := m.store.PresignGet(ctx, "origin-probe", time.Minute, blob.ResponseHeaders{})
	if err != nil || u == nil {
		return nil // local store: everything comes from Kontor itself
	}
	return []string{u.Scheme + "://" + u.Host}
}
