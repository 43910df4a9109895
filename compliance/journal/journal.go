// Package journal is Kontor's append-only record of every change that
// matters. Each entry is a leaf of an RFC 6962 Merkle tree (the tree of
// golang.org/x/mod/sumdb/tlog), so altering, reordering or dropping an
// entry changes the tree's root; roots are signed periodically with the
// server's Ed25519 key (signed notes, golang.org/x/mod/sumdb/note).
//
// What was said or shared is stored apart from the entry and committed to
// by its SHA-256. Retention can purge that content; the entry, its hash and
// a "content.purged" entry stay, so the tree still verifies and the purge
// itself is on record.
package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Journal appends to and reads the record.
type Journal struct {
	db     *db.DB
	log    *slog.Logger
	clock  clock.Clock
	signer note.Signer // nil: this process may not sign (see Options.Key)
	vkey   string
	// cpFile keeps a copy of the last signed checkpoint outside the
	// database, so rows cut back together with their checkpoints are
	// still caught (see Checkpoint).
	cpFile string
}

// Options configure a Journal.
type Options struct {
	Log   *slog.Logger // required
	Clock clock.Clock  // nil: system clock
	// Key is the signing key in signed-note form; see LoadKey. Without
	// Private the journal appends and verifies but refuses to sign; without
	// Public too, verifying needs a key given to Verify.
	Key Key
	// CheckpointFile, when set, keeps a copy of the newest signed
	// checkpoint; every new checkpoint must extend it.
	CheckpointFile string
}

// New returns the journal.
func New(d *db.DB, opt Options) (*Journal, error) {
	if opt.Log == nil {
		return nil, errors.New("journal: Log is required")
	}
	if opt.Clock == nil {
		opt.Clock = clock.System{}
	}
	j := &Journal{db: d, log: opt.Log.With("component", "journal"), clock: opt.Clock, vkey: opt.Key.Public, cpFile: opt.CheckpointFile}
	if opt.Key.Private != "" {
		signer, err := note.NewSigner(opt.Key.Private)
		if err != nil {
			return nil, fmt.Errorf("journal signing key: %w", err)
		}
		j.signer = signer
	}
	if opt.Key.Public != "" {
		if _, err := note.NewVerifier(opt.Key.Public); err != nil {
			return nil, fmt.Errorf("journal verifier key: %w", err)
		}
	}
	return j, nil
}

