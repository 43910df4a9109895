package db

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds a pool's statement cache. The module stores have
// a few hundred distinct statements; queries built with In(n) add one per
// list length. Past the bound a statement runs unprepared, as before.
const maxCachedStmts = 1000

// stmtCache keeps the prepared statements of one pool, keyed by SQL text
// (after rebinding). modernc's SQLite driver parses and plans a statement
// anew on every ExecContext/QueryContext; a *sql.Stmt is prepared once per
// connection of the pool and reused (database/sql prepares it on another
// connection when it needs one, and forgets it when a connection closes).
//
// It is used on SQLite only. On PostgreSQL the pgx driver already keeps a
// per-connection cache of prepared statements keyed by SQL text, and
// re-prepares after a schema change; a second layer would save nothing
// and could keep a stale plan across a migration run by another node.
type stmtCache struct {
	pool *sql.DB
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}}
}

// lookup returns the statement for q if it was prepared already.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	s := c.m[q]
	c.mu.RUnlock()
	return s
}

// get returns the statement for q, preparing it on first use; nil when
// the cache is full or the statement does not prepare (the caller then
// runs q unprepared and reports the driver's error). get takes a
// connection of the pool to prepare on, so it must not be called by a
// goroutine that holds the pool's last free connection: never inside a
// transaction on SQLite's single writer (Tx uses lookup and remember).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	if s := c.lookup(q); s != nil {
		return s
	}
	c.mu.RLock()
	full := len(c.m) >= maxCachedStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	s, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok {
		// Prepared twice at once: keep the first, drop ours.
		_ = s.Close()
		return prev
	}
	if len(c.m) >= maxCachedStmts {
		_ = s.Close()
		return nil
	}
	c.m[q] = s
	return s
}

// close closes every cached statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		_ = s.Close()
		delete(c.m, q)
	}
}

// len is the number of cached statements (for tests).
func (c *stmtCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
