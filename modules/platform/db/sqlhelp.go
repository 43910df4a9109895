package db

import (
	"database/sql"
	"strings"
)

// Scanner is a row that can be scanned: *sql.Row and *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Collect scans every row with scan and closes rows.
func Collect[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Prefixed puts p (a table alias and dot, "m.") before every column of a
// comma-separated list, for queries that join tables with the same columns.
func Prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i := range parts {
		parts[i] = p + strings.TrimSpace(parts[i])
	}
	return strings.Join(parts, ", ")
}

// EscapeLike escapes s for a LIKE pattern whose statement says ESCAPE '\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// MaxIn is how many values one IN list of a batch statement carries: far
// below SQLite's and PostgreSQL's limits on parameters, and long enough
// that a batch of thousands takes a handful of statements.
const MaxIn = 500

// Args turns ids into query arguments.
func Args(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// EachIn calls fn with ids in chunks of at most MaxIn, stopping at the
// first error.
func EachIn(ids []string, fn func(chunk []string) error) error {
	for start := 0; start < len(ids); start += MaxIn {
		if err := fn(ids[start:min(start+MaxIn, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}