// Fresh reports whether nothing was ever recorded or signed: no entry, no
// checkpoint in the database and no copy of one in the checkpoint file.
// Only then may a new signing key be made; otherwise why says what exists.
func Fresh(ctx context.Context, q db.Querier, checkpointFile string) (fresh bool, why string, err error) {
	var n int64
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM journal_entries`).Scan(&n); err != nil {
		return false, "", fmt.Errorf("journal: %w", err)
	}
	if n > 0 {
		return false, fmt.Sprintf("the journal has %d entries", n), nil
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM journal_checkpoints`).Scan(&n); err != nil {
		return false, "", fmt.Errorf("journal: %w", err)
	}
	if n > 0 {
		return false, fmt.Sprintf("the database holds %d signed checkpoints", n), nil
	}
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(value), 0) FROM counters WHERE name = 'journal'`).Scan(&n); err != nil {
		return false, "", fmt.Errorf("journal: %w", err)
	}
	if n > 0 {
		return false, fmt.Sprintf("the journal counted %d entries", n), nil
	}
	if checkpointFile != "" {
		if _, err := os.Stat(checkpointFile); err == nil {
			return false, fmt.Sprintf("a signed checkpoint is kept in %s", checkpointFile), nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, "", fmt.Errorf("journal: %w", err)
		}
	}
	return true, "", nil
}

// VerifierKey is the public key that checks the journal's signed
// checkpoints; exports carry it.
func (j *Journal) VerifierKey() string { return j.vkey }

// leaf is the canonical form of an entry that the Merkle tree commits to.
// Field order and names are part of the record format: never change them.
type leaf struct {
	Seq           int64             `json:"seq"`
	At            int64             `json:"at"`
	Actor         string            `json:"actor"`
	Kind          string            `json:"kind"`
	Channel       string            `json:"channel"`
	Subject       string            `json:"subject"`
	Meta          map[string]string `json:"meta"`
	ContentSHA256 string            `json:"content_sha256"`
}

func (l leaf) bytes() []byte {
	if l.Meta == nil {
		l.Meta = map[string]string{}
	}
	b, err := json.Marshal(l)
	if err != nil {
		panic("journal: marshal leaf: " + err.Error()) // only strings and ints
	}
	return b
}

// Append writes e in tx and returns its sequence number. Appends are
// serialised by the journal counter row, which stays locked until tx
// commits, so sequence numbers follow commit order without gaps.
func (j *Journal) Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error) {
	// The list of kinds is closed, so that every reader of the journal
	// (search, exports) has decided what each one means.
	if !record.Known(e.Kind) {
		return 0, fmt.Errorf("journal: %q is not a kind of record.Kinds; add it there first", e.Kind)
	}
	content, err := json.Marshal(e.Content)
	if err != nil {
		return 0, fmt.Errorf("journal %s: content: %w", e.Kind, err)
	}
	seq, err := db.NextCounter(ctx, tx, db.JournalCounter)
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(content)
	l := leaf{Seq: seq, At: j.clock.Now().UnixMilli(), Actor: e.ActorID, Kind: e.Kind, Channel: e.ChannelID,
		Subject: e.SubjectID, Meta: e.Meta, ContentSHA256: hex.EncodeToString(sum[:])}
	data := l.bytes()
	hashes, err := tlog.StoredHashes(seq-1, data, hashReader(ctx, tx))
	if err != nil {
		return 0, fmt.Errorf("journal %s: tree: %w", e.Kind, err)
	}
	meta, _ := json.Marshal(nonNil(l.Meta))
	if _, err := tx.ExecContext(ctx, `INSERT INTO journal_entries (seq, at, actor_id, kind, channel_id, subject_id, meta, content_hash, leaf_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, seq, l.At, l.Actor, l.Kind, l.Channel, l.Subject, string(meta), l.ContentSHA256,
		tlog.RecordHash(data).String()); err != nil {
		return 0, fmt.Errorf("journal %s: %w", e.Kind, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO journal_content (seq, content) VALUES (?, ?)`, seq, content); err != nil {
		return 0, fmt.Errorf("journal %s: content: %w", e.Kind, err)
	}
	base := tlog.StoredHashIndex(0, seq-1)
	for i, h := range hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO journal_hashes (idx, hash) VALUES (?, ?)`, base+int64(i), h[:]); err != nil {
			return 0, fmt.Errorf("journal %s: tree: %w", e.Kind, err)
		}
	}
	return seq, nil
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// hashReader reads stored tree hashes through q.
func hashReader(ctx context.Context, q db.Querier) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		if len(indexes) == 0 {
			return nil, nil
		}
		args := make([]any, len(indexes))
		for i, x := range indexes {
			args[i] = x
		}
		rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM journal_hashes WHERE idx IN (`+db.In(len(indexes))+`)`, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		got := map[int64]tlog.Hash{}
		for rows.Next() {
			var idx int64
			var b []byte
			if err := rows.Scan(&idx, &b); err != nil {
				return nil, err
			}
			var h tlog.Hash
			if len(b) != len(h) {
				return nil, fmt.Errorf("stored hash %d has %d bytes", idx, len(b))
			}
			copy(h[:], b)
			got[idx] = h
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			h, ok := got[x]
			if !ok {
				return nil, fmt.Errorf("stored hash %d is missing", x)
			}
			out[i] = h
		}
		return out, nil
	})
}

// Entry is a journal entry as read back.
type Entry struct {
	Seq           int64             `json:"seq"`
	At            time.Time         `json:"at"`
	ActorID       string            `json:"actor_id"`
	Kind          string            `json:"kind"`
	ChannelID     string            `json:"channel_id"`
	SubjectID     string            `json:"subject_id"`
	Meta          map[string]string `json:"meta"`
	ContentSHA256 string            `json:"content_sha256"`
	LeafHash      string            `json:"leaf_hash"`
	// Content is the JSON content, nil when purged (see Purged).
	Content json.RawMessage `json:"content,omitempty"`
	Purged  bool            `json:"purged,omitempty"`
}

func (e Entry) leaf() leaf {
	return leaf{Seq: e.Seq, At: e.At.UnixMilli(), Actor: e.ActorID, Kind: e.Kind, Channel: e.ChannelID,
		Subject: e.SubjectID, Meta: e.Meta, ContentSHA256: e.ContentSHA256}
}

// Filter narrows Entries.
type Filter struct {
	After     int64  // entries with seq > After
	ChannelID string // only this channel
	SubjectID string // only this subject
	Limit     int
}

// Entries returns entries in sequence order, with their content.
func (j *Journal) Entries(ctx context.Context, f Filter) ([]Entry, error) {
	return entries(ctx, j.db, f)
}

func entries(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	where, args := "e.seq > ?", []any{f.After}
	if f.ChannelID != "" {
		where += " AND e.channel_id = ?"
		args = append(args, f.ChannelID)
	}
	if f.SubjectID != "" {
		where += " AND e.subject_id = ?"
		args = append(args, f.SubjectID)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	args = append(args, f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT e.seq, e.at, e.actor_id, e.kind, e.channel_id, e.subject_id, e.meta, e.content_hash,
		e.leaf_hash, c.content, COALESCE(c.purged_at, 0) FROM journal_entries e LEFT JOIN journal_content c ON c.seq = e.seq
		WHERE `+where+` ORDER BY e.seq LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at, purgedAt int64
		var meta string
		var content []byte
		if err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.Kind, &e.ChannelID, &e.SubjectID, &meta, &e.ContentSHA256,
			&e.LeafHash, &content, &purgedAt); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		if err := json.Unmarshal([]byte(meta), &e.Meta); err != nil {
			e.Meta = map[string]string{"_unreadable_meta": meta}
		}
		e.Purged = purgedAt > 0
		if content != nil {
			e.Content = json.RawMessage(content)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Size returns how many entries the journal holds.
func (j *Journal) Size(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := j.db.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'journal'`).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("journal size: %w", err)
	}
	return n.Int64, nil
}

