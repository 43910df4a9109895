//go:build unix

package db_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// The database holds every message: no other account on the machine may
// read it, even when Kontor runs with a careless umask (issue 9, item 17:
// it was created 0644).
func TestSQLiteFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dataDir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	d, err := db.Open(ctx, "", dataDir, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A write makes the -wal and -shm files.
	if _, err := d.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{"": 0o700, "kontor.db": 0o600, "kontor.db-wal": 0o600, "kontor.db-shm": 0o600}
	for name, mode := range want {
		fi, err := os.Stat(filepath.Join(dataDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %#o, want %#o", filepath.Join(dataDir, name), got, mode)
		}
	}
}
