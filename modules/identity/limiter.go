package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// limiter counts failed sign-ins per key (a username, a client address) in
// a sliding window. The failures are rows in the database, so the nodes of
// a cluster count the same ones: guessing is bounded by the limit, not by
// the limit times the number of nodes.
type limiter struct {
	db     *db.DB
	window time.Duration
}

func newLimiter(d *db.DB, window time.Duration) *limiter {
	return &limiter{db: d, window: window}
}

// blocked reports whether key has used up its limit of failures and, if
// so, how long until enough of them leave the window.
func (l *limiter) blocked(ctx context.Context, key string, now time.Time, limit int) (bool, time.Duration, error) {
	// The limit-th newest failure in the window: once it leaves the
	// window, fewer than limit remain.
	var at int64
	err := l.db.QueryRowContext(ctx, `SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?`,
		key, now.Add(-l.window).UnixMilli(), limit-1).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("count failed sign-ins: %w", err)
	}
	return true, time.UnixMilli(at).Add(l.window).Sub(now), nil
}

func (l *limiter) fail(ctx context.Context, key string, now time.Time) error {
	if _, err := l.db.ExecContext(ctx, `INSERT INTO login_failures (key, at) VALUES (?, ?)`, key, now.UnixMilli()); err != nil {
		return fmt.Errorf("record failed sign-in: %w", err)
	}
	return nil
}

func (l *limiter) reset(ctx context.Context, key string) error {
	if _, err := l.db.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, key); err != nil {
		return fmt.Errorf("forget failed sign-ins: %w", err)
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
