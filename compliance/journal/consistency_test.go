package journal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

// keyedJournal is a journal with its key and, when cpFile is set, the copy
// of its last checkpoint in that file.
func keyedJournal(t *testing.T, d *db.DB, key journal.Key, cpFile string) *journal.Journal {
	t.Helper()
	j, err := journal.New(d, journal.Options{Log: logtest.New(t), Key: key, CheckpointFile: cpFile})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func testKey(t *testing.T) journal.Key {
	t.Helper()
	key, _, err := journal.LoadOrCreateKey(filepath.Join(t.TempDir(), "journal.key"), "kontor-test")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// cutBack removes every entry after n, with its content, tree hashes and
// checkpoints, and sets the counter back: what someone with the database
// does to make the last entries disappear without a trace in the tables.
func cutBack(t *testing.T, d *db.DB, n int64) {
	t.Helper()
	ctx := context.Background()
	for _, q := range []struct {
		sql string
		arg int64
	}{
		{`DELETE FROM journal_entries WHERE seq > ?`, n},
		{`DELETE FROM journal_content WHERE seq > ?`, n},
		{`DELETE FROM journal_hashes WHERE idx >= ?`, tlog.StoredHashCount(n)},
		{`DELETE FROM journal_checkpoints WHERE size > ?`, n},
		{`UPDATE counters SET value = ? WHERE name = 'journal'`, n},
	} {
		if _, err := d.ExecContext(ctx, q.sql, q.arg); err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 {
		if _, err := d.ExecContext(ctx, `DELETE FROM counters WHERE name = 'journal'`); err != nil {
			t.Fatal(err)
		}
	}
}

func mustCheckpoint(t *testing.T, j *journal.Journal) journal.Checkpoint {
	t.Helper()
	c, err := j.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyProvesTheJournalExtendsCheckpointsKeptElsewhere(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := testKey(t)
		j := keyedJournal(t, d, key, "")
		fill(t, d, j, 14)
		early := mustCheckpoint(t, j)
		fill2(t, d, j, 15, 30)
		late := mustCheckpoint(t, j)
		rep, err := j.VerifyWith(ctx, journal.VerifyOptions{Key: key.Public, Prior: []journal.Prior{
			{Label: "the auditor's copy", Note: early.Note}, {Label: "last week's export", Note: late.Note}}})
		if err != nil || !rep.OK() || len(rep.Priors) != 2 || rep.Root != late.Root {
			t.Fatalf("verify against earlier checkpoints: %+v %v", rep, err)
		}
	})
}

func TestVerifyFailsOnAWipedJournal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := testKey(t)
		j := keyedJournal(t, d, key, "")
		fill(t, d, j, 20)
		kept := mustCheckpoint(t, j)
		cutBack(t, d, 0)

		rep, err := j.VerifyWith(ctx, journal.VerifyOptions{Key: key.Public})
		if err != nil || rep.OK() || !strings.Contains(rep.Problem, "the journal is empty") {
			t.Fatalf("a wiped journal verified without a checkpoint to compare: %+v %v", rep, err)
		}
		rep, err = j.VerifyWith(ctx, journal.VerifyOptions{Key: key.Public, Prior: []journal.Prior{{Label: "the auditor's copy", Note: kept.Note}}})
		if err != nil || rep.OK() || !strings.Contains(rep.Problem, "the auditor's copy") ||
			!strings.Contains(rep.Problem, "vouches for 20 entries but the journal is empty") {
			t.Fatalf("a wiped journal against a kept checkpoint: %+v %v", rep, err)
		}
	})
}

