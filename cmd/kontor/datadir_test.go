package main

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// Everything `kontor serve` keeps in its data directory (the database
// with its -wal and -shm, the journal key, uploaded files, the search
// index) is its own account's alone: directories 0700, files 0600 or
// less, whatever umask it was started with (issue 9, item 17: the
// database was created 0644).
func TestDataFilesArePrivate(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "kontor-data") // made by kontor itself
	s := startServer(t, "KONTOR_DATA_DIR="+dataDir, "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123")
	admin := apitest.New(t, s.URL)
	admin.LoginBearer("admin", "chosen-by-ops-123")
	var ch struct{ ID string }
	admin.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "privat"}).JSON(t, &ch)
	admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "nur für uns"})
	admin.Must(201, "POST", "/api/v1/files?name=notes.txt", []byte("a file kept in the local store\n"))
	s.stop()

	seen := map[string]bool{}
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dataDir, path)
		seen[filepath.ToSlash(rel)] = true
		switch perm := fi.Mode().Perm(); {
		case d.IsDir() && perm != 0o700:
			t.Errorf("directory %s: mode %#o, want 0700", rel, perm)
		case !d.IsDir() && perm&0o077 != 0:
			t.Errorf("file %s: mode %#o, want 0600", rel, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".", "kontor.db", "keys/journal.key", "files", "search"} {
		if !seen[want] {
			t.Errorf("%s was not created in the data dir; seen: %v", want, seen)
		}
	}
}
