package files_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Who may read a file, by every read path.
func TestReadAccessMatrix(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		for _, u := range []string{"alice", "bob", "dave"} {
			e.join(u, "team")
		}
		e.join("erin", "other")
		f := e.upload("alice", "plan.png", pngOf(t, halves(64, 64)))
		e.mustPost("alice", "team", f.ID)
		e.runPreviews()
		unshared := e.upload("alice", "draft.pdf", pdfBytes)
		e.leave("dave", "team") // was a member, is no longer

		paths := func(id string) []string {
			return []string{"/api/v1/files/" + id, "/api/v1/files/" + id + "/content", "/api/v1/files/" + id + "/thumbnail", "/api/v1/files/" + id + "/preview"}
		}
		for _, tc := range []struct {
			who    string
			file   string
			status int
		}{
			{"alice", f.ID, 200},            // owner
			{"bob", f.ID, 200},              // member of the channel
			{"dave", f.ID, 404},             // left the channel
			{"erin", f.ID, 404},             // member of another channel
			{"admin-ops", f.ID, 404},        // admins get no reading rights
			{"", f.ID, 401},                 // not signed in
			{"alice", unshared.ID, 200},     // owner of an unshared file
			{"bob", unshared.ID, 404},       // not shared with anyone
			{"admin-ops", unshared.ID, 404}, //
		} {
			for _, p := range paths(tc.file) {
				if tc.file == unshared.ID && tc.status == 200 && !strings.HasSuffix(p, tc.file) && !strings.HasSuffix(p, "content") {
					continue // a PDF has no thumbnail
				}
				r := e.get(tc.who, p, nil)
				if r.Status != tc.status {
					t.Errorf("%q GET %s: %d %s, want %d", tc.who, p, r.Status, r.Body, tc.status)
				}
			}
		}
	})
}

func TestAttachRules(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		mine := e.upload("alice", "a.pdf", pdfBytes)
		theirs := e.upload("bob", "b.pdf", pdfBytes)
		gone := e.upload("alice", "gone.pdf", pdfBytes)
		e.client("alice").Must(http.StatusNoContent, http.MethodDelete, "/api/v1/files/"+gone.ID, nil)
		var eleven []string
		for range 11 {
			eleven = append(eleven, e.upload("alice", "x.pdf", pdfBytes).ID)
		}
		for _, tc := range []struct {
			name  string
			files []string
			code  apperr.Code
		}{
			{"someone else's file", []string{mine.ID, theirs.ID}, "file_not_attachable"},
			{"unknown id", []string{ids.New()}, "file_not_attachable"},
			{"malformed id", []string{"../x"}, "file_not_attachable"},
			{"deleted file", []string{gone.ID}, "file_not_attachable"},
			{"the same file twice", []string{mine.ID, mine.ID}, "duplicate_file"},
			{"eleven files", eleven, "too_many_files"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := len(e.journal())
				_, _, err := e.post("alice", "c", tc.files...)
				var ae *apperr.Error
				if !errors.As(err, &ae) || !errors.Is(err, apperr.ErrInvalid) || ae.Code != tc.code {
					t.Fatalf("attach: %v, want invalid %s", err, tc.code)
				}
				if n := e.count("file_shares", ""); n != 0 {
					t.Fatalf("%d shares after a refused attach", n)
				}
				if len(e.journal()) != before {
					t.Fatal("journal entry for a refused attach")
				}
			})
		}
		// Ten files are fine, and the owner may share one file again elsewhere.
		if _, atts, err := e.post("alice", "c", eleven[:10]...); err != nil || len(atts) != 10 {
			t.Fatalf("ten files: %v", err)
		}
		if _, _, err := e.post("alice", "other", eleven[0]); err != nil {
			t.Fatalf("sharing again in another channel: %v", err)
		}
		// No files: an empty array.
		if _, atts, err := e.post("alice", "c"); err != nil || atts == nil || len(atts) != 0 {
			t.Fatalf("no files: %v %v", atts, err)
		}
	})
}

