// Package db gives every module the same small door to the database, on
// SQLite (the embedded default) and PostgreSQL (for clusters): queries are
// written once with ? placeholders, transactions go through WithTx, and
// work that must wait for a commit (publishing events) is queued with
// Tx.AfterCommit.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what both a DB and a Tx offer; store functions take it so
// that they run inside or outside a transaction alike.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Dialect() Dialect
}

// DB is a database handle. On SQLite writes go through a single connection
// (SQLite has one writer; queueing in Go is cheaper than its busy loop)
// while reads use a pool.
type DB struct {
	read    *sql.DB
	write   *sql.DB
	dialect Dialect
	rebind  *rebinder
	where   string // a description without credentials, for logs
	// Prepared statements of the read and the write pool (SQLite only,
	// nil on PostgreSQL: see stmtCache).
	rstmts, wstmts *stmtCache
}

// Options tune Open.
type Options struct {
	// MaxConns bounds the PostgreSQL pool (0 means 20).
	MaxConns int
}

// Open connects to url. An empty url means SQLite in dataDir/kontor.db; a
// url starting with postgres:// or postgresql:// means PostgreSQL; a url
// starting with sqlite: names an SQLite file.
func Open(ctx context.Context, url, dataDir string, opt Options) (*DB, error) {
	switch {
	case url == "":
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open database: create data dir: %w", err)
		}
		return openSQLite(ctx, filepath.Join(dataDir, "kontor.db"))
	case strings.HasPrefix(url, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//"))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url, opt)
	default:
		return nil, fmt.Errorf("open database: unsupported database url (want postgres://... or sqlite:PATH)")
	}
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	// SQLite creates a new database 0644 and gives its -wal and -shm files
	// the database's mode: made here first, 0600, none of them is readable
	// by other accounts on the machine, whatever the umask.
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// FULL synchronous: a commit is on disk before we answer, so an
	// acknowledged message survives a power cut, not only a crash.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(ON)&_pragma=synchronous(FULL)&_txlock=immediate"
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	d := &DB{read: read, write: write, dialect: SQLite, rebind: newRebinder(SQLite), where: "sqlite " + path,
		rstmts: newStmtCache(read), wstmts: newStmtCache(write)}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// createPrivate creates an empty file with mode 0600 unless path names
// an existing file or no file at all (an in-memory database).
func createPrivate(path string) error {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(path, "?") {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

func openPostgres(ctx context.Context, url string, opt Options) (*DB, error) {
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	n := opt.MaxConns
	if n <= 0 {
		n = 20
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	d := &DB{read: pool, write: pool, dialect: Postgres, rebind: newRebinder(Postgres), where: "postgres " + redactURL(url)}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// redactURL drops the password from a database url for logs.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		userinfo = userinfo[:i] + ":xxxxx"
	}
	return u[:scheme+3] + userinfo + u[at:]
}

// Dialect says which database this is.
func (d *DB) Dialect() Dialect { return d.dialect }

// String describes the database without credentials.
func (d *DB) String() string { return d.where }

// Pools returns the underlying pools (read first) for metrics collectors.
// On PostgreSQL both are the same pool.
func (d *DB) Pools() (read, write *sql.DB) { return d.read, d.write }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", d.where, err)
	}
	return nil
}

// Close closes the pools.
func (d *DB) Close() error {
	d.rstmts.close()
	d.wstmts.close()
	err := d.read.Close()
	if d.write != d.read {
		err = errors.Join(err, d.write.Close())
	}
	return err
}

// ExecContext runs a statement outside a transaction.
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = d.rebind.do(q)
	if s := d.wstmts.get(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return d.write.ExecContext(ctx, q, args...)
}

// QueryContext runs a read query.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = d.rebind.do(q)
	if s := d.rstmts.get(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return d.read.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a read query for one row.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = d.rebind.do(q)
	if s := d.rstmts.get(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return d.read.QueryRowContext(ctx, q, args...)
}

// Tx is a transaction. Use it only inside the function given to WithTx.
type Tx struct {
	tx          *sql.Tx
	d           *DB
	afterCommit []func()
	stmts       map[string]*sql.Stmt // cached statements bound to this transaction
	missed      []string             // statements to prepare for the cache once the writer is free
	// counters this transaction has advanced, to keep the lock order
	// (NextCounter).
	counters []string
}

// stmt returns the cached statement for q bound to this transaction, or
// nil when q is not prepared yet; then it is prepared once the
// transaction has ended, since preparing needs the writer's connection,
// which this transaction holds.
func (t *Tx) stmt(ctx context.Context, q string) *sql.Stmt {
	if s := t.stmts[q]; s != nil {
		return s
	}
	s := t.d.wstmts.lookup(q)
	if s == nil {
		if t.d.wstmts != nil {
			t.missed = append(t.missed, q)
		}
		return nil
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	ts := t.tx.StmtContext(ctx, s)
	t.stmts[q] = ts
	return ts
}

// Dialect says which database this is.
func (t *Tx) Dialect() Dialect { return t.d.dialect }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.d.rebind.do(q)
	if s := t.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

// QueryContext runs a query in the transaction. Read its rows to the end
// (or close them) before the next statement: PostgreSQL refuses a second
// statement on the connection while rows are open. On SQLite a cached
// statement cannot run again while its rows are open either; a query with
// arguments then fails ("bind on a busy prepared statement") instead of
// restarting the first cursor, and one without arguments (which would
// restart it silently) is never taken from the cache.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.d.rebind.do(q)
	if len(args) > 0 {
		if s := t.stmt(ctx, q); s != nil {
			return s.QueryContext(ctx, args...)
		}
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a query for one row in the transaction (see
// QueryContext for why one without arguments is not cached).
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.d.rebind.do(q)
	if len(args) > 0 {
		if s := t.stmt(ctx, q); s != nil {
			return s.QueryRowContext(ctx, args...)
		}
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

// AfterCommit queues fn to run once the transaction has committed. It
// never runs if the transaction rolls back.
func (t *Tx) AfterCommit(fn func()) { t.afterCommit = append(t.afterCommit, fn) }

// WithTx runs fn in a transaction and commits if fn returns nil. Functions
// queued with AfterCommit run after the commit, in order.
func (d *DB) WithTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: stx, d: d}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		d.prepareMissed(ctx, tx.missed)
		return err
	}
	if err := stx.Commit(); err != nil {
		d.prepareMissed(ctx, tx.missed)
		return fmt.Errorf("commit: %w", err)
	}
	d.prepareMissed(ctx, tx.missed)
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// prepareMissed prepares, for the write pool's cache, the statements a
// transaction ran unprepared. It runs after the transaction released the
// writer. A failure only means the statement stays unprepared.
func (d *DB) prepareMissed(ctx context.Context, qs []string) {
	ctx = context.WithoutCancel(ctx)
	for _, q := range qs {
		d.wstmts.get(ctx, q)
	}
}

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// rebinder turns ? placeholders into $1, $2, ... for PostgreSQL and
// remembers the result, since the same few hundred queries repeat.
type rebinder struct {
	dialect Dialect
	cache   sync.Map
}

func newRebinder(d Dialect) *rebinder { return &rebinder{dialect: d} }

func (r *rebinder) do(q string) string {
	if r.dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	if v, ok := r.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\'' {
			inString = !inString
		}
		if c == '?' && !inString {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	r.cache.Store(q, out)
	return out
}

// In returns "?, ?, ?" with n placeholders, for IN lists.
func In(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// TryLock takes a cluster-wide lock named name if nobody holds it, for
// jobs that must run on one node at a time. On SQLite (one node) it always
// succeeds. Call unlock when done.
func (d *DB) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if d.dialect != Postgres {
		return func() {}, true, nil
	}
	conn, err := d.write.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	key := int64(fnv64(name))
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, key).Scan(&ok); err != nil {
		conn.Close()
		return nil, false, fmt.Errorf("lock %s: %w", name, err)
	}
	if !ok {
		conn.Close()
		return nil, false, nil
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, key)
		conn.Close()
	}, true, nil
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// LockCounter takes the named counter's lock in tx without advancing it,
// for a transaction that must keep the order NextCounter checks but needs
// a later counter's value before it advances this one (an audit entry's
// journal entry names the audit sequence number).
func LockCounter(ctx context.Context, tx *Tx, name string) error {
	tx.counters = append(tx.counters, name)
	if _, err := tx.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES (?, 0)
		ON CONFLICT (name) DO UPDATE SET value = counters.value`, name); err != nil {
		return fmt.Errorf("lock counter %s: %w", name, err)
	}
	return nil
}

// Names of the shared counters whose order NextCounter keeps.
const (
	JournalCounter = "journal"
	EventsCounter  = "events"
	AuditCounter   = "audit"
)

// NextCounter advances the named counter and returns its new value,
// starting at 1. Inside a transaction the row stays locked until commit,
// so values come out gap-free and in commit order.
//
// Counter rows are locks, so every transaction must take them in one
// order or two transactions can deadlock holding one each (PostgreSQL
// aborts one; SQLite's single writer hides it). The order: "journal"
// before the shared sequences that follow a change ("events", "audit").
// Taking the journal after one of those is refused, so a wrong order
// fails in every test instead of deadlocking now and then in production.
func NextCounter(ctx context.Context, q Querier, name string) (int64, error) {
	if tx, ok := q.(*Tx); ok {
		if name == JournalCounter {
			for _, c := range tx.counters {
				if c == JournalCounter {
					break // locked before the others: the order holds
				}
				if c == EventsCounter || c == AuditCounter {
					return 0, fmt.Errorf("counter %s: taken after %q in one transaction; append to the journal before the event log and the audit log", name, c)
				}
			}
		}
		tx.counters = append(tx.counters, name)
	}
	var v int64
	err := q.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	return v, nil
}
