// Package imagebudget bounds the memory image decoding takes in the whole
// process. A decoded picture is far larger than its file (a 32 KB PNG can
// announce 2048x2048 pixels of 16 bits, 32 MiB decoded), so every decode
// first reads the header, estimates what decoding will allocate, and waits
// for that much of one shared budget: avatar uploads and file previews
// together never hold more than the budget, however many arrive at once.
package imagebudget

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"sync"
)

// DefaultBytes is the budget of a fresh install (image-decode-memory).
const DefaultBytes = 128 << 20

// ErrOverBudget says an image would need more than the whole budget: it
// can never be decoded here.
var ErrOverBudget = errors.New("image needs more memory to decode than the image budget allows")

// Budget is the memory that image decoding may hold at once, shared by
// everything that decodes images. Waiters are served first come, first
// served, so a large image is not starved by a stream of small ones.
type Budget struct {
	total  int64
	parent *Budget // nil, or the budget a part (Within) also takes from

	mu    sync.Mutex
	used  int64
	peak  int64
	queue []*waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

// New returns a budget of total bytes.
func New(total int64) *Budget {
	return &Budget{total: max(total, 1)}
}

// Within returns a part of b of at most n bytes: what is taken from the
// part is taken from b too. One kind of decoding (profile pictures) can
// so be kept to a share of the process's budget.
func (b *Budget) Within(n int64) *Budget {
	return &Budget{total: max(min(n, b.total), 1), parent: b}
}

// Total is the size of the budget in bytes.
func (b *Budget) Total() int64 { return b.total }

// Acquire waits until n bytes of the budget are free and takes them;
// release gives them back (calling it more than once is harmless). It
// fails at once with ErrOverBudget when n is more than the whole budget,
// and with ctx's error when ctx ends first.
func (b *Budget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	inner, err := b.acquire(ctx, n)
	if err != nil || b.parent == nil {
		return inner, err
	}
	outer, err := b.parent.Acquire(ctx, n)
	if err != nil {
		inner()
		return nil, err
	}
	return func() { outer(); inner() }, nil
}

func (b *Budget) acquire(ctx context.Context, n int64) (release func(), err error) {
	if n > b.total {
		return nil, fmt.Errorf("%w (%d bytes of %d)", ErrOverBudget, n, b.total)
	}
	n = max(n, 1)
	b.mu.Lock()
	if len(b.queue) == 0 && b.used+n <= b.total {
		b.take(n)
		b.mu.Unlock()
		return b.releaser(n), nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	b.queue = append(b.queue, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return b.releaser(n), nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted just now: give it back
			b.used -= n
		default:
			for i, q := range b.queue {
				if q == w {
					b.queue = append(b.queue[:i], b.queue[i+1:]...)
					break
				}
			}
		}
		b.grant() // a waiter behind this one may fit now
		return nil, ctx.Err()
	}
}

func (b *Budget) take(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
}

// grant wakes waiters in order for as long as the first one fits.
func (b *Budget) grant() {
	for len(b.queue) > 0 && b.used+b.queue[0].n <= b.total {
		w := b.queue[0]
		b.queue = b.queue[1:]
		b.take(w.n)
		close(w.ready)
	}
}

func (b *Budget) releaser(n int64) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			b.used -= n
			b.grant()
			b.mu.Unlock()
		})
	}
}

// Stats reports the bytes taken now, the most ever taken at once, and
// how many callers wait.
func (b *Budget) Stats() (used, peak int64, waiting int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.peak, len(b.queue)
}

// Header is what an image's first bytes say about it.
type Header struct {
	Format        string // "png", "jpeg", "gif", "webp"
	Width, Height int
	// Bytes estimates what decoding allocates: the decoded pixels at the
	// decoder's bytes per pixel, twice for an interlaced PNG (its passes),
	// plus the coefficients a progressive JPEG keeps (4 bytes per pixel
	// and component).
	Bytes int64
}

// Pixels is Width*Height.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// Inspect reads the header of the image in r without decoding its pixels
// and leaves r at its start. The decoders of the formats must be
// registered with package image.
func Inspect(r io.ReadSeeker) (Header, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return Header{}, fmt.Errorf("image header: %w", err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return Header{}, fmt.Errorf("image header: %dx%d pixels", cfg.Width, cfg.Height)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Header{}, err
	}
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height}
	perPixel := bytesPerPixel(cfg.ColorModel)
	switch format {
	case "png":
		if interlacedPNG(r) {
			perPixel *= 2
		}
	case "jpeg":
		if comps := progressiveJPEG(r); comps > 0 {
			perPixel += 4 * int64(comps)
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Header{}, err
	}
	h.Bytes = h.Pixels()*perPixel + 64<<10
	return h, nil
}

// bytesPerPixel is what the standard decoders allocate per pixel for an
// image of this color model (a JPEG in CMYK is decoded through a YCbCr
// image and converted: counted high).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3 // 4:4:4 at worst
	case color.RGBAModel, color.NRGBAModel, color.NYCbCrAModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model, color.CMYKModel:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// interlacedPNG reads the interlace byte of a PNG's IHDR chunk.
func interlacedPNG(r io.Reader) bool {
	var b [29]byte // signature 8, length 4, type 4, IHDR 13
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false
	}
	return string(b[12:16]) == "IHDR" && b[28] == 1
}

// progressiveJPEG walks a JPEG's markers to its frame header and returns
// the number of components when the frame is progressive (SOF2, SOF6,
// SOF10, SOF14), else 0.
func progressiveJPEG(r io.ReadSeeker) int {
	br := bufio.NewReader(r)
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return 0
	}
	for range 1000 { // APPn and other segments before the frame; bounded
		var m [4]byte
		if _, err := io.ReadFull(br, m[:2]); err != nil || m[0] != 0xff {
			return 0
		}
		for m[1] == 0xff { // fill bytes
			c, err := br.ReadByte()
			if err != nil {
				return 0
			}
			m[1] = c
		}
		if _, err := io.ReadFull(br, m[2:4]); err != nil {
			return 0
		}
		n := int(binary.BigEndian.Uint16(m[2:4])) - 2
		if n < 0 {
			return 0
		}
		switch marker := m[1]; {
		case marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			var sof [6]byte // precision, height, width, components
			if n < 6 {
				return 0
			}
			if _, err := io.ReadFull(br, sof[:]); err != nil {
				return 0
			}
			if marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce {
				return int(sof[5])
			}
			return 0
		default:
			if _, err := br.Discard(n); err != nil {
				return 0
			}
		}
	}
	return 0
}
