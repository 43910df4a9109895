package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// AuditMismatch is one place where the audit log disagrees with the
// journal's audit.recorded entries.
type AuditMismatch struct {
	AuditID string `json:"audit_id"`
	Seq     int64  `json:"seq,omitempty"` // the journal entry, if there is one
	Problem string `json:"problem"`
}

func (m AuditMismatch) String() string {
	if m.Seq == 0 {
		return fmt.Sprintf("audit entry %s: %s", m.AuditID, m.Problem)
	}
	return fmt.Sprintf("audit entry %s (journal entry %d): %s", m.AuditID, m.Seq, m.Problem)
}

// AuditReport is what CheckAuditTrail found.
type AuditReport struct {
	Entries    int             `json:"entries"` // audit rows compared
	Purged     int             `json:"purged"`  // journal content purged: presence checked only
	Mismatches []AuditMismatch `json:"mismatches,omitempty"`
}

// OK reports whether the audit log agrees with the journal.
func (r AuditReport) OK() bool { return len(r.Mismatches) == 0 }

// CheckAuditTrail compares every row of the audit log with the journal
// entry that committed to it (platform/audit writes both in one
// transaction): a row changed in the table, a row removed, or a row added
// behind Kontor's back is named. Run Verify first: this trusts the
// journal's content, whose hashes Verify checks.
func (j *Journal) CheckAuditTrail(ctx context.Context) (AuditReport, error) {
	var rep AuditReport
	recorded := map[string]Entry{}
	var after int64
	for {
		es, err := j.entriesOfKind(ctx, string(record.AuditRecorded), after, 1000)
		if err != nil {
			return rep, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			recorded[e.SubjectID] = e
		}
		after = es[len(es)-1].Seq
	}
	var before int64
	for {
		rows, err := audit.List(ctx, j.db, audit.Filter{Before: before, Limit: 500})
		if err != nil {
			return rep, err
		}
		for _, row := range rows {
			rep.Entries++
			e, ok := recorded[row.ID]
			if !ok {
				rep.Mismatches = append(rep.Mismatches, AuditMismatch{AuditID: row.ID, Problem: "row without journal entry"})
				continue
			}
			delete(recorded, row.ID)
			if e.Purged {
				rep.Purged++
				continue
			}
			var want audit.Entry
			if err := json.Unmarshal(e.Content, &want); err != nil {
				rep.Mismatches = append(rep.Mismatches, AuditMismatch{AuditID: row.ID, Seq: e.Seq, Problem: "journal content unreadable"})
				continue
			}
			if !sameAudit(want, row) {
				rep.Mismatches = append(rep.Mismatches, AuditMismatch{AuditID: row.ID, Seq: e.Seq,
					Problem: fmt.Sprintf("content changed: the table says %s %s %s by %q, the journal %s %s %s by %q",
						row.Action, row.TargetType, row.TargetID, row.ActorName, want.Action, want.TargetType, want.TargetID, want.ActorName)})
			}
		}
		if len(rows) < 500 {
			break
		}
		before = rows[len(rows)-1].Seq
	}
	for id, e := range recorded {
		rep.Mismatches = append(rep.Mismatches, AuditMismatch{AuditID: id, Seq: e.Seq, Problem: "row missing: the journal recorded it"})
	}
	return rep, nil
}

// sameAudit compares two entries as JSON would carry them (details come
// back from JSON either way).
func sameAudit(a, b audit.Entry) bool {
	norm := func(e audit.Entry) audit.Entry {
		e.At = e.At.UTC()
		raw, _ := json.Marshal(e.Details)
		e.Details = nil
		_ = json.Unmarshal(raw, &e.Details)
		if len(e.Details) == 0 {
			e.Details = nil
		}
		return e
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// entriesOfKind reads entries of one kind after seq, in order.
func (j *Journal) entriesOfKind(ctx context.Context, kind string, after int64, limit int) ([]Entry, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT e.seq, e.subject_id, c.content, COALESCE(c.purged_at, 0)
		FROM journal_entries e LEFT JOIN journal_content c ON c.seq = e.seq
		WHERE e.kind = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`, kind, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var content []byte
		var purgedAt int64
		if err := rows.Scan(&e.Seq, &e.SubjectID, &content, &purgedAt); err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
		e.Purged = purgedAt > 0
		if content != nil {
			e.Content = json.RawMessage(content)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
