package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// Checkpoint is a signed tree head: after Size entries the tree's root was Root.
type Checkpoint struct {
	Size int64     `json:"size"`
	Root string    `json:"root"`
	At   time.Time `json:"at"`
	// Note is the signed note (tlog tree text plus the server's signature),
	// checkable with the journal's public key alone.
	Note string `json:"note"`
}

// ErrNoSigningKey: this process has no private key and may not sign.
var ErrNoSigningKey = errors.New("journal: no signing key")

// ErrNotAnExtension: the journal is not an extension of a checkpoint
// signed before (it was cut back, wiped or rewritten), so the server
// refuses to sign it.
var ErrNotAnExtension = errors.New("the journal is not an extension of its last signed checkpoint")

// Checkpoint signs the current tree head, if the tree has grown since the
// last checkpoint, and returns the newest checkpoint.
//
// It signs only a tree that extends every checkpoint signed before: the
// newest one in the database and the copy kept in the checkpoint file
// (which a database rewrite does not reach). A journal cut back to an
// earlier state, wiped, or rewritten gets ErrNotAnExtension and no new
// signature, so the server never vouches for a shortened history.
func (j *Journal) Checkpoint(ctx context.Context) (Checkpoint, error) {
	if j.signer == nil {
		return Checkpoint{}, fmt.Errorf("journal checkpoint: %w (the key file is missing; restore it)", ErrNoSigningKey)
	}
	var out Checkpoint
	err := j.db.WithTx(ctx, func(tx *db.Tx) error {
		// Hold the journal counter so no append interleaves with reading the
		// tree, and no other node signs at the same time.
		var size int64
		err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value WHERE name = 'journal' RETURNING value`).Scan(&size)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		last, err := latestCheckpoint(ctx, tx)
		if err != nil {
			return err
		}
		priors := []priorCheckpoint{{label: "the newest checkpoint in the database", note: last.Note}}
		if last.Note == "" {
			priors = priors[:0]
		}
		fileNote, err := readCheckpointFile(j.cpFile)
		if err != nil {
			return err
		}
		if fileNote != "" {
			priors = append(priors, priorCheckpoint{label: "the checkpoint kept in " + j.cpFile, note: fileNote})
		}
		r := hashReader(ctx, tx)
		var root tlog.Hash
		if size > 0 {
			if root, err = tlog.TreeHash(size, r); err != nil {
				return fmt.Errorf("tree hash at %d: %w", size, err)
			}
		}
		for _, p := range priors {
			tree, err := OpenCheckpoint(p.note, j.vkey)
			if err != nil {
				return fmt.Errorf("%w: %s does not verify with this server's key: %v", ErrNotAnExtension, p.label, err)
			}
			if err := consistent(size, root, tree, r); err != nil {
				return fmt.Errorf("%w: %s: %v; refusing to sign", ErrNotAnExtension, p.label, err)
			}
		}
		if size == 0 {
			return nil // empty journal, and nothing was signed before
		}
		if last.Size == size {
			out = last
			return j.keepCheckpoint(fileNote, last)
		}
		text := tlog.FormatTree(tlog.Tree{N: size, Hash: root})
		signed, err := note.Sign(&note.Note{Text: string(text)}, j.signer)
		if err != nil {
			return err
		}
		now := j.clock.Now().UTC().Truncate(time.Millisecond)
		if _, err := tx.ExecContext(ctx, `INSERT INTO journal_checkpoints (size, root_hash, at, note) VALUES (?, ?, ?, ?)`,
			size, root.String(), now.UnixMilli(), string(signed)); err != nil {
			return err
		}
		out = Checkpoint{Size: size, Root: root.String(), At: now, Note: string(signed)}
		// Written while the counter is held, so two signers never write the
		// file out of order. Should the commit then fail, the file is ahead
		// of the table by a checkpoint over entries that did commit: still
		// a true statement, and the next checkpoint extends it.
		return j.keepCheckpoint(fileNote, out)
	})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("journal checkpoint: %w", err)
	}
	return out, nil
}

// consistent checks with an RFC 6962 consistency proof that the tree of
// size with root, read through r, extends the signed tree prior.
func consistent(size int64, root tlog.Hash, prior tlog.Tree, r tlog.HashReader) error {
	switch {
	case prior.N == 0:
		return nil
	case size == 0:
		return fmt.Errorf("it vouches for %d entries but the journal is empty: the journal was wiped", prior.N)
	case size < prior.N:
		return fmt.Errorf("it vouches for %d entries but the journal has only %d: the journal was cut back", prior.N, size)
	}
	proof, err := tlog.ProveTree(size, prior.N, r)
	if err != nil {
		return fmt.Errorf("the consistency proof from %d to %d entries cannot be built: %v", prior.N, size, err)
	}
	if err := tlog.CheckTree(proof, size, root, prior.N, prior.Hash); err != nil {
		return fmt.Errorf("the journal's first %d entries are not the ones it signed (consistency proof fails: %v): the journal was rewritten", prior.N, err)
	}
	return nil
}

// priorCheckpoint is a signed checkpoint seen before, and where it came from.
type priorCheckpoint struct {
	label string
	note  string
}

// keepCheckpoint writes c to the checkpoint file unless the file (whose
// note is have) already holds it or a larger one.
func (j *Journal) keepCheckpoint(have string, c Checkpoint) error {
	if j.cpFile == "" || have == c.Note {
		return nil
	}
	if have != "" {
		if t, err := tlog.ParseTree([]byte(noteText(have))); err == nil && t.N >= c.Size {
			return nil
		}
	}
	return writeFileAtomic(j.cpFile, []byte(c.Note))
}

// noteText is the text part of a signed note, before its signatures.
func noteText(signed string) string {
	if i := strings.Index(signed, "\n\n"); i >= 0 {
		return signed[:i+1]
	}
	return signed
}

// readCheckpointFile returns the signed note kept in path, or "" when
// there is none (no file configured, or not written yet).
func readCheckpointFile(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("checkpoint file: %w", err)
	}
	n, err := ParseCheckpoint(b)
	if err != nil {
		return "", fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	return n, nil
}

// ParseCheckpoint takes the signed note out of what `kontor compliance
// checkpoint` wrote (the note alone, or with lines before it).
func ParseCheckpoint(b []byte) (string, error) {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	i := strings.Index(s, treeHeader)
	if i < 0 {
		return "", errors.New("no signed checkpoint in it (want the note `kontor compliance checkpoint` prints)")
	}
	s = s[i:]
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s, nil
}

// treeHeader starts the text of every tlog tree note.
var treeHeader = strings.SplitN(string(tlog.FormatTree(tlog.Tree{})), "\n", 2)[0] + "\n"

// writeFileAtomic replaces path with data (mode 0600): written and synced
// under a temporary name, renamed into place, directory synced.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	f, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	return nil
}

func latestCheckpoint(ctx context.Context, q db.Querier) (Checkpoint, error) {
	var c Checkpoint
	var at int64
	err := q.QueryRowContext(ctx, `SELECT size, root_hash, at, note FROM journal_checkpoints ORDER BY size DESC LIMIT 1`).
		Scan(&c.Size, &c.Root, &at, &c.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, nil
	}
	if err != nil {
		return Checkpoint{}, err
	}
	c.At = time.UnixMilli(at).UTC()
	return c, nil
}

// Latest returns the newest signed checkpoint (zero when none was signed).
func (j *Journal) Latest(ctx context.Context) (Checkpoint, error) {
	c, err := latestCheckpoint(ctx, j.db)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("journal checkpoint: %w", err)
	}
	return c, nil
}

// Checkpoints lists every checkpoint, oldest first.
func (j *Journal) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT size, root_hash, at, note FROM journal_checkpoints ORDER BY size`)
	if err != nil {
		return nil, fmt.Errorf("journal checkpoints: %w", err)
	}
	defer rows.Close()
	var out []Checkpoint
	for rows.Next() {
		var c Checkpoint
		var at int64
		if err := rows.Scan(&c.Size, &c.Root, &at, &c.Note); err != nil {
			return nil, err
		}
		c.At = time.UnixMilli(at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// OpenCheckpoint checks a checkpoint's signature with the public key
// vkey and returns the tree it vouches for.
func OpenCheckpoint(signedNote, vkey string) (tlog.Tree, error) {
	if vkey == "" {
		return tlog.Tree{}, errors.New("no public key to check it with")
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open([]byte(signedNote), note.VerifierList(v))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint signature: %w", err)
	}
	t, err := tlog.ParseTree([]byte(n.Text))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("checkpoint text: %w", err)
	}
	return t, nil
}
