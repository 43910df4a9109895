package identity_test

import (
	"bytes"
	"context"
	"hash/crc32"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

// budgetEnv is the identity module over HTTP with an image budget the
// test holds a handle on.
func budgetEnv(t *testing.T, d *db.DB, budget *imagebudget.Budget) *apitest.Client {
	t.Helper()
	log := logtest.New(t)
	m, err := identity.New(identity.Deps{DB: d, Log: log, Clock: clock.NewManual(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)), Images: budget, Journal: &journalRec{}},
		identity.Config{SessionTTL: 12 * time.Hour, LoginMaxFailures: 5, LoginWindow: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Bootstrap(context.Background(), adminPW); err != nil {
		t.Fatal(err)
	}
	srv := httpapi.New(httpapi.Options{Log: log, Middleware: []func(http.Handler) http.Handler{m.Middleware}})
	m.Register(srv.API())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	c := apitest.New(t, ts.URL)
	c.LoginBearer("admin", adminPW)
	c.Headers["Content-Type"] = "image/png"
	return c
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A small file announcing a huge decoded picture is refused from its
// header, before a byte of it is decoded (issue 9, item 3: a 32 KB
// 2048x2048 16-bit PNG decoded to 32 MiB, 100 at once took a gigabyte).
func TestHugePicturesAreRefusedBeforeDecoding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		budget := imagebudget.New(64 << 20)
		c := budgetEnv(t, d, budget)
		bomb := pngBytes(t, image.NewNRGBA64(image.Rect(0, 0, 2048, 2048)))
		if len(bomb) > 200<<10 {
			t.Fatalf("the hostile picture is %d bytes; it should be small", len(bomb))
		}
		for name, body := range map[string][]byte{
			"2048x2048 at 16 bits":   bomb,
			"4096 pixels wide":       pngBytes(t, image.NewGray(image.Rect(0, 0, 4096, 16))),
			"2048x2048 interlaced 8": interlace(pngBytes(t, image.NewNRGBA(image.Rect(0, 0, 2048, 2048)))),
		} {
			r := c.Do("PUT", "/api/v1/users/me/avatar", body)
			if r.Status != 422 || r.Problem().Code != "image_too_large" {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if _, peak, _ := budget.Stats(); peak != 0 {
			t.Fatalf("refused pictures were decoded: %d bytes of the budget were taken", peak)
		}
		// The largest picture that is accepted.
		c.Must(200, "PUT", "/api/v1/users/me/avatar", pngBytes(t, image.NewNRGBA(image.Rect(0, 0, 2048, 2048))))
		if _, peak, _ := budget.Stats(); peak < 2048*2048*4 {
			t.Fatalf("decoding took %d bytes of the budget, want its decoded size", peak)
		}
	})
}

// interlace marks a PNG as interlaced in its header (the pixel data is
// then wrong, which does not matter: it is refused from the header).
func interlace(b []byte) []byte {
	b = bytes.Clone(b)
	b[28] = 1
	crc := crc32IEEE(b[12:29])
	b[29], b[30], b[31], b[32] = byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc)
	return b
}

// Pictures are decoded only within the process's image budget: while it
// is taken, an upload waits; many uploads at once never hold more than it.
func TestPictureDecodingWaitsForTheImageBudget(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		pic := pngBytes(t, image.NewNRGBA(image.Rect(0, 0, 512, 512))) // 1 MiB decoded
		budget := imagebudget.New(3 << 20)                             // room for two at once
		c := budgetEnv(t, d, budget)

		hold, err := budget.Acquire(context.Background(), budget.Total())
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan int, 1)
		go func() { done <- c.Do("PUT", "/api/v1/users/me/avatar", pic).Status }()
		for i := 0; ; i++ {
			if _, _, waiting := budget.Stats(); waiting == 1 {
				break
			}
			select {
			case status := <-done:
				t.Fatalf("the upload was decoded (%d) while the image budget was taken", status)
			case <-time.After(time.Millisecond):
			}
			if i > 60_000 {
				t.Fatal("the upload never waited for the budget")
			}
		}
		hold()
		if status := <-done; status != 200 {
			t.Fatalf("after the budget was free: %d", status)
		}

		var wg sync.WaitGroup
		statuses := make(chan int, 24)
		for range 24 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- c.Do("PUT", "/api/v1/users/me/avatar", pic).Status
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != 200 {
				t.Errorf("concurrent upload: %d", s)
			}
		}
		if used, peak, waiting := budget.Stats(); used != 0 || peak > budget.Total() || waiting != 0 {
			t.Fatalf("budget after the uploads: used %d, peak %d of %d, %d waiting", used, peak, budget.Total(), waiting)
		}
	})
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
