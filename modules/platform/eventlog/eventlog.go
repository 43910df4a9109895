// Package eventlog is the durable stream of events that clients receive
// in real time and replay after a reconnect. A module appends an event in
// the same transaction as the change; after commit the event is announced
// on the bus. Readers (the realtime gateway on each node) read the log in
// sequence order, so nothing depends on the bus alone.
package eventlog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/kontorhq/kontor/modules/platform/bus"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// Subject is where appended events are announced on the bus.
const Subject = "kontor.events"

// Event is one entry of the log.
type Event struct {
	Seq  int64     `json:"cursor"`
	Type string    `json:"type"`
	At   time.Time `json:"at"`
	// ChannelID addresses the event to the channel's members.
	ChannelID string `json:"channel_id,omitempty"`
	// UserID addresses the event to one user only (read marks, own settings).
	UserID  string          `json:"user_id,omitempty"`
	Payload json.RawMessage `json:"payload"`
}

// Subjecter is a payload about one message or file: its events are
// removed with it (PurgeSubjects).
type Subjecter interface {
	EventSubject() string
}

// Log appends and reads events.
type Log struct {
	db  *db.DB
	bus bus.Bus
	// observe, when set (by tests), sees every appended event.
	observe func(Event)
	// committed see every appended event after its commit.
	committed []func(Event)
}

// Kind is an event type bound to the Go type of its payload: a module
// declares one constant per event it appends, and the compiler keeps the
// payload it passes in step with it.
type Kind[P any] string

// Draft is an event ready to append. Only Kind.With makes one, so every
// payload in the log went through a declared Kind, never a loose map.
type Draft struct {
	typ     string
	payload any
}

// With pairs the event type with its payload.
func (k Kind[P]) With(p P) Draft { return Draft{typ: string(k), payload: p} }

// Type is the event type the draft will be appended as.
func (d Draft) Type() string { return d.typ }

// Payload is the draft's payload, for senders of frames that do not go
// through the log (the websocket's control frames).
func (d Draft) Payload() any { return d.payload }

// Spec describes the kind for the OpenAPI document.
func (k Kind[P]) Spec() Spec { return Spec{Type: string(k), Payload: reflect.TypeFor[P]()} }

// Spec is an event type and the Go type of its payload.
type Spec struct {
	Type    string
	Payload reflect.Type
}

// Observe makes f see every event appended from now on, in the appending
// transaction (tests use it to check each event against its schema). It
// is not synchronised: call it before the log is used.
func (l *Log) Observe(f func(Event)) { l.observe = f }

// OnCommit makes f see every event appended through this Log from now
// on, once its transaction committed, before the bus announces it (the
// realtime hub delivers them from memory instead of reading back what it
// was just told about). f runs in the committing goroutine and must not
// block. Concurrent transactions report in the order their commits
// return, which need not be cursor order. Not synchronised: call it
// before the log is used.
func (l *Log) OnCommit(f func(Event)) { l.committed = append(l.committed, f) }

// New returns the event log.
func New(d *db.DB, b bus.Bus) *Log { return &Log{db: d, bus: b} }

// Append adds the event in tx for a channel's members (userID empty) or
// for one user (channelID empty), and announces it on the bus after
// commit. It returns the event's cursor.
func (l *Log) Append(ctx context.Context, tx *db.Tx, d Draft, channelID, userID string, at time.Time) (int64, error) {
	typ := d.typ
	if typ == "" {
		return 0, fmt.Errorf("event without a type: make it with Kind.With")
	}
	b, err := json.Marshal(d.payload)
	if err != nil {
		return 0, fmt.Errorf("event %s: %w", typ, err)
	}
	seq, err := db.NextCounter(ctx, tx, db.EventsCounter)
	if err != nil {
		return 0, err
	}
	// The message or file the event is about, so purging it can remove
	// the event too (retention, erasure).
	var subject string
	if s, ok := d.payload.(Subjecter); ok {
		subject = s.EventSubject()
	}
	at = at.UTC().Truncate(time.Millisecond)
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (seq, type, channel_id, user_id, payload, at, subject_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		seq, typ, channelID, userID, string(b), at.UnixMilli(), subject); err != nil {
		return 0, fmt.Errorf("event %s: %w", typ, err)
	}
	ev := Event{Seq: seq, Type: typ, At: at, ChannelID: channelID, UserID: userID, Payload: b}
	if l.observe != nil {
		l.observe(ev)
	}
	tx.AfterCommit(func() {
		for _, f := range l.committed {
			f(ev)
		}
		if msg, err := json.Marshal(ev); err == nil {
			// Losing this only delays delivery until the next event or poll.
			_ = l.bus.Publish(context.Background(), Subject, msg)
		}
	})
	return seq, nil
}

