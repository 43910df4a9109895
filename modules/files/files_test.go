package files_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// A person shares a photo and a PDF in a channel; the other members see
// them with thumbnails and download them; a non-member cannot.
func TestShareAPhotoAndAPDF(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("alice", "general")
		e.join("bob", "general")
		photo := jpegWithOrientation(t, halves(900, 600), 1)
		pf := e.upload("alice", "Betriebsausflug.jpg", photo)
		df := e.upload("alice", "Quartalsbericht Q3.pdf", pdfBytes)

		if pf.ContentType != "image/jpeg" || pf.Size != int64(len(photo)) || pf.SHA256 != sha(photo) || pf.PreviewState != "pending" {
			t.Fatalf("photo metadata: %+v", pf)
		}
		if df.ContentType != "application/pdf" || df.SHA256 != sha(pdfBytes) || df.Name != "Quartalsbericht Q3.pdf" || df.PreviewState != "none" {
			t.Fatalf("pdf metadata: %+v", df)
		}
		msg, atts, err := e.post("alice", "general", pf.ID, df.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) != 2 || atts[0].ID != pf.ID || atts[1].ID != df.ID || atts[1].URL != "/api/v1/files/"+df.ID+"/content" {
			t.Fatalf("attachments for the message: %+v", atts)
		}

		// The preview is made in the background; members learn of it by an event.
		e.runPreviews()
		ev := e.eventsOf("file.updated")
		if len(ev) != 2 || ev[0].ChannelID != "general" || ev[1].UserID != "alice" {
			t.Fatalf("file.updated events: %+v", ev)
		}
		var payload struct {
			File       files.Attachment `json:"file"`
			MessageIDs []string         `json:"message_ids"`
		}
		_ = json.Unmarshal(ev[0].Payload, &payload)
		if payload.File.ThumbnailURL == "" || payload.File.Width != 900 || payload.File.Height != 600 || len(payload.MessageIDs) != 1 || payload.MessageIDs[0] != msg {
			t.Fatalf("file.updated payload: %s", ev[0].Payload)
		}

		// Bob, a member, sees the thumbnail inline and downloads the PDF.
		got := e.getFile("bob", pf.ID)
		if got.PreviewState != "ready" || got.ThumbnailURL != "/api/v1/files/"+pf.ID+"/thumbnail" {
			t.Fatalf("photo after preview: %+v", got)
		}
		th := e.get("bob", got.ThumbnailURL, nil)
		if th.Status != 200 || th.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(th.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("thumbnail: %d %v", th.Status, th.Header)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(th.Body))
		if err != nil || cfg.Width != 400 || cfg.Height != 266 {
			t.Fatalf("thumbnail is %dx%d (%v), want 400x266", cfg.Width, cfg.Height, err)
		}
		pv := e.get("bob", got.PreviewURL, nil)
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(pv.Body)); err != nil || cfg.Width != 900 {
			t.Fatalf("preview of a 900 px photo: %d %v %v (never upscaled)", pv.Status, cfg, err)
		}
		photoResp := e.get("bob", pf.URL, nil)
		if photoResp.Status != 200 || !bytes.Equal(photoResp.Body, photo) || !strings.HasPrefix(photoResp.Header.Get("Content-Disposition"), "inline") {
			t.Fatalf("photo download: %d %v", photoResp.Status, photoResp.Header)
		}
		pdf := e.get("bob", df.URL, nil)
		if pdf.Status != 200 || !bytes.Equal(pdf.Body, pdfBytes) {
			t.Fatalf("pdf download: %d %s", pdf.Status, pdf.Body)
		}
		if cd := pdf.Header.Get("Content-Disposition"); cd != `attachment; filename="Quartalsbericht Q3.pdf"` || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("pdf served as %q / %q", pdf.Header.Get("Content-Type"), cd)
		}
		if dl := e.get("bob", pf.URL+"?download=true", nil); !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("photo with download=true: %v", dl.Header)
		}

		// Carol is not in the channel: by no path.
		for _, p := range []string{"/api/v1/files/" + pf.ID, pf.URL, got.ThumbnailURL, got.PreviewURL, df.URL, "/api/v1/channels/general/files"} {
			r := e.do("carol", http.MethodGet, p, nil, 0, nil)
			if r.Status != http.StatusNotFound {
				t.Errorf("carol GET %s: %d %s, want 404", p, r.Status, r.Body)
			}
		}

		// The journal has both attachments with their hashes.
		j := e.journal()
		if len(j) != 2 || j[0].Kind != "file.attached" || j[0].Channel != "general" || j[0].Subject != pf.ID ||
			j[0].Meta["sha256"] != sha(photo) || j[0].Meta["size"] != fmt.Sprint(len(photo)) || j[0].Meta["name"] != "Betriebsausflug.jpg" || j[0].Meta["message_id"] != msg ||
			j[1].Meta["sha256"] != sha(pdfBytes) {
			t.Fatalf("journal: %+v", j)
		}
	})
}

