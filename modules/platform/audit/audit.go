// Package audit writes and reads the audit log: who did which
// administrative action to what, when and from where. Records are written
// in the same transaction as the action, so an action is never without its
// record. Any module that offers administrative actions uses it.
//
// Every entry is also a compliance journal entry (record.AuditRecorded) in
// the same transaction, so the audit trail is as tamper-evident as the
// journal: an entry altered or removed in audit_log no longer matches the
// journal's content hash, and a removed journal entry breaks the tree.
// There is no way to delete an entry, and one way only to change one:
// Pseudonymise, which GDPR erasure uses to replace a person's names with a
// pseudonym after purging the entry's journal content (never under a
// legal hold). No operation offers anything else.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Trail writes audit entries and their journal entries. Modules hold one,
// made with New from the journal they were given.
type Trail struct {
	journal record.Appender
}

// New returns a trail that puts every entry on journal too.
func New(journal record.Appender) *Trail {
	if journal == nil {
		panic("audit: New needs the journal") // a wiring error, found by any test
	}
	return &Trail{journal: journal}
}

// Entry is one audit record.
type Entry struct {
	Seq        int64          `json:"seq" doc:"Position in the log; pass as 'before' to page back."`
	ID         string         `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actor_id" doc:"User id of who acted; empty for Kontor itself (CLI, jobs)."`
	ActorName  string         `json:"actor_name" doc:"Username, or the system actor such as cli or ldap-sync."`
	Action     string         `json:"action" example:"user.disable"`
	TargetType string         `json:"target_type" example:"user"`
	TargetID   string         `json:"target_id"`
	Details    map[string]any `json:"details,omitempty"`
	IP         string         `json:"ip,omitempty"`
	UserAgent  string         `json:"user_agent,omitempty"`
	RequestID  string         `json:"request_id,omitempty"`
}

// Record appends an entry for action on target, taking the actor and the
// origin from ctx, and its journal entry. Call it with the transaction
// that makes the change; given the database itself (an action with no
// transaction of its own, such as a sign-in), it opens one for the two.
func (t *Trail) Record(ctx context.Context, q db.Querier, at time.Time, action, targetType, targetID string, details map[string]any) error {
	switch q := q.(type) {
	case *db.Tx:
		return t.record(ctx, q, at, action, targetType, targetID, details)
	case *db.DB:
		return q.WithTx(ctx, func(tx *db.Tx) error { return t.record(ctx, tx, at, action, targetType, targetID, details) })
	default:
		return fmt.Errorf("audit %s: need the database or a transaction, not %T", action, q)
	}
}

