package journal

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Key is a signed-note key pair: Private signs checkpoints, Public checks them.
type Key struct {
	Private string
	Public  string
}

// LoadOrCreateKey reads the key pair from path, or makes one named name
// and writes it there (mode 0600) when the file does not exist. Nodes of
// a cluster must share the same file.
func LoadOrCreateKey(path, name string) (Key, bool, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		lines := strings.Fields(string(b))
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "PRIVATE+KEY+") {
			return Key{}, false, fmt.Errorf("journal key %s: want two lines, the private and the public key", path)
		}
		return Key{Private: lines[0], Public: lines[1]}, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	// Written whole and synced under a temporary name, then linked into
	// place: link fails if the name exists, so of two processes starting
	// at once exactly one key wins, and nobody ever reads half a file.
	f, err := os.CreateTemp(filepath.Dir(path), ".journal-key-*")
	if err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := fmt.Fprintf(f, "%s\n%s\n", skey, vkey); err != nil {
		f.Close()
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	// Synced, file and directory, before any checkpoint is signed with it:
	// a key lost in a power cut would leave those signatures uncheckable.
	if err := f.Sync(); err != nil {
		f.Close()
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	if err := f.Close(); err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	if err := os.Link(f.Name(), path); errors.Is(err, fs.ErrExist) {
		return LoadOrCreateKey(path, name)
	} else if err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return Key{}, false, fmt.Errorf("journal key: sync directory: %w", err)
		}
	}
	return Key{Private: skey, Public: vkey}, true, nil
}