func TestFileResponsesAreSafe(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("alice", "c")
		e.join("bob", "c")
		// Bytes that a browser would run as a page, under a name that
		// claims an image.
		f := e.upload("alice", "cute-cat.png", htmlBytes)
		if f.ContentType != "text/html; charset=utf-8" || f.PreviewState != "none" || f.Name != "cute-cat.png" {
			t.Fatalf("HTML called .png: %+v", f)
		}
		e.mustPost("alice", "c", f.ID)
		e.runPreviews()
		r := e.get("bob", f.URL, nil)
		if r.Status != 200 || r.Header.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("HTML file served as %q, %q", r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		if th := e.do("bob", http.MethodGet, "/api/v1/files/"+f.ID+"/thumbnail", nil, 0, nil); th.Status != 404 || th.problem().Code != "no_preview" {
			t.Fatalf("thumbnail of HTML: %d %s", th.Status, th.Body)
		}
		// What Kontor itself answers carries the sandbox and nosniff.
		direct := e.do("bob", http.MethodGet, f.URL, nil, 0, nil)
		if direct.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(direct.Header.Get("Content-Security-Policy"), "sandbox") ||
			!strings.Contains(direct.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("file response headers: %v", direct.Header)
		}
	})
}

func TestRangeRequests(t *testing.T) {
	eachEnv(t, options{conf: func(c *files.Config) { c.S3Redirect = false }}, func(t *testing.T, e *env) {
		data := bytes.Repeat([]byte("0123456789"), 30000)
		f := e.upload("alice", "numbers.txt", data)
		r := e.get("alice", f.URL, http.Header{"Range": {"bytes=100-109"}})
		if r.Status != http.StatusPartialContent || string(r.Body) != "0123456789" || r.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-109/%d", len(data)) {
			t.Fatalf("range: %d %q %v", r.Status, r.Body, r.Header)
		}
		r = e.get("alice", f.URL, http.Header{"Range": {"bytes=-5"}})
		if r.Status != http.StatusPartialContent || string(r.Body) != "56789" {
			t.Fatalf("suffix range: %d %q", r.Status, r.Body)
		}
		etag := e.get("alice", f.URL, nil).Header.Get("ETag")
		if etag != `"`+sha(data)+`"` {
			t.Fatalf("ETag %q", etag)
		}
		if r := e.get("alice", f.URL, http.Header{"If-None-Match": {etag}}); r.Status != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", r.Status)
		}
		// A range that cannot be served is a problem like every other error
		// (issue 9, item 20: it was text/plain).
		for _, rng := range []string{"bytes=9999999-", "bytes=50-10", "bytes=abc", "lines=1-2,bytes=x"} {
			r := e.get("alice", f.URL, http.Header{"Range": {rng}})
			if r.Status != http.StatusRequestedRangeNotSatisfiable || r.Header.Get("Content-Type") != "application/problem+json" ||
				r.problem().Code != "range_not_satisfiable" || r.problem().Status != 416 {
				t.Fatalf("range %q: %d %s %s", rng, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if got := r.Header.Get("Content-Range"); rng == "bytes=9999999-" && got != fmt.Sprintf("bytes */%d", len(data)) {
				t.Fatalf("range %q: Content-Range %q", rng, got)
			}
		}
		if r := e.get("alice", f.URL, http.Header{"If-Match": {`"not-the-etag"`}}); r.Status != http.StatusPreconditionFailed ||
			r.problem().Code != "precondition_failed" {
			t.Fatalf("If-Match: %d %s", r.Status, r.Body)
		}
	})
}

