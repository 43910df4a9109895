package files_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, h/2, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The whole stack: a photo and a PDF shared in a channel reach the other
// member live with their metadata and a thumbnail, and nobody else can
// fetch them by any path.
func TestSharingThroughChatEndToEnd(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, eve := s.Person("ann"), s.Person("bob"), s.Person("eve")
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "fotos", "private": true, "member_ids": []string{bob.ID}}).JSON(t, &ch)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ws, err := rtclient.Dial(ctx, bob.Base(), bob.Header(), rtclient.Fresh)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()

		photo := pngImage(t, 640, 480)
		var pf, df files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=Ausflug.png", photo).JSON(t, &pf)
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=Bericht.pdf", []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")).JSON(t, &df)
		var msg chat.Message
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages",
			map[string]any{"text": "Fotos vom Ausflug", "file_ids": []string{pf.ID, df.ID}}).JSON(t, &msg)
		if len(msg.Attachments) != 2 || msg.Attachments[0].SHA256 != pf.SHA256 || msg.Attachments[1].ContentType != "application/pdf" {
			t.Fatalf("attachments: %+v", msg.Attachments)
		}
		// Live: the message with its files, then the thumbnail when it is
		// made. The preview worker may finish before the message is
		// posted; then the message itself carries the thumbnail and the
		// channel gets no file.updated (the file was not shared yet).
		f, err := ws.NextOf(ctx, "message.created")
		if err != nil {
			t.Fatal(err)
		}
		var live chat.Message
		json.Unmarshal(f.Payload, &live)
		if len(live.Attachments) != 2 || live.Attachments[0].Name != "Ausflug.png" {
			t.Fatalf("live message: %s", f.Payload)
		}
		if a := live.Attachments[0]; a.ThumbnailURL == "" {
			f, err = ws.NextOf(ctx, "file.updated")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(f.Payload), "/thumbnail") || !strings.Contains(string(f.Payload), `"width":640`) {
				t.Fatalf("file.updated: %s", f.Payload)
			}
		} else if !strings.Contains(a.ThumbnailURL, "/thumbnail") || a.Width != 640 {
			t.Fatalf("live attachment with its preview: %+v", a)
		}
		// Bob downloads both; the thumbnail is an image.
		for _, p := range []string{"/api/v1/files/" + pf.ID + "/content", "/api/v1/files/" + df.ID + "/content", "/api/v1/files/" + pf.ID + "/thumbnail"} {
			r := bob.Do("GET", p, nil)
			if r.Status != 200 || len(r.Body) == 0 {
				t.Fatalf("bob GET %s: %d", p, r.Status)
			}
		}
		if r := bob.Do("GET", "/api/v1/files/"+df.ID+"/content", nil); !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("a PDF is served inline: %q", r.Header.Get("Content-Disposition"))
		}
		// Eve, and bob once removed, get nothing by any path.
		paths := []string{"/api/v1/files/" + pf.ID, "/api/v1/files/" + pf.ID + "/content", "/api/v1/files/" + pf.ID + "/thumbnail",
			"/api/v1/files/" + df.ID + "/content", "/api/v1/channels/" + ch.ID + "/files"}
		ann.Must(204, "DELETE", "/api/v1/channels/"+ch.ID+"/members/"+bob.ID, nil)
		for _, who := range []*apptest.Person{eve, bob} {
			for _, p := range paths {
				if r := who.Do("GET", p, nil); r.Status != 404 {
					t.Errorf("%s GET %s: %d", who.Username, p, r.Status)
				}
			}
		}
		// The record proves which file was shared.
		es, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: pf.ID})
		if err != nil || len(es) == 0 || es[0].Kind != "file.attached" || es[0].Meta["sha256"] != pf.SHA256 {
			t.Fatalf("journal for the photo: %+v %v", es, err)
		}
		rep, err := s.App.Journal.Verify(context.Background(), nil)
		if err != nil || !rep.OK() {
			t.Fatalf("journal: %+v %v", rep, err)
		}
	})
}
