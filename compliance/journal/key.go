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
// A Key with only Public can verify but not sign.
type Key struct {
	Private string
	Public  string
}

// LoadKey reads the key pair from path. It never writes: a missing file is
// an error wrapping fs.ErrNotExist, for the caller to decide about (see
// CreateKey), never a reason to make a new key behind anyone's back.
func LoadKey(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("journal key %s: %w", path, err)
	}
	lines := strings.Fields(string(b))
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "PRIVATE+KEY+") {
		return Key{}, fmt.Errorf("journal key %s: want two lines, the private and the public key", path)
	}
	return Key{Private: lines[0], Public: lines[1]}, nil
}

// PublicKey reads a verifier key given as its text (name+hash+key) or as
// the name of a file holding it: the output of `kontor compliance key`, or
// a key file itself, of which only the public line is taken.
func PublicKey(textOrFile string) (string, error) {
	s := strings.TrimSpace(textOrFile)
	if s == "" {
		return "", errors.New("public key: empty")
	}
	if _, err := note.NewVerifier(s); err == nil {
		return s, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return "", fmt.Errorf("public key: %q is neither a key nor a readable file: %w", s, err)
	}
	for _, f := range strings.Fields(string(b)) {
		if strings.HasPrefix(f, "PRIVATE+KEY+") {
			continue
		}
		if _, err := note.NewVerifier(f); err == nil {
			return f, nil
		}
	}
	return "", fmt.Errorf("public key: %s holds no signed-note verifier key", s)
}

// LoadOrCreateKey reads the key pair from path, or makes one named name
// when the file does not exist. Tests and first starts use it; anything
// that must not make a key uses LoadKey.
func LoadOrCreateKey(path, name string) (Key, bool, error) {
	k, err := LoadKey(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Key{}, false, err
	}
	return CreateKey(path, name)
}

// CreateKey makes a key pair named name and writes it to path (mode
// 0600). If the file appeared meanwhile (another node starting at the same
// time) it returns that key and false; nodes of a cluster share one file.
func CreateKey(path, name string) (Key, bool, error) {
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
		k, err := LoadKey(path)
		return k, false, err
	} else if err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return Key{}, false, fmt.Errorf("journal key: %w", err)
	}
	return Key{Private: skey, Public: vkey}, true, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