func TestBadUploads(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		limit := e.cfg.MaxUpload
		for _, tc := range []struct {
			name    string
			file    string
			data    []byte
			q       url.Values
			chunked bool
			status  int
			code    string
		}{
			{"over the limit, length announced", "big.bin", make([]byte, limit+1), nil, false, 413, "file_too_large"},
			{"over the limit, streamed", "big.bin", make([]byte, limit+1), nil, true, 413, "file_too_large"},
			{"far over the limit, streamed", "big.bin", make([]byte, 3*limit), nil, true, 413, "file_too_large"},
			{"zero bytes", "empty.txt", nil, nil, false, 422, "empty_file"},
			{"zero bytes, streamed", "empty.txt", nil, nil, true, 422, "empty_file"},
			{"name of 5000 bytes", strings.Repeat("x", 5000) + ".pdf", pdfBytes, nil, false, 422, ""},
			{"voice without duration", "v.ogg", oggBytes, url.Values{"voice": {"true"}}, false, 422, ""},
			{"voice that is not audio", "v.ogg", pdfBytes, url.Values{"voice": {"true"}, "duration_ms": {"3000"}}, false, 422, "not_audio"},
			{"duration without voice", "v.ogg", oggBytes, url.Values{"duration_ms": {"3000"}}, false, 422, ""},
			{"voice longer than an hour", "v.ogg", oggBytes, url.Values{"voice": {"true"}, "duration_ms": {"3600001"}}, false, 422, ""},
			{"not signed in", "x.pdf", pdfBytes, nil, false, 401, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				user := "alice"
				if tc.status == 401 {
					user = ""
				}
				r := e.uploadRaw(user, tc.file, tc.data, tc.q, tc.chunked)
				if r.Status != tc.status || tc.code != "" && r.problem().Code != tc.code {
					t.Fatalf("status %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
				}
				if r.problem().Detail == "" {
					t.Fatalf("no explanation in %s", r.Body)
				}
				e.nothingStored()
			})
		}
	})
}

func TestExactlyAtTheLimit(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		data := bytes.Repeat([]byte{7}, int(e.cfg.MaxUpload))
		for _, chunked := range []bool{false, true} {
			r := e.uploadRaw("alice", "limit.bin", data, nil, chunked)
			if r.Status != http.StatusCreated {
				t.Fatalf("a file of exactly the limit (chunked=%v): %d %s", chunked, r.Status, r.Body)
			}
		}
		var n int64
		for k, size := range e.stored("f/") {
			if size != e.cfg.MaxUpload {
				t.Fatalf("%s is %d bytes", k, size)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("%d blobs stored, want 2", n)
		}
	})
}

func TestNamesAreSanitised(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("alice", "c")
		e.join("bob", "c")
		long := strings.Repeat("Ä", 500) + ".pdf"
		// A NUL or bytes that are not UTF-8 are no name at all: the
		// address is refused before anything is stored.
		for _, bad := range []string{"bad\x00name.pdf", "bad\xffname.pdf"} {
			if r := e.uploadRaw("alice", bad, pdfBytes, nil, false); r.Status != http.StatusBadRequest {
				t.Errorf("upload named %q: %d, want 400", bad, r.Status)
			}
		}
		for _, tc := range []struct{ raw, want string }{
			{"../../etc/passwd", "passwd"},
			{`..\..\Windows\system32\config`, "config"},
			{"CON", "_CON"},
			{"con.txt", "_con.txt"},
			{"bad\x01name\x07.pdf", "badname.pdf"},
			{"two\nlines.pdf", "two lines.pdf"},
			{"invoice\u202Efdp.exe", "invoicefdp.exe"},
			{"", "file"},
			{"...", "file"},
			{long, strings.Repeat("Ä", 125) + ".pdf"},
		} {
			f := e.upload("alice", tc.raw, pdfBytes)
			if f.Name != tc.want {
				t.Errorf("name %q stored as %q, want %q", tc.raw, f.Name, tc.want)
			}
			if len(f.Name) > 255 {
				t.Errorf("name of %d bytes", len(f.Name))
			}
			e.mustPost("alice", "c", f.ID)
			cd := e.get("bob", f.URL, nil).Header.Get("Content-Disposition")
			if strings.ContainsAny(cd, "\x00\n\r/\\") || strings.Contains(cd, "..") {
				t.Errorf("Content-Disposition %q for %q", cd, tc.raw)
			}
		}
		// Keys are ours, never the user's names.
		for k := range e.stored("") {
			if strings.Contains(k, "passwd") || strings.Contains(k, "CON") {
				t.Errorf("blob key %q made from a user's name", k)
			}
		}
	})
}

