package compliance

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
)

// The audit trail: read with filters, exported as CSV. There is no
// operation that changes or removes an entry.

// MaxExportRows bounds one CSV export; a longer trail is exported in
// parts with until/since.
const MaxExportRows = 100_000

// AuditQuery filters the trail: who, what, when.
type AuditQuery struct {
	ActorID    string
	Action     string
	TargetType string
	TargetID   string
	Since      time.Time
	Until      time.Time
	Before     int64
	Limit      int
}

func (q AuditQuery) filter() (audit.Filter, error) {
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Since.Before(q.Until) {
		return audit.Filter{}, apperr.Invalid("until", "until must be later than since").WithCode(apperr.CodeBadTimeRange)
	}
	return audit.Filter{ActorID: q.ActorID, Action: q.Action, TargetType: q.TargetType, TargetID: q.TargetID,
		Since: q.Since, Until: q.Until, Before: q.Before, Limit: q.Limit}, nil
}

// AuditTrail reads the audit trail, newest first (admins and compliance
// officers).
func (m *Module) AuditTrail(ctx context.Context, q AuditQuery) ([]audit.Entry, error) {
	if _, err := requireOfficer(ctx); err != nil {
		return nil, err
	}
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	return audit.List(ctx, m.db, f)
}

// ExportAuditTrail writes the matching entries as CSV, newest first, and
// puts the export itself on the trail.
func (m *Module) ExportAuditTrail(ctx context.Context, q AuditQuery) ([]byte, error) {
	if _, err := requireOfficer(ctx); err != nil {
		return nil, err
	}
	f, err := q.filter()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"seq", "id", "at", "actor_id", "actor_name", "action", "target_type", "target_id", "details", "ip", "user_agent", "request_id"})
	rows := 0
	f.Limit = 500
	for rows < MaxExportRows {
		es, err := audit.List(ctx, m.db, f)
		if err != nil {
			return nil, fmt.Errorf("export audit trail: %w", err)
		}
		for _, e := range es {
			details, _ := json.Marshal(e.Details)
			_ = w.Write([]string{strconv.FormatInt(e.Seq, 10), e.ID, e.At.Format(time.RFC3339Nano), e.ActorID, csvSafe(e.ActorName),
				csvSafe(e.Action), e.TargetType, e.TargetID, csvSafe(string(details)), e.IP, csvSafe(e.UserAgent), e.RequestID})
			rows++
		}
		if len(es) < f.Limit {
			break
		}
		f.Before = es[len(es)-1].Seq
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("export audit trail: %w", err)
	}
	if err := m.audit.Record(ctx, m.db, m.clock.Now(), "audit.export", "audit_log", "", map[string]any{
		"rows": rows, "actor_id": q.ActorID, "action": q.Action, "target_type": q.TargetType, "target_id": q.TargetID,
		"since": timeOrEmpty(q.Since), "until": timeOrEmpty(q.Until)}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// csvSafe keeps a spreadsheet from running a cell as a formula: text that
// someone else chose (a user agent, a display name) may start with one.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
