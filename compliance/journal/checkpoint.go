package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// Checkpoint signs the current tree head, if the tree has grown since the
// last checkpoint, and returns the newest checkpoint.
func (j *Journal) Checkpoint(ctx context.Context) (Checkpoint, error) {
	var out Checkpoint
	err := j.db.WithTx(ctx, func(tx *db.Tx) error {
		// Hold the journal counter so no append interleaves with reading the tree.
		var size int64
		err := tx.QueryRowContext(ctx, `UPDATE counters SET value = value WHERE name = 'journal' RETURNING value`).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // empty journal
		}
		if err != nil {
			return err
		}
		last, err := latestCheckpoint(ctx, tx)
		if err != nil {
			return err
		}
		if last.Size == size {
			out = last
			return nil
		}
		root, err := tlog.TreeHash(size, hashReader(ctx, tx))
		if err != nil {
			return fmt.Errorf("tree hash at %d: %w", size, err)
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
		return nil
	})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("journal checkpoint: %w", err)
	}
	return out, nil
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