// Attach runs in chat's transaction: if the message is not posted in the
// end, the share and its journal entry are not there either.
func TestAttachRollsBackWithTheMessage(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("bob", "c")
		f := e.upload("alice", "a.pdf", pdfBytes)
		boom := errors.New("message insert failed")
		err := e.db.WithTx(context.Background(), func(tx *db.Tx) error {
			if _, err := e.mod.Attach(context.Background(), tx, "alice", "c", ids.New(), []string{f.ID}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := e.count("file_shares", ""); n != 0 || len(e.journal()) != 0 {
			t.Fatalf("shares %d, journal %v after rollback", n, e.journal())
		}
		if r := e.do("bob", http.MethodGet, f.URL, nil, 0, nil); r.Status != 404 {
			t.Fatalf("bob reads a file of a message that was never posted: %d", r.Status)
		}
	})
}

func TestDetachWhenTheMessageIsDeleted(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("alice", "c")
		e.join("bob", "c")
		f := e.upload("alice", "a.pdf", pdfBytes)
		msg := e.mustPost("alice", "c", f.ID)
		keep := e.mustPost("alice", "c", e.upload("alice", "b.pdf", pdfBytes).ID)
		if r := e.get("bob", f.URL, nil); r.Status != 200 {
			t.Fatalf("before: %d", r.Status)
		}
		err := e.db.WithTx(context.Background(), func(tx *db.Tx) error { return e.mod.Detach(context.Background(), tx, msg) })
		if err != nil {
			t.Fatal(err)
		}
		if r := e.get("bob", f.URL, nil); r.Status != 404 {
			t.Fatalf("bob after the message was deleted: %d", r.Status)
		}
		if r := e.get("alice", f.URL, nil); r.Status != 200 {
			t.Fatalf("the owner keeps the file: %d", r.Status)
		}
		var list struct{ Items []files.SharedFile }
		e.client("bob").Must(200, http.MethodGet, "/api/v1/channels/c/files", nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].MessageID != keep {
			t.Fatalf("channel files after detach: %+v", list.Items)
		}
	})
}

func TestChannelFilesList(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		e.join("alice", "c")
		e.join("bob", "c")
		var want []string
		for i := range 7 {
			f := e.upload("alice", fmt.Sprintf("doc-%d.pdf", i), pdfBytes)
			e.mustPost("alice", "c", f.ID)
			e.clock.Advance(time.Second)
			want = append([]string{f.Name}, want...) // newest first
		}
		other := e.upload("alice", "elsewhere.pdf", pdfBytes)
		e.mustPost("alice", "d", other.ID)
		deleted := e.upload("alice", "deleted.pdf", pdfBytes)
		e.mustPost("alice", "c", deleted.ID)
		e.client("alice").Must(http.StatusNoContent, http.MethodDelete, "/api/v1/files/"+deleted.ID, nil)

		var got []string
		before := ""
		for page := 0; ; page++ {
			var out struct {
				Items []files.SharedFile
				Next  string
			}
			e.client("bob").Must(200, http.MethodGet, "/api/v1/channels/c/files?limit=3&before="+before, nil).JSON(t, &out)
			for _, it := range out.Items {
				if it.SharedBy != "alice" || it.OwnerID != "alice" || it.Size != int64(len(pdfBytes)) || it.ContentType != "application/pdf" || it.SharedAt.IsZero() {
					t.Fatalf("entry %+v", it)
				}
				got = append(got, it.Name)
			}
			if out.Next == "" {
				break
			}
			if page > 5 {
				t.Fatal("pagination does not end")
			}
			before = out.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("files %v, want %v", got, want)
		}
		if r := e.do("carol", http.MethodGet, "/api/v1/channels/c/files", nil, 0, nil); r.Status != 404 || r.problem().Code != "channel_not_found" {
			t.Fatalf("non-member: %d %s", r.Status, r.Body)
		}
	})
}

