package files_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode preview: %v", err)
	}
	return img
}

func near(c color.Color, want color.NRGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { x := int(a>>8) - int(b); return x > -40 && x < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestPreviewsOfEachImageType(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name        string
			file        string
			data        []byte
			w, h        int
			thumbW      int
			thumbType   string
			contentType string
		}{
			// Orientation 6: the 1200x800 sensor image shows as 800x1200.
			{"jpeg turned by exif", "IMG_0001.JPG", jpegWithOrientation(t, halves(1200, 800), 6), 800, 1200, 266, "image/jpeg", "image/jpeg"},
			{"png with transparency", "logo.png", translucent(t, 500, 250), 500, 250, 400, "image/png", "image/png"},
			{"gif", "party.gif", gifOf(t, 120, 60), 120, 60, 120, "image/jpeg", "image/gif"},
			{"webp", "photo.webp", webpSolid(640, 480, blue), 640, 480, 400, "image/jpeg", "image/webp"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := e.upload("alice", tc.file, tc.data)
				if f.ContentType != tc.contentType || f.PreviewState != "pending" {
					t.Fatalf("uploaded: %+v", f)
				}
				e.runPreviews()
				got := e.getFile("alice", f.ID)
				if got.PreviewState != "ready" || got.Width != tc.w || got.Height != tc.h {
					t.Fatalf("after preview: %s %dx%d, want ready %dx%d", got.PreviewState, got.Width, got.Height, tc.w, tc.h)
				}
				th := e.get("alice", got.ThumbnailURL, nil)
				if th.Status != http.StatusOK || th.Header.Get("Content-Type") != tc.thumbType {
					t.Fatalf("thumbnail: %d %q", th.Status, th.Header.Get("Content-Type"))
				}
				img := decode(t, th.Body)
				if b := img.Bounds(); b.Dx() != tc.thumbW || max(b.Dx(), b.Dy()) > 400 {
					t.Fatalf("thumbnail %v, want width %d and at most 400 px", b, tc.thumbW)
				}
				if tc.name == "jpeg turned by exif" {
					// The red left half of the sensor image is on top once turned.
					b := img.Bounds()
					if !near(img.At(b.Dx()/2, b.Dy()/8), red) || !near(img.At(b.Dx()/2, b.Dy()*7/8), blue) {
						t.Fatalf("orientation not applied: top %v, bottom %v", img.At(b.Dx()/2, b.Dy()/8), img.At(b.Dx()/2, b.Dy()*7/8))
					}
				}
				if tc.name == "png with transparency" {
					if _, _, _, a := img.At(10, 10).RGBA(); a == 0xffff {
						t.Fatal("transparency lost in the thumbnail")
					}
				}
				if tc.name == "webp" && !near(img.At(5, 5), blue) {
					t.Fatalf("webp thumbnail colour %v", img.At(5, 5))
				}
			})
		}
		if n := len(e.stored("t/")) + len(e.stored("p/")); n != 8 {
			t.Fatalf("%d preview blobs, want 8", n)
		}
		if n := e.count("file_blob_trash", ""); n != 0 {
			t.Fatalf("%d leftover trash rows after previews", n)
		}
	})
}

// cut drops the second half of an image file: the header still says
// what it is, the pixels are missing.
func cut(b []byte) []byte { return b[:len(b)/2] }

func TestImagesThatGetNoPreview(t *testing.T) {
	eachEnv(t, options{conf: func(c *files.Config) { c.MaxImagePixels = 4_000_000 }}, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name string
			data []byte
			w, h int
		}{
			{"decompression bomb", hugePNG(60000, 60000), 60000, 60000},
			{"over the pixel limit", hugePNG(3000, 2000), 3000, 2000},
			{"png signature then garbage", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xAB}, 300)...), 0, 0},
			{"jpeg cut off in the middle", cut(jpegWithOrientation(t, halves(300, 300), 1)), 300, 300},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := e.upload("alice", "x.png", tc.data)
				e.runPreviews()
				got := e.getFile("alice", f.ID)
				if got.PreviewState != "failed" || got.ThumbnailURL != "" || got.Width != tc.w || got.Height != tc.h {
					t.Fatalf("%+v", got)
				}
				if r := e.do("alice", http.MethodGet, "/api/v1/files/"+f.ID+"/thumbnail", nil, 0, nil); r.Status != 404 {
					t.Fatalf("thumbnail: %d", r.Status)
				}
				// The file itself still downloads.
				if r := e.get("alice", f.URL, nil); r.Status != 200 || !bytes.Equal(r.Body, tc.data) {
					t.Fatalf("download: %d", r.Status)
				}
			})
		}
		if n := len(e.stored("t/")); n != 0 {
			t.Fatalf("thumbnails stored for images that have none: %d", n)
		}
	})
}

// The background workers make previews without anyone asking, and a
// preview of a file deleted meanwhile is not kept.
func TestPreviewsInTheBackground(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		ctx, cancel := context.WithCancel(context.Background())
		sched := jobs.New(logtest.New(t), nil)
		e.mod.Start(ctx, sched)
		t.Cleanup(func() { cancel(); e.mod.Wait(); sched.Wait() })
		e.join("bob", "c")
		f := e.upload("alice", "p.png", pngOf(t, halves(800, 400)))
		e.mustPost("alice", "c", f.ID)
		deadline := time.Now().Add(30 * time.Second)
		for e.getFile("alice", f.ID).PreviewState != "ready" {
			if time.Now().After(deadline) {
				t.Fatal("the preview was not made in the background")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if r := e.get("bob", "/api/v1/files/"+f.ID+"/thumbnail", nil); r.Status != 200 {
			t.Fatalf("thumbnail for bob: %d", r.Status)
		}
	})
}

func TestPreviewOfDeletedFileIsDropped(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		f := e.upload("alice", "p.png", pngOf(t, halves(50, 50)))
		e.client("alice").Must(http.StatusNoContent, http.MethodDelete, "/api/v1/files/"+f.ID, nil)
		e.runPreviews()
		if keys := e.stored(""); len(keys) != 0 {
			t.Fatalf("blobs after deleting before the preview: %v", keys)
		}
		if n := e.count("files", "preview_state = 'ready'"); n != 0 {
			t.Fatal("deleted file got a preview")
		}
	})
}
