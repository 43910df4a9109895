package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"time"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers the WebP decoder with package image

	"github.com/kontorhq/kontor/modules/files/events"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// previewStale is how long a claimed preview may take before another
// worker (maybe on another node) takes it over.
const previewStale = 10 * time.Minute

// enqueuePreview asks this node's workers to make a file's previews. When
// the queue is full the periodic scan finds the file instead.
func (m *Module) enqueuePreview(id string) {
	select {
	case m.queue <- id:
	default:
	}
}

func (m *Module) previewWorker(ctx context.Context) {
	defer m.workers.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-m.queue:
			if err := m.makePreview(ctx, id); err != nil && ctx.Err() == nil {
				m.log.Warn("preview failed; will retry", "file", id, "error", err)
			}
		}
	}
}

// RunPreviews makes every preview that is due (waiting, or abandoned by a
// worker that died) and returns how many files it handled. The scheduler
// runs it every minute; tests call it directly.
func (m *Module) RunPreviews(ctx context.Context) (int, error) {
	done := 0
	for {
		due, err := waitingPreviews(ctx, m.db, m.now(), previewStale, 50)
		if err != nil || len(due) == 0 {
			return done, err
		}
		for _, id := range due {
			if err := m.makePreview(ctx, id); err != nil {
				return done, err
			}
			done++
		}
	}
}

// makePreview makes the thumbnail and the preview image of one file, if
// it can claim the work. A file that is not a decodable image, or too
// large to decode safely, is marked failed (it keeps no previews); a
// store or database error leaves the claim to go stale and be retried.
func (m *Module) makePreview(ctx context.Context, id string) error {
	ok, err := claimPreview(ctx, m.db, id, m.now(), previewStale)
	if err != nil || !ok {
		return err
	}
	f, err := getFile(ctx, m.db, id, false)
	if err != nil {
		return err
	}
	thumb, preview, w, h, err := m.render(ctx, f)
	var bad badImageError
	if errors.As(err, &bad) {
		m.log.Info("no preview for this image", "file", id, "reason", bad.Error())
		return m.db.WithTx(ctx, func(tx *db.Tx) error {
			_, err := finishPreview(ctx, tx, id, previewFailed, "", w, h, m.now())
			return err
		})
	}
	if err != nil {
		return err
	}
	keys := []string{thumbKey(id), previewKey(id)}
	for i, img := range []encoded{thumb, preview} {
		if err := addTrash(ctx, m.db, keys[i], "preview", m.now()); err != nil {
			return err
		}
		if err := m.store.Put(ctx, keys[i], bytes.NewReader(img.data), int64(len(img.data)), img.contentType); err != nil {
			return fmt.Errorf("store preview %s: %w", keys[i], err)
		}
	}
	stored := false
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		now := m.now()
		ok, err := finishPreview(ctx, tx, id, previewReady, thumb.contentType, w, h, now)
		if err != nil || !ok {
			return err // deleted meanwhile, or claimed away after going stale
		}
		for _, k := range keys {
			if _, err := removeTrash(ctx, tx, k); err != nil {
				return err
			}
		}
		stored = true
		f.PreviewState, f.PreviewType, f.Width, f.Height, f.PreviewAt = previewReady, thumb.contentType, w, h, now.UnixMilli()
		return m.announce(ctx, tx, f, now)
	})
	if err != nil {
		m.discard(ctx, keys...)
		return err
	}
	if !stored {
		// Either the file was deleted meanwhile (its previews must go), or
		// a worker that took over our stale claim finished first: then the
		// blobs under these keys are its (identical) images, in use.
		if now, err := getFile(ctx, m.db, id, false); err == nil && now.DeletedAt != 0 {
			m.discard(ctx, keys...)
		}
	}
	return nil
}

// announce tells every channel where the file is shared, and its owner,
// that its metadata changed (a preview is ready).
func (m *Module) announce(ctx context.Context, tx *db.Tx, f fileRow, now time.Time) error {
	channels, messages, err := sharesOf(ctx, tx, f.ID)
	if err != nil {
		return err
	}
	a := events.FileInfo(f.attachment())
	for _, ch := range channels {
		if _, err := m.events.Append(ctx, tx, events.FileUpdated.With(events.FileUpdate{File: a, MessageIDs: messages[ch]}), ch, "", now); err != nil {
			return err
		}
	}
	_, err = m.events.Append(ctx, tx, events.FileUpdated.With(events.FileUpdate{File: a, MessageIDs: []string{}}), "", f.OwnerID, now)
	return err
}

// badImageError says the bytes cannot be previewed; retrying will not help.
type badImageError struct{ reason string }

func (e badImageError) Error() string { return e.reason }

type encoded struct {
	data        []byte
	contentType string
}

// render decodes the image with its EXIF orientation applied and encodes
// the two sizes: JPEG for opaque images, PNG where there is transparency.
// w and h are the oriented dimensions (or, for an image too large to
// decode, the stored ones).
func (m *Module) render(ctx context.Context, f fileRow) (thumb, preview encoded, w, h int64, err error) {
	obj, err := m.store.Open(ctx, f.BlobKey)
	if err != nil {
		return thumb, preview, 0, 0, fmt.Errorf("open %s: %w", f.BlobKey, err)
	}
	defer obj.Close()
	cfg, _, err := image.DecodeConfig(obj)
	if err != nil {
		return thumb, preview, 0, 0, badImageError{"not a decodable image: " + err.Error()}
	}
	w, h = int64(cfg.Width), int64(cfg.Height)
	if w*h > m.cfg.MaxImagePixels || w <= 0 || h <= 0 {
		return thumb, preview, w, h, badImageError{fmt.Sprintf("%dx%d pixels is over files-max-image-pixels", w, h)}
	}
	if _, err := obj.Seek(0, io.SeekStart); err != nil {
		return thumb, preview, 0, 0, err
	}
	img, err := imaging.Decode(obj, imaging.AutoOrientation(true))
	if err != nil {
		if ctx.Err() != nil {
			return thumb, preview, 0, 0, ctx.Err()
		}
		return thumb, preview, w, h, badImageError{"cannot decode: " + err.Error()}
	}
	b := img.Bounds()
	w, h = int64(b.Dx()), int64(b.Dy())
	opaque := isOpaque(img)
	for i, size := range []int{thumbSize, previewSize} {
		e, err := encode(imaging.Fit(img, size, size, imaging.Lanczos), opaque)
		if err != nil {
			return thumb, preview, w, h, err
		}
		if i == 0 {
			thumb = e
		} else {
			preview = e
		}
	}
	return thumb, preview, w, h, nil
}

func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

func encode(img image.Image, opaque bool) (encoded, error) {
	var buf bytes.Buffer
	if opaque {
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			return encoded{}, err
		}
		return encoded{buf.Bytes(), "image/jpeg"}, nil
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return encoded{}, err
	}
	return encoded{buf.Bytes(), "image/png"}, nil
}
