package imagebudget_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/imagebudget"
)

func TestBudgetBoundsWhatIsTakenAtOnce(t *testing.T) {
	b := imagebudget.New(100)
	ctx := context.Background()
	if _, err := b.Acquire(ctx, 101); !errors.Is(err, imagebudget.ErrOverBudget) {
		t.Fatalf("more than the whole budget: %v", err)
	}
	first, err := b.Acquire(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		r, err := b.Acquire(ctx, 50)
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	for i := 0; ; i++ { // until the second caller waits
		if _, _, waiting := b.Stats(); waiting == 1 {
			break
		}
		if i > 1e6 {
			t.Fatal("the second caller never waited")
		}
		<-time.After(time.Millisecond)
	}
	// A caller whose context ends stops waiting and takes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.Acquire(cctx, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	first()
	second := <-got
	if used, peak, waiting := b.Stats(); used != 50 || peak != 60 || waiting != 0 {
		t.Fatalf("used %d peak %d waiting %d", used, peak, waiting)
	}
	second()
	second() // twice is harmless
	if used, _, _ := b.Stats(); used != 0 {
		t.Fatalf("used %d after release", used)
	}
}

func TestInspectEstimatesDecodedSize(t *testing.T) {
	encPNG := func(img image.Image) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 100, 50)), nil); err != nil {
		t.Fatal(err)
	}
	interlaced := encPNG(image.NewGray(image.Rect(0, 0, 10, 10)))
	interlaced[28] = 1 // the IHDR's interlace byte, and its CRC again
	binary.BigEndian.PutUint32(interlaced[29:], crc32.ChecksumIEEE(interlaced[12:29]))
	progressive := bytes.Clone(jpg.Bytes())
	if i := bytes.Index(progressive, []byte{0xff, 0xc0}); i > 0 {
		progressive[i+1] = 0xc2
	}
	const overhead = 64 << 10
	for _, tc := range []struct {
		name string
		data []byte
		want int64
	}{
		{"16-bit RGBA PNG", encPNG(image.NewNRGBA64(image.Rect(0, 0, 2048, 2048))), 2048*2048*8 + overhead},
		{"8-bit gray PNG", encPNG(image.NewGray(image.Rect(0, 0, 10, 10))), 100 + overhead},
		{"interlaced gray PNG", interlaced, 200 + overhead},
		{"paletted PNG", encPNG(image.NewPaletted(image.Rect(0, 0, 10, 10), color.Palette{color.Black, color.White})), 100 + overhead},
		{"baseline JPEG", jpg.Bytes(), 5000*3 + overhead},
		{"progressive JPEG", progressive, 5000*(3+12) + overhead},
	} {
		h, err := imagebudget.Inspect(bytes.NewReader(tc.data))
		if err != nil || h.Bytes != tc.want {
			t.Errorf("%s: %+v %v, want %d bytes", tc.name, h, err, tc.want)
		}
	}
	if _, err := imagebudget.Inspect(bytes.NewReader([]byte("<html>"))); err == nil {
		t.Error("not an image: no error")
	}
}

func TestAPartTakesFromTheWhole(t *testing.T) {
	whole := imagebudget.New(100)
	part := whole.Within(40)
	ctx := context.Background()
	if _, err := part.Acquire(ctx, 41); !errors.Is(err, imagebudget.ErrOverBudget) {
		t.Fatalf("over the part: %v", err)
	}
	r, err := part.Acquire(ctx, 40)
	if err != nil {
		t.Fatal(err)
	}
	if used, _, _ := whole.Stats(); used != 40 {
		t.Fatalf("the whole has %d taken, want 40", used)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := part.Acquire(cctx, 1); err == nil {
		t.Fatal("the part is full; a cancelled caller got in")
	}
	r()
	if used, _, _ := whole.Stats(); used != 0 {
		t.Fatalf("the whole has %d taken after release", used)
	}
}