func TestVerifyAndCheckpointCatchAJournalCutBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := testKey(t)
		cpFile := filepath.Join(t.TempDir(), "journal-checkpoint")
		j := keyedJournal(t, d, key, cpFile)
		fill(t, d, j, 30)
		kept := mustCheckpoint(t, j)
		if b, err := os.ReadFile(cpFile); err != nil || string(b) != kept.Note {
			t.Fatalf("the checkpoint file does not hold the last checkpoint: %q %v", b, err)
		}
		cutBack(t, d, 21) // back to the checkpoint at 21: the tables agree with themselves

		// Against the checkpoint kept elsewhere, by a journal that knows no file.
		bare := keyedJournal(t, d, journal.Key{Public: key.Public}, "")
		if rep, err := bare.VerifyWith(ctx, journal.VerifyOptions{}); err != nil || !rep.OK() {
			t.Fatalf("the cut-back tables should agree with themselves (else this test proves nothing): %+v %v", rep, err)
		}
		prior := []journal.Prior{{Label: "the auditor's copy", Note: kept.Note}}
		rep, err := bare.VerifyWith(ctx, journal.VerifyOptions{Key: key.Public, Prior: prior})
		if err != nil || rep.OK() || !strings.Contains(rep.Problem, "vouches for 30 entries but the journal has only 21") {
			t.Fatalf("a cut-back journal against a kept checkpoint: %+v %v", rep, err)
		}
		// On the server's machine, the file copy alone catches it.
		rep, err = j.VerifyWith(ctx, journal.VerifyOptions{})
		if err != nil || rep.OK() || !strings.Contains(rep.Problem, cpFile) || !strings.Contains(rep.Problem, "cut back") {
			t.Fatalf("a cut-back journal against the checkpoint file: %+v %v", rep, err)
		}
		// The server refuses to sign the shortened history...
		if _, err := j.Checkpoint(ctx); !errors.Is(err, journal.ErrNotAnExtension) {
			t.Fatalf("checkpoint of a cut-back journal: %v", err)
		}
		// ...and a different history grown past the old size.
		appendEntries(t, d, j, 22, 40, false)
		if _, err := j.Checkpoint(ctx); !errors.Is(err, journal.ErrNotAnExtension) || !strings.Contains(err.Error(), "rewritten") {
			t.Fatalf("checkpoint of a rewritten journal: %v", err)
		}
		if n, _ := j.Checkpoints(ctx); n[len(n)-1].Size != 21 {
			t.Fatalf("a checkpoint was signed after the cut: %+v", n[len(n)-1])
		}
		rep, err = bare.VerifyWith(ctx, journal.VerifyOptions{Key: key.Public, Prior: prior})
		if err != nil || rep.OK() || !strings.Contains(rep.Problem, "rewritten") {
			t.Fatalf("a rewritten journal against a kept checkpoint: %+v %v", rep, err)
		}
	})
}

func TestCheckpointRefusesAfterTheDatabaseWasWiped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		key := testKey(t)
		cpFile := filepath.Join(t.TempDir(), "journal-checkpoint")
		j := keyedJournal(t, d, key, cpFile)
		fill(t, d, j, 10)
		mustCheckpoint(t, j)
		cutBack(t, d, 0)
		if _, err := j.Checkpoint(ctx); !errors.Is(err, journal.ErrNotAnExtension) || !strings.Contains(err.Error(), "wiped") {
			t.Fatalf("checkpoint of a wiped journal: %v", err)
		}
		fresh, why, err := journal.Fresh(ctx, d, cpFile)
		if err != nil || fresh || !strings.Contains(why, cpFile) {
			t.Fatalf("a wiped journal with a checkpoint file counts as fresh: %v %q %v", fresh, why, err)
		}
	})
}

func TestVerifyChecksSignaturesWithThePinnedKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		j := keyedJournal(t, d, testKey(t), "")
		fill(t, d, j, 10)
		other := testKey(t)
		rep, err := j.VerifyWith(ctx, journal.VerifyOptions{Key: other.Public})
		if err != nil || rep.OK() || !strings.Contains(rep.Problem, "does not verify") {
			t.Fatalf("checkpoints signed by another key verified: %+v %v", rep, err)
		}
	})
}

func TestAJournalWithoutItsPrivateKeyDoesNotSign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		key := testKey(t)
		j := keyedJournal(t, d, journal.Key{Public: key.Public}, "")
		appendEntries(t, d, j, 1, 3, false)
		if _, err := j.Checkpoint(context.Background()); !errors.Is(err, journal.ErrNoSigningKey) {
			t.Fatalf("checkpoint without a private key: %v", err)
		}
	})
}

func TestKeysAreOnlyReadByLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "journal.key")
	if _, err := journal.LoadKey(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("load of a missing key: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("LoadKey wrote something")
	}
	k, created, err := journal.CreateKey(path, "kontor-test")
	if err != nil || !created {
		t.Fatal(err)
	}
	for _, in := range []string{k.Public, path} {
		if pub, err := journal.PublicKey(in); err != nil || pub != k.Public {
			t.Fatalf("PublicKey(%q) = %q %v", in, pub, err)
		}
	}
	if _, err := journal.PublicKey(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("a missing key file was accepted as a key")
	}
}
