package db

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one SQL file: NNNN_name.sql.
type Migration struct {
	Version   int
	Name      string
	SQL       string
	AppliedAt time.Time // zero when not applied
}

// LoadMigrations reads the migrations in fsys (top-level *.sql files named
// NNNN_name.sql), sorted by version.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", n)
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", other, n, v)
		}
		seen[v] = n
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", n, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// MigrationStatus lists every known migration with the time it was applied.
func (d *DB) MigrationStatus(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	ms, err := LoadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	if _, err := d.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	applied, err := appliedVersions(ctx, d)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		ms[i].AppliedAt = applied[ms[i].Version]
	}
	return ms, nil
}

func appliedVersions(ctx context.Context, q Querier) (map[int]time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("read applied migrations: %w", err)
		}
		out[v] = time.UnixMilli(at)
	}
	return out, rows.Err()
}

// Migrate applies every migration in fsys that is not applied yet, each in
// its own transaction, and returns the ones it applied. Several processes
// may call it at once (cluster nodes starting together): on PostgreSQL an
// advisory lock serialises them, on SQLite the write lock does.
func (d *DB) Migrate(ctx context.Context, fsys fs.FS) ([]Migration, error) {
	ms, err := LoadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	if _, err := d.ExecContext(ctx, createMigrationsTable); err != nil && !IsUniqueViolation(err) {
		// Two PostgreSQL nodes racing on CREATE TABLE IF NOT EXISTS can
		// collide on the catalog's unique index; the table exists then.
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var done []Migration
	for _, m := range ms {
		applied := false
		err := d.WithTx(ctx, func(tx *Tx) error {
			if d.dialect == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(4711001)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixMilli()); err != nil {
				return err
			}
			applied = true
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if applied {
			done = append(done, m)
		}
	}
	return done, nil
}
