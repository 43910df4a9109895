package calls

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// callRow is a row of the calls table.
type callRow struct {
	ID, ChannelID, StartedBy, Node string
	StartedAt, HeartbeatAt         int64
	EndedAt                        int64
	EndedBy                        string
	TookPart                       []string
}

const callCols = `id, channel_id, started_by, node, started_at, heartbeat_at, ended_at, ended_by, participants`

func scanCall(sc db.Scanner) (callRow, error) {
	var r callRow
	var parts string
	if err := sc.Scan(&r.ID, &r.ChannelID, &r.StartedBy, &r.Node, &r.StartedAt, &r.HeartbeatAt, &r.EndedAt, &r.EndedBy, &parts); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(parts), &r.TookPart); err != nil {
		return r, fmt.Errorf("call %s: participants: %w", r.ID, err)
	}
	return r, nil
}

func insertCall(ctx context.Context, q db.Querier, r callRow) error {
	parts, _ := json.Marshal(r.TookPart)
	_, err := q.ExecContext(ctx, `INSERT INTO calls (`+callCols+`) VALUES (?, ?, ?, ?, ?, ?, 0, '', ?)`,
		r.ID, r.ChannelID, r.StartedBy, r.Node, r.StartedAt, r.HeartbeatAt, string(parts))
	if err != nil {
		return fmt.Errorf("insert call: %w", err)
	}
	return nil
}

func setTookPart(ctx context.Context, q db.Querier, id string, tookPart []string) error {
	parts, _ := json.Marshal(tookPart)
	if _, err := q.ExecContext(ctx, `UPDATE calls SET participants = ? WHERE id = ?`, string(parts), id); err != nil {
		return fmt.Errorf("update call: %w", err)
	}
	return nil
}

// markEnded ends a running call; false when it had ended already.
func markEnded(ctx context.Context, q db.Querier, id string, at int64, by string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE calls SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at = 0`, at, by, id)
	if err != nil {
		return false, fmt.Errorf("end call: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

var errNoCall = errors.New("no such call")

func runningCall(ctx context.Context, q db.Querier, channelID string) (callRow, error) {
	r, err := scanCall(q.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE channel_id = ? AND ended_at = 0`, channelID))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNoCall
	}
	return r, err
}

func recentCalls(ctx context.Context, q db.Querier, channelID string, limit int) ([]callRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+callCols+` FROM calls WHERE channel_id = ?
		ORDER BY started_at DESC, id DESC LIMIT ?`, channelID, limit)
	if err != nil {
		return nil, fmt.Errorf("list calls: %w", err)
	}
	return db.Collect(rows, scanCall)
}

// staleCalls are running calls whose node has not renewed them since before.
func staleCalls(ctx context.Context, q db.Querier, before int64, node string) ([]callRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+callCols+` FROM calls WHERE ended_at = 0 AND heartbeat_at < ? AND node <> ?`, before, node)
	if err != nil {
		return nil, fmt.Errorf("stale calls: %w", err)
	}
	return db.Collect(rows, scanCall)
}

func renewCalls(ctx context.Context, q db.Querier, node string, at int64) error {
	if _, err := q.ExecContext(ctx, `UPDATE calls SET heartbeat_at = ? WHERE node = ? AND ended_at = 0`, at, node); err != nil {
		return fmt.Errorf("renew calls: %w", err)
	}
	return nil
}

func (r callRow) call() Call {
	c := Call{ID: r.ID, ChannelID: r.ChannelID, StartedBy: r.StartedBy, StartedAt: time.UnixMilli(r.StartedAt).UTC(),
		EndedBy: r.EndedBy, Participants: []CallParticipant{}, TookPart: r.TookPart}
	if c.TookPart == nil {
		c.TookPart = []string{}
	}
	if r.EndedAt != 0 {
		t := time.UnixMilli(r.EndedAt).UTC()
		c.EndedAt = &t
	}
	return c
}