// Purge removes the content of entry seq (retention, or a self-destructed
// message whose policy says the record does not keep it) and appends a
// "content.purged" entry saying so, in tx.
//
// A legal hold covering the entry's subject keeps the content: the purge
// is logged as held back and Purge returns nil, so the caller's change
// (a message disappearing for people) still happens.
func (j *Journal) Purge(ctx context.Context, tx *db.Tx, seq int64, actorID, reason string) error {
	var subject string
	if err := tx.QueryRowContext(ctx, `SELECT subject_id FROM journal_entries WHERE seq = ?`, seq).Scan(&subject); err != nil {
		return fmt.Errorf("purge journal entry %d: %w", seq, err)
	}
	held, err := HoldsCovering(ctx, tx, subject)
	if err != nil {
		return err
	}
	if len(held) > 0 {
		j.log.Info("purge held back by a legal hold", "seq", seq, "subject", subject, "holds", held, "reason", reason)
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE journal_content SET content = NULL, purged_at = ? WHERE seq = ? AND purged_at = 0`,
		j.clock.Now().UnixMilli(), seq)
	if err != nil {
		return fmt.Errorf("purge journal entry %d: %w", seq, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // already purged
	}
	_, err = j.Append(ctx, tx, record.Entry{Kind: "content.purged", ActorID: actorID, SubjectID: strconv.FormatInt(seq, 10),
		Meta: map[string]string{"reason": reason}})
	return err
}

// PurgeSubject purges the content of every entry about subjectID (each
// through Purge, so a legal hold keeps it).
func (j *Journal) PurgeSubject(ctx context.Context, tx *db.Tx, subjectID, actorID, reason string) error {
	rows, err := tx.QueryContext(ctx, `SELECT e.seq FROM journal_entries e JOIN journal_content c ON c.seq = e.seq
		WHERE e.subject_id = ? AND c.purged_at = 0 ORDER BY e.seq`, subjectID)
	if err != nil {
		return fmt.Errorf("purge %s: %w", subjectID, err)
	}
	var seqs []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		seqs = append(seqs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range seqs {
		if err := j.Purge(ctx, tx, s, actorID, reason); err != nil {
			return err
		}
	}
	return nil
}
