package files_test

import (
	"context"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// PurgeFiles (retention, erasure) removes a file for good from both
// stores: its row, shares, usage, events, and its original, thumbnail
// and preview blobs; another file stays whole.
func TestPurgeFilesRemovesRowsAndEveryBlob(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.join("ann", "c")
		gone := e.upload("ann", "bild.png", pngOf(t, halves(64, 64)))
		kept := e.upload("ann", "notiz.txt", []byte("bleibt\n"))
		e.runPreviews()
		e.mustPost("ann", "c", gone.ID, kept.ID)
		if keys := e.stored(""); len(keys) != 4 {
			t.Fatalf("before: %v (want the image, its thumbnail and preview, and the note)", keys)
		}
		err := e.db.WithTx(ctx, func(tx *db.Tx) error { return e.mod.PurgeFiles(ctx, tx, []string{gone.ID}) })
		if err != nil {
			t.Fatal(err)
		}
		keys := e.stored("")
		if len(keys) != 1 {
			t.Errorf("after: %v, want only the note's blob", keys)
		}
		for k := range keys {
			if k != "f/"+kept.ID {
				t.Errorf("blob %s left behind", k)
			}
		}
		for table, where := range map[string]string{"files": "id = ?", "file_shares": "file_id = ?", "file_blob_trash": "blob_key LIKE '%' || ?",
			"events": "subject_id = ?"} {
			if n := e.count(table, where, gone.ID); n != 0 {
				t.Errorf("%d rows about the purged file in %s", n, table)
			}
		}
		if n := e.count("file_usage", "user_id = 'ann' AND files = 1 AND bytes = ?", kept.Size); n != 1 {
			t.Errorf("usage does not count only the kept file")
		}
		if n := e.count("files", "id = ?", kept.ID); n != 1 {
			t.Errorf("the other file went too")
		}
	})
}