func TestNonASCIINameDownload(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		f := e.upload("alice", "Größenübersicht 报告.pdf", pdfBytes)
		cd := e.get("alice", f.URL, nil).Header.Get("Content-Disposition")
		if cd != `attachment; filename="Gr__en_bersicht __.pdf"; filename*=utf-8''Gr%C3%B6%C3%9Fen%C3%BCbersicht%20%E6%8A%A5%E5%91%8A.pdf` {
			t.Fatalf("Content-Disposition %q", cd)
		}
	})
}

func TestVoiceMessages(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("bob", "dm")
		for _, tc := range []struct {
			name, file string
			data       []byte
			want       string
		}{
			{"ogg opus", "voice.ogg", oggBytes, "audio/ogg"},
			{"webm from chromium", "voice.webm", webmBytes, "audio/webm"},
		} {
			r := e.uploadRaw("alice", tc.file, tc.data, url.Values{"voice": {"true"}, "duration_ms": {"4200"}}, false)
			if r.Status != 201 {
				t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
			}
			var f files.File
			_ = json.Unmarshal(r.Body, &f)
			if !f.Voice || f.DurationMS != 4200 || f.ContentType != tc.want || f.PreviewState != "none" {
				t.Fatalf("%s: %+v", tc.name, f)
			}
			_, atts, err := e.post("alice", "dm", f.ID)
			if err != nil || !atts[0].Voice || atts[0].DurationMS != 4200 {
				t.Fatalf("%s attached: %+v %v", tc.name, atts, err)
			}
			if got := e.get("bob", f.URL, nil); got.Header.Get("Content-Type") != tc.want || !bytes.Equal(got.Body, tc.data) {
				t.Fatalf("%s served as %q", tc.name, got.Header.Get("Content-Type"))
			}
		}
	})
}

// An upload whose client goes away halfway leaves nothing behind.
func TestInterruptedUpload(t *testing.T) {
	eachEnv(t, options{conf: func(c *files.Config) { c.MaxUpload = 32 << 20 }}, func(t *testing.T, e *env) {
		for _, size := range []int64{-1, 20 << 20} {
			body := &brokenBody{left: 12 << 20}
			_, err := e.mod.Upload(asUser("alice"), files.UploadRequest{Name: "video.mp4", Size: size, Body: body})
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != "upload_interrupted" {
				t.Fatalf("size %d: %v, want upload_interrupted", size, err)
			}
			e.nothingStored()
		}
	})
}

