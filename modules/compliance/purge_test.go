package compliance_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// stack is a test stack whose local file store the test can look into.
type stack struct {
	*apptest.Stack
	store blob.Store
}

// eachStack is apptest.Each, keeping the data dir to open the file store.
func eachStack(t *testing.T, fn func(t *testing.T, s stack)) {
	t.Helper()
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			url := ""
			if dialect == db.Postgres {
				url = dbtest.PostgresURL(t)
			}
			var dir string
			s := apptest.NewWith(t, url, func(c *app.Config) { dir = c.DataDir })
			st, err := blob.NewLocal(filepath.Join(dir, "files"), time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, stack{Stack: s, store: st})
		})
	}
}

// hasBlob reports whether the file's bytes are in the store.
func (s stack) hasBlob(t *testing.T, fileID string) bool {
	t.Helper()
	o, err := s.store.Open(context.Background(), "f/"+fileID)
	if errors.Is(err, blob.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	o.Close()
	return true
}

// count runs a COUNT(*) query.
func count(t *testing.T, s stack, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.App.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// The purge primitive removes a message and its file completely: text,
// versions, reactions, mentions, client ids, event log rows, the file's
// row and bytes, search entries and the journal's content; one tombstone
// names them; a held message and a held file stay whole; the journal
// still verifies and agrees with the tables.
func TestPurgeRemovesEverythingButWhatAHoldKeeps(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ctx := context.Background()
		ann, bob, comp := s.Person("ann"), s.Person("bob"), s.Person("comp", authn.RoleCompliance)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "einkauf", "member_ids": []string{bob.ID}}).JSON(t, &ch)
		base := "/api/v1/channels/" + ch.ID + "/messages"
		var annFile, bobFile files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=angebot.txt", []byte("Angebot zyxwpreis 990\n")).JSON(t, &annFile)
		bob.Must(http.StatusCreated, "POST", "/api/v1/files?name=notiz.txt", []byte("Bobs Notiz\n")).JSON(t, &bobFile)
		var gone, kept chat.Message
		ann.Must(http.StatusCreated, "POST", base, map[string]any{"text": "Erster Entwurf qqvertraulich @bob",
			"file_ids": []string{annFile.ID}, "client_id": "c-1"}).JSON(t, &gone)
		ann.Must(http.StatusOK, "PATCH", base+"/"+gone.ID, map[string]any{"text": "Zweiter Entwurf qqvertraulich @bob"})
		bob.Must(http.StatusOK, "POST", base+"/"+gone.ID+"/reactions", map[string]any{"emoji": "👀"})
		bob.Must(http.StatusCreated, "POST", base, map[string]any{"text": "Bob behält qqvertraulich", "file_ids": []string{bobFile.ID}}).JSON(t, &kept)
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "M-7", "custodian_ids": []string{bob.ID}})
		searchUntil(t, bob, "qqvertraulich", func(b string) bool { return strings.Contains(b, gone.ID) && strings.Contains(b, kept.ID) })

		var got compliance.Purged
		err := s.App.DB.WithTx(ctx, func(tx *db.Tx) error {
			var err error
			got, err = s.App.Compliance.PurgeContent(ctx, tx, compliance.Purge{Kind: record.RetentionPurged, Reason: "test",
				Messages: []string{gone.ID, kept.ID}, Files: []string{annFile.ID, bobFile.ID}, Meta: map[string]string{"policy": "p-1"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.Messages, " ") != gone.ID || strings.Join(got.Files, " ") != annFile.ID || len(got.Held) != 2 || got.Tombstone == 0 {
			t.Fatalf("purged: %+v", got)
		}

		// Gone from every table.
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM messages WHERE id = ?`:                     0,
			`SELECT COUNT(*) FROM message_versions WHERE message_id = ?`:     0,
			`SELECT COUNT(*) FROM reactions WHERE message_id = ?`:            0,
			`SELECT COUNT(*) FROM mentions WHERE message_id = ?`:             0,
			`SELECT COUNT(*) FROM message_client_ids WHERE message_id = ?`:   0,
			`SELECT COUNT(*) FROM file_shares WHERE message_id = ?`:          0,
			`SELECT COUNT(*) FROM events WHERE payload LIKE '%' || ? || '%'`: 0,
		} {
			if n := count(t, s, q, gone.ID); n != want {
				t.Errorf("%s: %d rows left", q, n)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM files WHERE id = ?`, annFile.ID); n != 0 {
			t.Errorf("the file row is left")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM events WHERE payload LIKE '%' || ? || '%'`, annFile.ID); n != 0 {
			t.Errorf("%d events about the file are left", n)
		}
		if s.hasBlob(t, annFile.ID) {
			t.Errorf("the purged file's bytes are still in the store")
		}
		ann.Must(http.StatusNotFound, "GET", "/api/v1/files/"+annFile.ID, nil)
		// The journal keeps the entries, not what they said.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: gone.ID})
		if err != nil || len(es) < 3 {
			t.Fatalf("journal of the purged message: %+v %v", es, err)
		}
		for _, e := range es {
			if !e.Purged || e.Content != nil {
				t.Errorf("entry %d (%s) still holds its content: %s", e.Seq, e.Kind, e.Content)
			}
		}
		ts, err := s.App.Journal.Entries(ctx, journal.Filter{After: got.Tombstone - 1, Limit: 1})
		if err != nil || len(ts) != 1 || ts[0].Kind != string(record.RetentionPurged) || ts[0].Meta[record.MetaPurgedMessages] != gone.ID ||
			ts[0].Meta[record.MetaPurgedFiles] != annFile.ID || ts[0].Meta["policy"] != "p-1" || ts[0].Meta[record.MetaPurgedSeqs] == "" {
			t.Errorf("tombstone: %+v %v", ts, err)
		}

		// What the hold covers is whole: bob's message, his file and its bytes.
		if n := count(t, s, `SELECT COUNT(*) FROM messages WHERE id = ?`, kept.ID); n != 1 {
			t.Errorf("the held message went")
		}
		if c, purged := content(t, s.Stack, kept.ID); purged || !strings.Contains(c, "Bob behält") {
			t.Errorf("the held message left the record: %v %q", purged, c)
		}
		if !s.hasBlob(t, bobFile.ID) {
			t.Errorf("the held file's bytes went")
		}

		// Search forgets the purged message; the held one stays findable.
		searchUntil(t, bob, "qqvertraulich", func(b string) bool { return !strings.Contains(b, gone.ID) && strings.Contains(b, kept.ID) })

		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
		recs, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || !recs.OK() {
			t.Errorf("records: %+v %v", recs, err)
		}
	})
}

// A legal hold keeps a file's bytes when its owner deletes it (before,
// the blob was removed at once): the file leaves every channel, but the
// record can still produce it. Without a hold the bytes go as before.
func TestAHeldFilesBytesSurviveItsDeletion(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ann, bob, comp := s.Person("ann"), s.Person("bob"), s.Person("comp", authn.RoleCompliance)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "recht", "member_ids": []string{bob.ID}}).JSON(t, &ch)
		var held, free files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=vertrag.txt", []byte("Vertrag\n")).JSON(t, &held)
		bob.Must(http.StatusCreated, "POST", "/api/v1/files?name=liste.txt", []byte("Liste\n")).JSON(t, &free)
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Vertrag", "file_ids": []string{held.ID}})
		bob.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Liste", "file_ids": []string{free.ID}})
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "M-8", "custodian_ids": []string{ann.ID}})

		ann.Must(http.StatusNoContent, "DELETE", "/api/v1/files/"+held.ID, nil)
		bob.Must(http.StatusNoContent, "DELETE", "/api/v1/files/"+free.ID, nil)
		if !s.hasBlob(t, held.ID) {
			t.Errorf("the held file's bytes went with its deletion")
		}
		if s.hasBlob(t, free.ID) {
			t.Errorf("an unheld deleted file's bytes stayed")
		}
		// The cleanup job does not take them either.
		if _, err := s.App.Files.Cleanup(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !s.hasBlob(t, held.ID) {
			t.Errorf("the cleanup job removed the held file's bytes")
		}
		bob.Must(http.StatusGone, "GET", "/api/v1/files/"+held.ID, nil)
	})
}