func TestDeleteFile(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		for _, u := range []string{"alice", "bob"} {
			e.join(u, "c1")
			e.join(u, "c2")
		}
		data := pngOf(t, halves(40, 40))
		f := e.upload("alice", "p.png", data)
		m1 := e.mustPost("alice", "c1", f.ID)
		m2 := e.mustPost("alice", "c2", f.ID)
		e.runPreviews()
		if n := len(e.stored("")); n != 3 {
			t.Fatalf("%d blobs before deleting", n)
		}

		if r := e.do("bob", http.MethodDelete, "/api/v1/files/"+f.ID, nil, 0, nil); r.Status != 403 || r.problem().Code != "not_file_owner" {
			t.Fatalf("a member deleting alice's file: %d %s", r.Status, r.Body)
		}
		if r := e.do("carol", http.MethodDelete, "/api/v1/files/"+f.ID, nil, 0, nil); r.Status != 404 {
			t.Fatalf("a stranger deleting alice's file: %d", r.Status)
		}
		journalBefore := len(e.journal())
		e.client("alice").Must(http.StatusNoContent, http.MethodDelete, "/api/v1/files/"+f.ID, nil)

		if keys := e.stored(""); len(keys) != 0 {
			t.Fatalf("blobs after delete: %v", keys)
		}
		if n := e.count("file_blob_trash", ""); n != 0 {
			t.Fatalf("%d trash rows after a delete that could remove its blobs", n)
		}
		for _, p := range []string{f.URL, "/api/v1/files/" + f.ID, "/api/v1/files/" + f.ID + "/thumbnail"} {
			if r := e.do("bob", http.MethodGet, p, nil, 0, nil); r.Status != http.StatusGone {
				t.Errorf("bob GET %s after delete: %d", p, r.Status)
			}
		}
		if r := e.do("carol", http.MethodGet, f.URL, nil, 0, nil); r.Status != 404 {
			t.Errorf("carol learns of a deleted file: %d", r.Status)
		}
		if r := e.do("alice", http.MethodDelete, "/api/v1/files/"+f.ID, nil, 0, nil); r.Status != http.StatusGone {
			t.Errorf("second delete: %d", r.Status)
		}
		j := e.journal()[journalBefore:]
		if len(j) != 2 || j[0].Kind != "file.deleted" || j[0].Channel != "c1" || j[1].Channel != "c2" || j[0].Meta["sha256"] != sha(data) || j[0].Actor != "alice" {
			t.Fatalf("journal: %+v", j)
		}
		ev := e.eventsOf("file.deleted")
		if len(ev) != 2 || !strings.Contains(string(ev[0].Payload), m1) || !strings.Contains(string(ev[1].Payload), m2) {
			t.Fatalf("events: %+v", ev)
		}
		var u files.StorageUsage
		e.client("alice").Must(200, http.MethodGet, "/api/v1/files/usage", nil).JSON(t, &u)
		if u.Files != 0 || u.Bytes != 0 {
			t.Fatalf("usage after delete: %+v", u)
		}
		var mine struct{ Items []files.File }
		e.client("alice").Must(200, http.MethodGet, "/api/v1/files", nil).JSON(t, &mine)
		if len(mine.Items) != 0 {
			t.Fatalf("deleted file still listed: %+v", mine.Items)
		}
	})
}

func TestAdminDeletesSomeonesFile(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		f := e.upload("alice", "leak.pdf", pdfBytes)
		e.client("admin-ops").Must(http.StatusNoContent, http.MethodDelete, "/api/v1/files/"+f.ID, nil)
		j := e.journal()
		// The deletion, and its audit entry (every audit entry is on the
		// journal too).
		if len(j) != 2 || j[0].Kind != "file.deleted" || j[0].Actor != "admin-ops" || j[0].Channel != "" || j[0].Meta["sha256"] != sha(pdfBytes) || j[0].Meta["owner_id"] != "alice" ||
			j[1].Kind != "audit.recorded" || j[1].Meta["action"] != "file.delete" || j[1].Meta["target_id"] != f.ID {
			t.Fatalf("journal: %+v", j)
		}
		entries, err := audit.List(context.Background(), e.db, audit.Filter{Action: "file.delete"})
		if err != nil || len(entries) != 1 || entries[0].TargetID != f.ID || entries[0].ActorID != "admin-ops" {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		if keys := e.stored(""); len(keys) != 0 || e.count("file_usage", "bytes <> 0") != 0 {
			t.Fatalf("after delete: blobs %v, usage rows %d", keys, e.count("file_usage", "bytes <> 0"))
		}
	})
}

func TestMyFiles(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		var want []string
		for i := range 5 {
			want = append([]string{e.upload("alice", fmt.Sprintf("%d.pdf", i), pdfBytes).ID}, want...)
			e.clock.Advance(time.Second)
		}
		e.upload("bob", "bobs.pdf", pdfBytes)
		var got []string
		before := ""
		for {
			var out struct {
				Items []files.File
				Next  string
			}
			e.client("alice").Must(200, http.MethodGet, "/api/v1/files?limit=2&before="+before, nil).JSON(t, &out)
			for _, f := range out.Items {
				got = append(got, f.ID)
			}
			if before = out.Next; before == "" {
				break
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("my files %v, want %v", got, want)
		}
	})
}

// The message metadata Attach returns is what clients show.
func TestAttachmentJSON(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		f := e.upload("alice", "a.pdf", pdfBytes)
		var raw json.RawMessage
		err := e.db.WithTx(context.Background(), func(tx *db.Tx) error {
			var err error
			raw, err = e.mod.Attach(context.Background(), tx, "alice", "c", ids.New(), []string{f.ID})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []map[string]any
		_ = json.Unmarshal(raw, &got)
		want := []string{"id", "name", "content_type", "size", "sha256", "width", "height", "duration_ms", "voice", "thumbnail_url", "preview_url", "url"}
		if len(got) != 1 || len(got[0]) != len(want) {
			t.Fatalf("attachment JSON %s", raw)
		}
		for _, k := range want {
			if _, ok := got[0][k]; !ok {
				t.Errorf("attachment JSON lacks %q: %s", k, raw)
			}
		}
	})
}
