package files_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

// An image whose decoding would take more memory than the image budget
// gets no preview, and is not decoded at all; the file is shared as any
// other (issue 9, item 8: a 372 KB 16-bit 7000x7000 PNG took 0.75 GB).
func TestPreviewMemoryIsBoundedBeforeDecoding(t *testing.T) {
	eachEnv(t, options{imageMemory: 32 << 20}, func(t *testing.T, e *env) {
		budget := e.images
		// 16 MiB decoded, plus the resize: over 32 MiB.
		deep := pngOf(t, image.NewNRGBA64(image.Rect(0, 0, 2048, 1024)))
		f := e.upload("alice", "deep.png", deep)
		e.runPreviews()
		got := e.getFile("alice", f.ID)
		if got.PreviewState != "failed" || got.Width != 2048 || got.Height != 1024 {
			t.Fatalf("over the budget: %+v", got)
		}
		if _, peak, _ := budget.Stats(); peak != 0 {
			t.Fatalf("an image over the budget was decoded (%d bytes taken)", peak)
		}
		if r := e.get("alice", f.URL, nil); r.Status != 200 || !bytes.Equal(r.Body, deep) {
			t.Fatalf("download: %d", r.Status)
		}
		// An ordinary picture still gets its preview, within the budget.
		ok := e.upload("alice", "ok.png", pngOf(t, halves(800, 600)))
		e.runPreviews()
		if got := e.getFile("alice", ok.ID); got.PreviewState != "ready" {
			t.Fatalf("ordinary picture: %+v", got)
		}
		if used, peak, _ := budget.Stats(); used != 0 || peak == 0 || peak > budget.Total() {
			t.Fatalf("budget after the preview: used %d, peak %d", used, peak)
		}
	})
}

// readyOrder is the order in which previews were finished, by file id.
func (e *env) readyOrder() []string {
	var ids []string
	for _, ev := range e.eventsOf("file.updated") {
		if ev.UserID == "" {
			continue // the same change announced to a channel
		}
		var p struct{ File files.Attachment }
		if err := json.Unmarshal(ev.Payload, &p); err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, p.File.ID)
	}
	return ids
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// One person's flood of pictures does not hold back another's: previews
// are made in turns by owner, by the periodic scan ...
func TestPreviewScanTakesOwnersInTurns(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		// Each a millisecond later: ids (and so the order of arrival) rise.
		for i := range 6 {
			e.upload("alice", fmt.Sprintf("a%d.png", i), pngOf(t, halves(40, 30)))
			e.clock.Advance(time.Millisecond)
		}
		bobs := e.upload("bob", "b.png", pngOf(t, halves(40, 30))).ID
		e.runPreviews()
		order := e.readyOrder()
		// Alice's first and Bob's (in either order: same turn), then the rest.
		if len(order) != 7 || indexOf(order, bobs) > 1 {
			t.Fatalf("bob's picture came %d of %d; want among the first two", indexOf(order, bobs)+1, len(order))
		}
	})
}

// ... and by the workers that make them right after the upload.
func TestPreviewWorkersTakeOwnersInTurns(t *testing.T) {
	eachEnv(t, options{imageMemory: 32 << 20}, func(t *testing.T, e *env) {
		budget := e.images
		ctx, cancel := context.WithCancel(context.Background())
		sched := jobs.New(logtest.New(t), nil)
		e.mod.Start(ctx, sched)
		t.Cleanup(func() { cancel(); e.mod.Wait(); sched.Wait() })

		// Hold the worker on alice's first picture while the rest arrive.
		hold, err := budget.Acquire(ctx, budget.Total())
		if err != nil {
			t.Fatal(err)
		}
		flood := []string{e.upload("alice", "a0.png", pngOf(t, halves(40, 30))).ID}
		waitFor(t, "the worker waits for the budget", func() bool { _, _, w := budget.Stats(); return w == 1 })
		for i := 1; i < 6; i++ {
			flood = append(flood, e.upload("alice", fmt.Sprintf("a%d.png", i), pngOf(t, halves(40, 30))).ID)
		}
		bobs := e.upload("bob", "b.png", pngOf(t, halves(40, 30))).ID
		hold()
		waitFor(t, "all previews are made", func() bool { return e.count("files", "preview_state = 'ready'") == 7 })
		// Alice's first (in progress when Bob's came), at most one more of
		// hers (queued before Bob's, in her turn), then Bob's.
		order := e.readyOrder()
		if indexOf(order, flood[0]) != 0 || indexOf(order, bobs) > 2 {
			t.Fatalf("bob's picture came %d of %d; want at most third: %v", indexOf(order, bobs)+1, len(order), order)
		}
	})
}

// waitFor polls cond (a bounded number of times) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 6000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("gave up waiting until %s", what)
}

// An upload whose client stops sending is ended after the idle timeout
// with a problem, and leaves nothing behind (issue 9, item 14: uploads had
// no body read deadline).
func TestStalledUploadIsEnded(t *testing.T) {
	eachEnv(t, options{conf: func(c *files.Config) { c.UploadIdleTimeout = time.Second }}, func(t *testing.T, e *env) {
		u, _ := url.Parse(e.url)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// Only a safety net against hanging forever; the server answers
		// after its 1s idle timeout.
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		req := "POST /api/v1/files?name=slow.bin HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: Bearer alice\r\nContent-Length: 100000\r\n\r\n"
		if _, err := io.WriteString(conn, req+strings.Repeat("x", 2000)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled upload: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 422 || !strings.Contains(string(body), `"upload_stalled"`) || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		e.nothingStored()
		// A client that keeps sending is not cut off by the idle timeout.
		e.upload("alice", "ok.bin", bytes.Repeat([]byte("y"), 100000))
	})
}
