// Package migrations holds Kontor's SQL schema as numbered files, embedded
// into the binary. The same files run on SQLite and PostgreSQL, so they use
// the types both understand: TEXT, BIGINT, INTEGER, BOOLEAN and BYTEA (which
// SQLite stores as a blob). Times are BIGINT milliseconds since the epoch.
// Counters that must be gap-free and in commit order (journal, event log,
// per-channel sequence) are rows updated inside the writing transaction,
// never database sequences.
package migrations

import "embed"

// FS holds the migrations, NNNN_name.sql, applied in version order.
//
//go:embed *.sql
var FS embed.FS