// Since returns up to limit events after cursor, in order.
//
// A reader that has everything up to cursor may move its cursor to the
// last event returned: cursors are handed out by a counter row that each
// appending transaction keeps locked until it commits or rolls back (one
// writer at a time on SQLite), so events become visible in cursor order
// and a rolled back transaction gives its cursor to the next one. No
// event can turn up later below one already read.
func (l *Log) Since(ctx context.Context, after int64, limit int) ([]Event, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT seq, type, channel_id, user_id, payload, at FROM events
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	return scanEvents(rows)
}

func scanEvents(rows *sql.Rows) ([]Event, error) {
	var out []Event
	for rows.Next() {
		var e Event
		var payload string
		var at int64
		if err := rows.Scan(&e.Seq, &e.Type, &e.ChannelID, &e.UserID, &payload, &at); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Payload = json.RawMessage(payload)
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// Bounds returns the oldest and newest cursor still in the log (0, 0 when empty).
func (l *Log) Bounds(ctx context.Context) (oldest, newest int64, err error) {
	var lo, hi *int64
	if err := l.db.QueryRowContext(ctx, `SELECT MIN(seq), MAX(seq) FROM events`).Scan(&lo, &hi); err != nil {
		return 0, 0, fmt.Errorf("event log bounds: %w", err)
	}
	if lo == nil || hi == nil {
		return 0, 0, nil
	}
	return *lo, *hi, nil
}

// Prune removes events older than before; clients whose cursor is older
// than what remains are told to resync.
func (l *Log) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := l.db.ExecContext(ctx, `DELETE FROM events WHERE at < ? AND seq < (SELECT MAX(seq) FROM events)`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("prune events: %w", err)
	}
	return res.RowsAffected()
}

// SinceFor returns up to limit events in (after, upTo] addressed to
// userID or to one of channels, in order.
func (l *Log) SinceFor(ctx context.Context, after, upTo int64, channels []string, userID string, limit int) ([]Event, error) {
	if len(channels) > 500 {
		// A long IN list costs more than filtering here.
		return l.filter(ctx, after, upTo, channels, userID, limit)
	}
	args := []any{after, upTo, userID}
	for _, c := range channels {
		args = append(args, c)
	}
	args = append(args, limit)
	in := "''"
	if len(channels) > 0 {
		in = db.In(len(channels))
	}
	rows, err := l.db.QueryContext(ctx, `SELECT seq, type, channel_id, user_id, payload, at FROM events
		WHERE seq > ? AND seq <= ? AND ((user_id = ? AND channel_id = '') OR channel_id IN (`+in+`)) ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	return scanEvents(rows)
}

func (l *Log) filter(ctx context.Context, after, upTo int64, channels []string, userID string, limit int) ([]Event, error) {
	set := make(map[string]bool, len(channels))
	for _, c := range channels {
		set[c] = true
	}
	var out []Event
	for after < upTo && len(out) < limit {
		batch, err := l.Since(ctx, after, 1000)
		if err != nil || len(batch) == 0 {
			return out, err
		}
		for _, e := range batch {
			if e.Seq > upTo {
				return out, nil
			}
			after = e.Seq
			if (e.ChannelID == "" && e.UserID == userID) || set[e.ChannelID] {
				out = append(out, e)
				if len(out) == limit {
					break
				}
			}
		}
	}
	return out, nil
}

// PurgeSubjects removes, in tx, the events about the given messages or
// files (payloads that implement Subjecter), so a purged message's text
// does not live on in the log clients replay.
func PurgeSubjects(ctx context.Context, tx *db.Tx, subjectIDs []string) (int64, error) {
	var n int64
	err := db.EachIn(subjectIDs, func(chunk []string) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE subject_id IN (`+db.In(len(chunk))+`)`, db.Args(chunk)...)
		if err != nil {
			return fmt.Errorf("purge events: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
		return nil
	})
	return n, err
}
