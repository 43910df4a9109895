package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kontorhq/kontor/migrations"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
)

func TestMigrateIsIdempotentAndReportsStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		again, err := d.Migrate(ctx, migrations.FS)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != 0 {
			t.Fatalf("second Migrate applied %d migrations again", len(again))
		}
		st, err := d.MigrationStatus(ctx, migrations.FS)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st {
			if m.AppliedAt.IsZero() {
				t.Errorf("migration %d %s not applied", m.Version, m.Name)
			}
		}
	})
}

func TestWithTxRollsBackAndRunsAfterCommitOnlyOnCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ran := 0
		boom := errors.New("boom")
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)`, "rolled", 1); err != nil {
				return err
			}
			tx.AfterCommit(func() { ran++ })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WithTx returned %v, want the function's error", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM counters WHERE name = ?`, "rolled").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 || ran != 0 {
			t.Fatalf("after rollback: %d rows, after-commit ran %d times", n, ran)
		}
		err = d.WithTx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { ran++ })
			_, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)`, "kept", 1)
			return err
		})
		if err != nil || ran != 1 {
			t.Fatalf("commit: err %v, after-commit ran %d times", err, ran)
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := `INSERT INTO counters (name, value) VALUES (?, ?)`
		if _, err := d.ExecContext(ctx, ins, "dup", 1); err != nil {
			t.Fatal(err)
		}
		_, err := d.ExecContext(ctx, ins, "dup", 2)
		if !db.IsUniqueViolation(err) {
			t.Fatalf("second insert of the same key: %v is not recognised as a unique violation", err)
		}
	})
}

// Counters updated inside concurrent transactions must come out gap-free:
// the journal and the event log rely on it.
func TestCounterRowSerialisesConcurrentWriters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ('c', 0)`); err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 25
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					var v int64
					err := d.WithTx(ctx, func(tx *db.Tx) error {
						return tx.QueryRowContext(ctx, `UPDATE counters SET value = value + 1 WHERE name = 'c' RETURNING value`).Scan(&v)
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen[v] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for v := int64(1); v <= workers*each; v++ {
			if !seen[v] {
				t.Fatalf("value %d never handed out; got %d distinct values", v, len(seen))
			}
		}
	})
}

// Two transactions that take the journal and the event log counters in
// opposite orders deadlock on PostgreSQL (a call ending against a channel
// being created did); NextCounter refuses the wrong order so every test
// finds it.
func TestCountersKeepOneOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.WithTx(ctx, func(tx *db.Tx) error {
			if _, err := db.NextCounter(ctx, tx, db.EventsCounter); err != nil {
				return err
			}
			_, err := db.NextCounter(ctx, tx, db.JournalCounter)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append to the journal before") {
			t.Fatalf("journal after events: err = %v, want the order refused", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM counters WHERE name IN ('journal', 'events')`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("the refused transaction left %d counters (err %v)", n, err)
		}
		// An audit entry needs its number before its journal entry: the
		// journal's lock first keeps the order, and the journal still
		// starts at 1.
		var journal int64
		err = d.WithTx(ctx, func(tx *db.Tx) error {
			if err := db.LockCounter(ctx, tx, db.JournalCounter); err != nil {
				return err
			}
			if _, err := db.NextCounter(ctx, tx, db.AuditCounter); err != nil {
				return err
			}
			var err error
			journal, err = db.NextCounter(ctx, tx, db.JournalCounter)
			return err
		})
		if err != nil || journal != 1 {
			t.Fatalf("lock, audit, journal: journal = %d, err = %v; want 1, nil", journal, err)
		}
	})
}