func (t *Trail) record(ctx context.Context, tx *db.Tx, at time.Time, action, targetType, targetID string, details map[string]any) error {
	q := tx
	actorID, actorName := "", "system"
	if p := authn.FromContext(ctx); p != nil {
		actorID, actorName = p.UserID, p.Username
	}
	o := authn.OriginFrom(ctx)
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	// The journal's lock first, as in every transaction (db.NextCounter):
	// this entry's journal entry needs the audit number before it is
	// appended.
	if err := db.LockCounter(ctx, tx, db.JournalCounter); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	seq, err := db.NextCounter(ctx, q, db.AuditCounter)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	id := ids.NewAt(at)
	_, err = q.ExecContext(ctx, `INSERT INTO audit_log
		(seq, id, at, actor_id, actor_name, action, target_type, target_id, details, ip, user_agent, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		seq, id, at.UnixMilli(), actorID, actorName, action, targetType, targetID, string(b), o.IP, o.UserAgent, o.RequestID)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	// The journal commits to the whole entry (its content, purgeable under
	// GDPR: it holds addresses); what was done to what stays in Meta.
	_, err = t.journal.Append(ctx, tx, record.Entry{Kind: string(record.AuditRecorded), ActorID: actorID, SubjectID: id,
		Content: Entry{Seq: seq, ID: id, At: time.UnixMilli(at.UnixMilli()).UTC(), ActorID: actorID, ActorName: actorName, Action: action,
			TargetType: targetType, TargetID: targetID, Details: details, IP: o.IP, UserAgent: o.UserAgent, RequestID: o.RequestID},
		Meta: map[string]string{"audit_seq": strconv.FormatInt(seq, 10), "action": action, "target_type": targetType, "target_id": targetID}})
	if err != nil {
		return fmt.Errorf("audit %s: journal: %w", action, err)
	}
	return nil
}

// Filter narrows a List.
type Filter struct {
	Action     string
	TargetType string
	TargetID   string
	ActorID    string
	// Since and Until bound the time (Since inclusive, Until exclusive);
	// zero means unbounded.
	Since, Until time.Time
	Before       int64 // a seq: list entries older than it
	Limit        int
}

// List returns entries, newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	where, args := "1=1", []any{}
	for _, c := range []struct{ col, val string }{
		{"action", f.Action}, {"target_type", f.TargetType}, {"target_id", f.TargetID}, {"actor_id", f.ActorID},
	} {
		if c.val != "" {
			where += " AND " + c.col + " = ?"
			args = append(args, c.val)
		}
	}
	if !f.Since.IsZero() {
		where += " AND at >= ?"
		args = append(args, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		where += " AND at < ?"
		args = append(args, f.Until.UnixMilli())
	}
	if f.Before > 0 {
		where += " AND seq < ?"
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT seq, id, at, actor_id, actor_name, action, target_type, target_id, details, ip, user_agent, request_id
		FROM audit_log WHERE `+where+` ORDER BY seq DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var details string
		if err := rows.Scan(&e.Seq, &e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType, &e.TargetID, &details, &e.IP, &e.UserAgent, &e.RequestID); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		e.At = time.UnixMilli(at).UTC()
		_ = json.Unmarshal([]byte(details), &e.Details)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Page makes a page of an answer from es, read with limit: never a null
// list, and the cursor that reads the next older page (0 when this was
// the last).
func Page(es []Entry, limit int) (items []Entry, next int64) {
	if es == nil {
		es = []Entry{}
	}
	if limit > 0 && len(es) == limit {
		next = es[len(es)-1].Seq
	}
	return es, next
}

// About lists the entries the user made or that were made about them
// (actor or target), oldest first, after seq: what GDPR erasure weighs.
func About(ctx context.Context, q db.Querier, userID string, after int64, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, id, at, actor_id, actor_name, action, target_type, target_id, details, ip, user_agent, request_id
		FROM audit_log WHERE seq > ? AND (actor_id = ? OR target_id = ?) ORDER BY seq LIMIT ?`, after, userID, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit entries about %s: %w", userID, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var details string
		if err := rows.Scan(&e.Seq, &e.ID, &at, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType, &e.TargetID, &details, &e.IP, &e.UserAgent, &e.RequestID); err != nil {
			return nil, fmt.Errorf("audit entries about %s: %w", userID, err)
		}
		e.At = time.UnixMilli(at).UTC()
		_ = json.Unmarshal([]byte(details), &e.Details)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Pseudonymise rewrites who an entry names, for GDPR erasure only: the
// actor's name, the details and the origin (address, browser) become e's.
// What was done to what, when and by which id stays. The caller purges
// the entry's journal content first (so the journal's check reports the
// row as purged, not as changed) and only where no legal hold keeps it.
func Pseudonymise(ctx context.Context, tx *db.Tx, e Entry) error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	b, err := json.Marshal(e.Details)
	if err != nil {
		return fmt.Errorf("pseudonymise audit entry %s: %w", e.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET actor_name = ?, details = ?, ip = ?, user_agent = ? WHERE seq = ?`,
		e.ActorName, string(b), e.IP, e.UserAgent, e.Seq); err != nil {
		return fmt.Errorf("pseudonymise audit entry %s: %w", e.ID, err)
	}
	return nil
}