// The same over the wire: the client sends part of the body and closes
// its side of the connection; the answer still arrives on the other side,
// and by then nothing is left behind.
func TestInterruptedUploadOverHTTP(t *testing.T) {
	eachEnv(t, options{conf: func(c *files.Config) { c.MaxUpload = 32 << 20 }}, func(t *testing.T, e *env) {
		part := bytes.Repeat([]byte("0123456789abcdef"), 400000) // 6.4 MB, more than an S3 part
		for _, tc := range []struct{ name, header, body string }{
			{"length announced", "Content-Length: 20000000\r\n", string(part)},
			{"chunked", "Transfer-Encoding: chunked\r\n", fmt.Sprintf("%x\r\n%s\r\n", len(part), part)},
			// Cut before the 512 bytes that decide the type (issue 9, item 13: this answered 500).
			{"length announced, cut in the first 512 bytes", "Content-Length: 20000000\r\n", "%PDF-1.4 and then nothing"},
			{"chunked, cut in the first 512 bytes", "Transfer-Encoding: chunked\r\n", "10\r\n0123456789abcdef\r\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				u, _ := url.Parse(e.url)
				conn, err := net.Dial("tcp", u.Host)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				req := "POST /api/v1/files?name=cut.bin HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: Bearer alice\r\n" + tc.header + "\r\n" + tc.body
				if _, err := io.WriteString(conn, req); err != nil {
					t.Fatal(err)
				}
				_ = conn.(*net.TCPConn).CloseWrite()
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 422 || !strings.Contains(string(body), "upload_interrupted") {
					t.Fatalf("%d %s", resp.StatusCode, body)
				}
				e.nothingStored()
			})
		}
	})
}

type brokenBody struct{ left int }

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	n := min(len(p), b.left)
	for i := range p[:n] {
		p[i] = byte(i)
	}
	b.left -= n
	return n, nil
}

func TestUnknownAndGuessedIDs(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		f := e.upload("alice", "a.pdf", pdfBytes)
		guessed := ids.New()
		for _, id := range []string{guessed, "not-an-id", strings.ToUpper(f.ID), f.ID[:25] + "0", "..%2F..%2Fetc%2Fpasswd"} {
			for _, suffix := range []string{"", "/content", "/thumbnail", "/preview"} {
				r := e.do("bob", http.MethodGet, "/api/v1/files/"+id+suffix, nil, 0, nil)
				if r.Status != 404 && r.Status != 422 {
					t.Errorf("GET %s%s: %d", id, suffix, r.Status)
				}
			}
			if r := e.do("bob", http.MethodDelete, "/api/v1/files/"+id, nil, 0, nil); r.Status != 404 && r.Status != 422 {
				t.Errorf("DELETE %s: %d", id, r.Status)
			}
		}
		// A file that exists but is not shared with bob looks exactly like one that does not.
		mine := e.do("bob", http.MethodGet, "/api/v1/files/"+f.ID, nil, 0, nil)
		none := e.do("bob", http.MethodGet, "/api/v1/files/"+guessed, nil, 0, nil)
		if mine.Status != 404 || mine.problem().Detail != none.problem().Detail || mine.problem().Code != none.problem().Code {
			t.Fatalf("existing unshared: %s; unknown: %s", mine.Body, none.Body)
		}
	})
}

func asUser(id string) context.Context {
	return userContext(context.Background(), id)
}

// The streaming upload is outside huma's body handling, but documented
// in the OpenAPI document like every other operation.
func TestOpenAPIDocumentsTheStreamingOperations(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t), "local", options{})
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			RequestBody struct {
				Content map[string]json.RawMessage
			} `json:"requestBody"`
			Responses map[string]json.RawMessage
		}
	}
	e.client("").Must(200, http.MethodGet, "/api/openapi.json", nil).JSON(t, &doc)
	up := doc.Paths["/api/v1/files"]["post"]
	if up.OperationID != "files-upload" || up.RequestBody.Content["application/octet-stream"] == nil || up.Responses["201"] == nil {
		t.Fatalf("upload operation: %+v", up)
	}
	for _, p := range []string{"/api/v1/files/{id}/content", "/api/v1/files/{id}/thumbnail", "/api/v1/files/{id}/preview"} {
		op := doc.Paths[p]["get"]
		if op.Responses["200"] == nil || op.Responses["302"] == nil || op.Responses["default"] == nil {
			t.Errorf("%s responses: %v", p, op.Responses)
		}
	}
	for _, p := range []string{"/api/v1/channels/{id}/files", "/api/v1/admin/files/usage", "/api/v1/files/usage"} {
		if doc.Paths[p]["get"].OperationID == "" {
			t.Errorf("%s is not documented", p)
		}
	}
}
