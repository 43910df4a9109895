package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// limiter counts failed sign-ins per key (a username and address pair, a
// known device, a username, a client address) in a sliding window. The
// failures are rows in the database, so the nodes of a cluster count the
// same ones: guessing is bounded by the limit, not by the limit times the
// number of nodes.
//
// An attempt reserves its place before the password is checked: one
// transaction, serialised per key, checks every key's count and records a
// failure for each under the attempt's id. A wrong password leaves those
// rows; a right one takes them back. So however many guesses arrive at
// once, at most the limit of them reach the password check: a count read
// before the (slow) hash and written after it would let all of them through.
type limiter struct {
	db     *db.DB
	window time.Duration
}

func newLimiter(d *db.DB, window time.Duration) *limiter {
	return &limiter{db: d, window: window}
}

// limitKey is a key and how many failures it may have in the window.
type limitKey struct {
	key   string
	limit int
}

// reserve checks every key and, when none has used up its limit, records
// one failure for each under a new attempt id. It returns the id, or how
// long until the fullest key has room again.
func (l *limiter) reserve(ctx context.Context, keys []limitKey, now time.Time) (attempt string, wait time.Duration, err error) {
	attempt = ids.Token(16)
	err = l.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := lockKeys(ctx, tx, keys); err != nil {
			return err
		}
		for _, k := range keys {
			w, err := l.blocked(ctx, tx, k, now)
			if err != nil {
				return err
			}
			wait = max(wait, w)
		}
		if wait > 0 {
			return nil
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, at, attempt) VALUES (?, ?, ?)`,
				k.key, now.UnixMilli(), attempt); err != nil {
				return fmt.Errorf("reserve sign-in attempt: %w", err)
			}
		}
		return nil
	})
	if err != nil || wait > 0 {
		return "", wait, err
	}
	return attempt, 0, nil
}

// lockKeys serialises the transactions that touch the same keys until
// commit. SQLite needs nothing: a write transaction there is exclusive
// (BEGIN IMMEDIATE on the one write connection). PostgreSQL takes a
// transaction-scoped advisory lock per key, in a fixed order so that two
// attempts sharing keys cannot deadlock; the count that follows runs after
// the previous holder committed, so it sees that holder's rows.
func lockKeys(ctx context.Context, tx *db.Tx, keys []limitKey) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	locks := make([]int64, 0, len(keys))
	for _, k := range keys {
		h := fnv.New64a()
		_, _ = h.Write([]byte("login:" + k.key))
		locks = append(locks, int64(h.Sum64()))
	}
	slices.Sort(locks)
	for _, id := range slices.Compact(locks) {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, id); err != nil {
			return fmt.Errorf("lock sign-in limit: %w", err)
		}
	}
	return nil
}

// blocked reports how long until key has room for one more failure (0:
// it has room now).
func (l *limiter) blocked(ctx context.Context, q db.Querier, k limitKey, now time.Time) (time.Duration, error) {
	// The limit-th newest failure in the window: once it leaves the
	// window, fewer than limit remain.
	var at int64
	err := q.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?`,
		k.key, now.Add(-l.window).UnixMilli(), k.limit-1).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("count failed sign-ins: %w", err)
	}
	return max(time.UnixMilli(at).Add(l.window).Sub(now), time.Millisecond), nil
}

// release takes back an attempt's reservation: the password was right, or
// it could not be checked (the directory was down).
func (l *limiter) release(ctx context.Context, attempt string) error {
	if attempt == "" {
		return nil
	}
	// Not the request's context: a client that hangs up must not leave its
	// right password counted as a failure.
	if _, err := l.db.ExecContext(context.WithoutCancel(ctx), `DELETE FROM login_failures WHERE attempt = ?`, attempt); err != nil {
		return fmt.Errorf("release sign-in attempt: %w", err)
	}
	return nil
}

// reset forgets the failures of keys (after a success from that client).
func (l *limiter) reset(ctx context.Context, keys ...string) error {
	for _, key := range keys {
		if _, err := l.db.ExecContext(context.WithoutCancel(ctx), `DELETE FROM login_failures WHERE key = ?`, key); err != nil {
			return fmt.Errorf("forget failed sign-ins: %w", err)
		}
	}
	return nil
}

// prune removes failures that have left the window.
func (l *limiter) prune(ctx context.Context, now time.Time) (int64, error) {
	res, err := l.db.ExecContext(ctx, `DELETE FROM login_failures WHERE at <= ?`, now.Add(-l.window).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("prune failed sign-ins: %w", err)
	}
	return res.RowsAffected()
}
