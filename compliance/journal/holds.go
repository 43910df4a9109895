package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// Legal holds (table legal_holds, written by the compliance desk in
// modules/compliance) guard every purge here: whatever purges content —
// expired self-destructing messages, retention, erasure — goes through
// Purge or PurgeSubject, so a hold cannot be bypassed by a new caller.

// HoldsCovering returns the ids of the active holds that cover the
// subject (a message or file): its first entry's author, channel and time
// fall within the hold.
func HoldsCovering(ctx context.Context, q db.Querier, subjectID string) ([]string, error) {
	var actor, channel string
	var at int64
	err := q.QueryRowContext(ctx, `SELECT actor_id, channel_id, at FROM journal_entries WHERE subject_id = ? ORDER BY seq LIMIT 1`,
		subjectID).Scan(&actor, &channel, &at)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("holds for %s: %w", subjectID, err)
	}
	return holdsCovering(ctx, q, actor, channel, at)
}

// holdsCovering returns the active holds covering content by actor in
// channel at (Unix milliseconds).
func holdsCovering(ctx context.Context, q db.Querier, actor, channel string, at int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, custodians, channels FROM legal_holds
		WHERE released_at = 0 AND (starts_at = 0 OR starts_at <= ?) AND (ends_at = 0 OR ? < ends_at) ORDER BY id`, at, at)
	if err != nil {
		return nil, fmt.Errorf("legal holds: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, custodians, channels string
		if err := rows.Scan(&id, &custodians, &channels); err != nil {
			return nil, fmt.Errorf("legal holds: %w", err)
		}
		if (custodians == "" || slices.Contains(strings.Fields(custodians), actor)) &&
			(channels == "" || slices.Contains(strings.Fields(channels), channel)) {
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
