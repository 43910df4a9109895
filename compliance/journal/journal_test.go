package journal_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

func newJournal(t *testing.T, d *db.DB) *journal.Journal {
	t.Helper()
	key, created, err := journal.LoadOrCreateKey(filepath.Join(t.TempDir(), "journal.key"), "kontor-test")
	if err != nil || !created {
		t.Fatalf("key: %v %v", created, err)
	}
	j, err := journal.New(d, journal.Options{Log: logtest.New(t), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// fill appends n message entries, one transaction each, with a checkpoint
// every 7 entries.
func fill(t *testing.T, d *db.DB, j *journal.Journal, n int) {
	t.Helper()
	fill2(t, d, j, 1, n)
}

// fill2 appends entries from to to, as fill does.
func fill2(t *testing.T, d *db.DB, j *journal.Journal, from, to int) {
	t.Helper()
	appendEntries(t, d, j, from, to, true)
}

// appendEntries appends entries from to to, with a checkpoint every 7
// entries if checkpoints.
func appendEntries(t *testing.T, d *db.DB, j *journal.Journal, from, to int, checkpoints bool) {
	t.Helper()
	ctx := context.Background()
	for i := from; i <= to; i++ {
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			_, err := j.Append(ctx, tx, record.Entry{Kind: "message.created", ActorID: "u1", ChannelID: "c1",
				SubjectID: fmt.Sprintf("m%d", i), Content: map[string]string{"text": fmt.Sprintf("Grüße Nr. %d 你好", i)},
				Meta: map[string]string{"version": "1"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if checkpoints && i%7 == 0 {
			if _, err := j.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestAppendRollbackAndVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		j := newJournal(t, d)
		fill(t, d, j, 30)
		boom := errors.New("change failed")
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			if _, err := j.Append(ctx, tx, record.Entry{Kind: "message.created", SubjectID: "rolled-back"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if es, _ := j.Entries(ctx, journal.Filter{SubjectID: "rolled-back"}); len(es) != 0 {
			t.Fatal("a rolled-back change left a journal entry")
		}
		fill(t, d, j, 5)
		rep, err := j.Verify(ctx, nil)
		if err != nil || !rep.OK() || rep.Entries != 35 || rep.Checkpoints != 4 {
			t.Fatalf("verify: %+v %v", rep, err)
		}
		es, err := j.Entries(ctx, journal.Filter{After: 30, Limit: 2})
		if err != nil || len(es) != 2 || es[0].Seq != 31 || !strings.Contains(string(es[0].Content), "Grüße Nr. 1 你好") {
			t.Fatalf("entries after 30: %+v %v", es, err)
		}
	})
}

func TestVerifyFindsTheFirstBrokenEntry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper string
		at     int64
		want   string
	}{
		{"content altered", `UPDATE journal_content SET content = CAST('{"text":"forged"}' AS BYTEA) WHERE seq = 12`, 12, "content of entry 12 was altered"},
		{"fields altered", `UPDATE journal_entries SET actor_id = 'someone-else' WHERE seq = 9`, 9, "entry 9 was altered"},
		{"hash rewritten with the fields", `UPDATE journal_entries SET subject_id = 'mX', leaf_hash = 'x' WHERE seq = 4`, 4, "entry 4 was altered"},
		{"entry dropped", `DELETE FROM journal_entries WHERE seq = 17`, 17, "entry 17 is missing"},
		{"last entries dropped", `DELETE FROM journal_entries WHERE seq > 28`, 29, "removed"},
		{"content removed without a purge", `DELETE FROM journal_content WHERE seq = 3`, 3, "content of entry 3 is missing"},
		{"content blanked as if purged", `UPDATE journal_content SET content = NULL, purged_at = 1 WHERE seq = 5`, 5, "without a record of the purge"},
		{"tree hash altered", `UPDATE journal_hashes SET hash = (SELECT hash FROM journal_hashes WHERE idx = 0) WHERE idx = 20`, 0, "Merkle tree"},
		{"checkpoint forged", `UPDATE journal_checkpoints SET note = REPLACE(note, 'kontor-test', 'kontor-evil') WHERE size = 14`, 14, "checkpoint at 14"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				j := newJournal(t, d)
				fill(t, d, j, 30)
				q := tc.tamper
				if d.Dialect() == db.SQLite {
					q = strings.ReplaceAll(q, "AS BYTEA", "AS BLOB")
				}
				if _, err := d.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
				rep, err := j.Verify(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() || !strings.Contains(rep.Problem, tc.want) || (tc.at != 0 && rep.FirstBroken != tc.at) {
					t.Fatalf("verify after tampering: %+v", rep)
				}
			})
		})
	}
}

func TestPurgeKeepsTheJournalVerifiable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		j := newJournal(t, d)
		fill(t, d, j, 10)
		err := d.WithTx(ctx, func(tx *db.Tx) error { return j.Purge(ctx, tx, 4, "", "retention: 90 days") })
		if err != nil {
			t.Fatal(err)
		}
		es, _ := j.Entries(ctx, journal.Filter{After: 3, Limit: 1})
		if !es[0].Purged || es[0].Content != nil || es[0].ContentSHA256 == "" {
			t.Fatalf("purged entry: %+v", es[0])
		}
		last, _ := j.Entries(ctx, journal.Filter{After: 10})
		if len(last) != 1 || last[0].Kind != "content.purged" || last[0].SubjectID != "4" {
			t.Fatalf("purge is not on record: %+v", last)
		}
		if _, err := j.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		rep, err := j.Verify(ctx, nil)
		if err != nil || !rep.OK() || rep.Purged != 1 {
			t.Fatalf("verify after purge: %+v %v", rep, err)
		}
	})
}

func TestCheckpointsAreSignedNotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		j := newJournal(t, d)
		fill(t, d, j, 3)
		c, err := j.Checkpoint(ctx)
		if err != nil || c.Size != 3 {
			t.Fatalf("%+v %v", c, err)
		}
		tree, err := journal.OpenCheckpoint(c.Note, j.VerifierKey())
		if err != nil || tree.N != 3 || tree.Hash.String() != c.Root {
			t.Fatalf("open: %+v %v", tree, err)
		}
		other, _, _ := journal.LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"), "kontor-test")
		if _, err := journal.OpenCheckpoint(c.Note, other.Public); err == nil {
			t.Fatal("a checkpoint verified with someone else's key")
		}
		again, _ := j.Checkpoint(ctx)
		if again.Size != 3 || again.Note != c.Note {
			t.Fatal("an unchanged tree got a new checkpoint")
		}
	})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Nodes starting at once on a shared data directory end up with one key,
// and none of them reads a half-written file.
func TestKeyIsCreatedOnceWhenNodesStartTogether(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "journal.key")
	const n = 16
	keys := make([]journal.Key, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], created[i], errs[i] = journal.LoadOrCreateKey(path, "kontor-test")
		}()
	}
	wg.Wait()
	made := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("start %d: %v", i, errs[i])
		}
		if keys[i] != keys[0] {
			t.Fatalf("start %d got another key", i)
		}
		if created[i] {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d starts say they made the key", made)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("left behind in the key directory: %v", entries)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
}
