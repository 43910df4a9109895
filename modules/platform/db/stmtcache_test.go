package db

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

func openTestSQLite(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), "", filepath.Join(t.TempDir(), "data"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.ExecContext(context.Background(), `CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return d
}

// A statement is parsed and planned once, not on every use: inside and
// outside transactions, on the read and the write pool.
func TestStatementsArePreparedOnceAndReused(t *testing.T) {
	ctx := context.Background()
	d := openTestSQLite(t)
	const ins = `INSERT INTO kv (k, v) VALUES (?, ?)`
	const sel = `SELECT v FROM kv WHERE k = ?`
	for i := range 3 {
		err := d.WithTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, ins, fmt.Sprint("k", i), i)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && d.wstmts.lookup(ins) == nil {
			t.Fatal("the transaction's statement was not prepared for the cache once the transaction ended")
		}
	}
	first := d.wstmts.lookup(ins)
	err := d.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, ins, "k3", 3)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.wstmts.lookup(ins) != first {
		t.Fatal("the statement was prepared again")
	}
	for i := range 4 {
		var v int
		if err := d.QueryRowContext(ctx, sel, fmt.Sprint("k", i)).Scan(&v); err != nil || v != i {
			t.Fatalf("k%d = %d, %v; want %d", i, v, err, i)
		}
	}
	if d.rstmts.len() != 1 {
		t.Fatalf("read pool caches %d statements, want 1 (the same query four times)", d.rstmts.len())
	}
}

// A cached statement keeps working after the schema changes under it
// (SQLite re-prepares it), so a migration does not break a running server.
func TestCachedStatementSurvivesSchemaChange(t *testing.T) {
	ctx := context.Background()
	d := openTestSQLite(t)
	if _, err := d.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, "a", 1); err != nil {
		t.Fatal(err)
	}
	const sel = `SELECT * FROM kv WHERE k = ?`
	var k string
	var v int
	if err := d.QueryRowContext(ctx, sel, "a").Scan(&k, &v); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ExecContext(ctx, `ALTER TABLE kv ADD COLUMN w INTEGER NOT NULL DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	var w int
	if err := d.QueryRowContext(ctx, sel, "a").Scan(&k, &v, &w); err != nil || w != 7 {
		t.Fatalf("after ALTER TABLE: w = %d, %v; want the new column", w, err)
	}
}

// Running a statement again in a transaction while its rows are still open
// fails loudly on SQLite (as every second statement does on PostgreSQL);
// it never restarts the first cursor and returns wrong rows.
func TestNestedUseOfACachedStatementInATransactionNeverReturnsWrongRows(t *testing.T) {
	ctx := context.Background()
	d := openTestSQLite(t)
	for i := range 5 {
		if _, err := d.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, fmt.Sprint("k", i), i); err != nil {
			t.Fatal(err)
		}
	}
	const sel = `SELECT k FROM kv WHERE v >= ? ORDER BY v`
	for _, q := range []string{sel, `SELECT k FROM kv ORDER BY v`} {
		for range 2 { // the second time the statement is in the cache
			err := d.WithTx(ctx, func(tx *Tx) error {
				args := []any{}
				if q == sel {
					args = []any{0}
				}
				outer, err := tx.QueryContext(ctx, q, args...)
				if err != nil {
					return err
				}
				defer outer.Close()
				var got []string
				for outer.Next() {
					var k string
					if err := outer.Scan(&k); err != nil {
						return err
					}
					got = append(got, k)
					if len(got) == 2 {
						inner, err := tx.QueryContext(ctx, q, args...)
						if err == nil {
							for inner.Next() {
							}
							err = inner.Err()
							inner.Close()
						}
						_ = err // an error is fine; wrong outer rows are not
					}
				}
				if err := outer.Err(); err != nil {
					return nil // failed loudly
				}
				if fmt.Sprint(got) != "[k0 k1 k2 k3 k4]" {
					t.Errorf("%s: outer rows %v, want k0..k4", q, got)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Many goroutines reading and writing through cached statements at once
// (run with -race) see every committed row.
func TestCachedStatementsUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	d := openTestSQLite(t)
	const writers, each = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				err := d.WithTx(ctx, func(tx *Tx) error {
					_, err := tx.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, fmt.Sprint(w, "-", i), i)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range each {
				var n int
				if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM kv WHERE v <= ?`, i).Scan(&n); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM kv WHERE v <= ?`, each).Scan(&n); err != nil || n != writers*each {
		t.Fatalf("%d rows, %v; want %d", n, err, writers*each)
	}
}
