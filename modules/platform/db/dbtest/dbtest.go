// Package dbtest gives tests a fresh, migrated database of each dialect:
// a temporary SQLite file, and a new database on the PostgreSQL server
// that `make test` starts (KONTOR_TEST_POSTGRES_URL).
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/migrations"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// PostgresEnv names the variable holding a PostgreSQL url with the right
// to create databases.
const PostgresEnv = "KONTOR_TEST_POSTGRES_URL"

// HowToStart tells a developer how to get the test services running.
const HowToStart = "run the tests with `make test`, which starts PostgreSQL, slapd, MinIO and NATS on 127.0.0.1, " +
	"or start them yourself with `eval $(go run ./tools/testenv start)` and stop them with `go run ./tools/testenv stop`"

// Each runs fn once on SQLite and once on PostgreSQL, each with a fresh
// migrated database, as subtests named after the dialect.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run(string(db.SQLite), func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(string(db.Postgres), func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in a temporary directory.
func SQLite(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), "", t.TempDir(), db.Options{})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d)
	return d
}

// PostgresURL creates a fresh empty database and returns its url; the
// database is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		t.Fatalf("PostgreSQL is not available: %s is not set; %s", PostgresEnv, HowToStart)
	}
	name := "kt_" + strings.ToLower(ids.New())
	conn, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("PostgreSQL at %s does not answer (%v); %s", redacted(admin), err, HowToStart)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a migrated fresh PostgreSQL database.
func Postgres(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), PostgresURL(t), "", db.Options{MaxConns: 10})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	migrate(t, d)
	return d
}

func migrate(t testing.TB, d *db.DB) {
	t.Helper()
	if _, err := d.Migrate(context.Background(), migrations.FS); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
}

func redacted(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable url)"
	}
	return fmt.Sprintf("%s://%s%s", p.Scheme, p.Host, p.Path)
}
