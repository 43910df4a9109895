package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for the formats that get previews
	"image/jpeg"
	"image/png"
	"io"
	"time"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp" // registers the WebP decoder with package image

	"github.com/kontorhq/kontor/modules/files/events"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
)

// previewStale is how long a claimed preview may take before another
// worker (maybe on another node) takes it over.
const previewStale = 10 * time.Minute

// enqueuePreview asks this node's workers to make a file's previews, in
// turn with other owners' files. When the queue is full the periodic scan
// finds the file instead.
func (m *Module) enqueuePreview(owner, id string) {
	m.queue.push(owner, id)
}

func (m *Module) previewWorker(ctx context.Context) {
	defer m.workers.Done()
	for {
		id, ok := m.queue.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-m.queue.wake:
				continue
			}
		}
		if err := m.makePreview(ctx, id); err != nil && ctx.Err() == nil {
			m.log.Warn("preview failed; will retry", "file", id, "error", err)
		}
		if ctx.Err() != nil {
			return
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

// render decodes the image and encodes the two sizes: JPEG for opaque
// images, PNG where there is transparency. w and h are the dimensions as
// shown (EXIF orientation applied), or for an image that gets no preview,
// the stored ones.
//
// Memory is bounded before anything is decoded: the header says the
// dimensions and the pixel format, hence what decoding and resizing will
// allocate; an image needing more than the whole image budget gets no
// preview, and every decode waits for its share of the budget, which
// profile pictures share. The EXIF orientation is applied to the small
// images, not to a full-size copy of the decoded one.
func (m *Module) render(ctx context.Context, f fileRow) (thumb, preview encoded, w, h int64, err error) {
	obj, err := m.store.Open(ctx, f.BlobKey)
	if err != nil {
		return thumb, preview, 0, 0, fmt.Errorf("open %s: %w", f.BlobKey, err)
	}
	defer obj.Close()
	hdr, err := imagebudget.Inspect(obj)
	if err != nil {
		return thumb, preview, 0, 0, badImageError{"not a decodable image: " + err.Error()}
	}
	w, h = int64(hdr.Width), int64(hdr.Height)
	if hdr.Pixels() > m.cfg.MaxImagePixels {
		return thumb, preview, w, h, badImageError{fmt.Sprintf("%dx%d pixels is over files-max-image-pixels", w, h)}
	}
	cost := renderCost(hdr)
	if cost > m.images.Total() {
		return thumb, preview, w, h, badImageError{fmt.Sprintf("%dx%d pixels (%s) would need about %d MiB to decode, over image-decode-memory (%d MiB)",
			w, h, hdr.Format, cost>>20, m.images.Total()>>20)}
	}
	orientation := 1
	if hdr.Format == "jpeg" {
		orientation = exifOrientation(obj)
		if _, err := obj.Seek(0, io.SeekStart); err != nil {
			return thumb, preview, 0, 0, err
		}
	}
	release, err := m.images.Acquire(ctx, cost)
	if err != nil {
		return thumb, preview, 0, 0, fmt.Errorf("wait for the image budget: %w", err)
	}
	defer release()
	img, _, err := image.Decode(bufio.NewReader(obj))
	if err != nil {
		if ctx.Err() != nil {
			return thumb, preview, 0, 0, ctx.Err()
		}
		return thumb, preview, w, h, badImageError{"cannot decode: " + err.Error()}
	}
	large := imaging.Fit(img, previewSize, previewSize, imaging.Lanczos)
	img = nil // the full-size pixels may go now
	small := imaging.Fit(large, thumbSize, thumbSize, imaging.Lanczos)
	large, small = orient(large, orientation), orient(small, orientation)
	if orientation >= 5 { // turned by 90 degrees
		w, h = h, w
	}
	opaque := isOpaque(large)
	for i, im := range []image.Image{small, large} {
		e, err := encode(im, opaque)
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

// renderCost is what render allocates for an image with this header:
// the decoded pixels, the intermediate image of the resize to preview
// size (preview width by full height, 4 bytes a pixel) and the results.
func renderCost(hdr imagebudget.Header) int64 {
	resizeW := min(int64(hdr.Width), previewSize)
	return hdr.Bytes + 4*resizeW*int64(hdr.Height) + 4*(previewSize*previewSize+thumbSize*thumbSize)
}

// orient turns an image as its EXIF orientation (1 to 8) says.
func orient(img *image.NRGBA, orientation int) *image.NRGBA {
	switch orientation {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// exifOrientation reads the orientation tag of a JPEG's EXIF segment; 1
// (as stored) when there is none or it cannot be read.
func exifOrientation(r io.Reader) int {
	br := bufio.NewReader(r)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return 1
	}
	for range 64 { // the segments before the image data; EXIF comes early
		var m [4]byte
		if _, err := io.ReadFull(br, m[:]); err != nil || m[0] != 0xff {
			return 1
		}
		n := int(binary.BigEndian.Uint16(m[2:])) - 2
		if n < 0 || m[1] == 0xda { // start of scan: no EXIF before the pixels
			return 1
		}
		if m[1] != 0xe1 {
			if _, err := br.Discard(n); err != nil {
				return 1
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil {
			return 1
		}
		if o, ok := tiffOrientation(seg); ok {
			return o
		}
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in IFD0 of an APP1 "Exif" payload.
func tiffOrientation(seg []byte) (int, bool) {
	tiff, ok := bytes.CutPrefix(seg, []byte("Exif\x00\x00"))
	if !ok || len(tiff) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	ifd := int64(bo.Uint32(tiff[4:8]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 0, false
	}
	count := int64(bo.Uint16(tiff[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(tiff)) {
			return 0, false
		}
		if bo.Uint16(tiff[e:]) == 0x0112 {
			if o := int(bo.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
				return o, true
			}
			return 0, false
		}
	}
	return 0, false
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
