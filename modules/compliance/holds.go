package compliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// Legal holds, by matter. While a hold is active the journal keeps the
// content it covers through every purge (compliance/journal.Purge checks
// legal_holds); releasing a hold deletes nothing. Holds are the
// compliance officer's alone: an admin runs the server, not the record.

// Limits of one hold.
const (
	MaxMatter     = 200
	MaxCustodians = 200
	MaxChannels   = 200
)

// Hold is a legal hold.
type Hold struct {
	ID           string     `json:"id"`
	Matter       string     `json:"matter" example:"Müller ./. Kontor GmbH"`
	CustodianIDs []string   `json:"custodian_ids" doc:"Whose messages and files it keeps; empty: everyone's."`
	ChannelIDs   []string   `json:"channel_ids" doc:"In which conversations; empty: all."`
	StartsAt     *time.Time `json:"starts_at,omitempty" doc:"Content from this time on; absent: since the beginning."`
	EndsAt       *time.Time `json:"ends_at,omitempty" doc:"Content before this time; absent: open-ended."`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	ReleasedBy   string     `json:"released_by,omitempty"`
	ReleasedAt   *time.Time `json:"released_at,omitempty"`
	// Covers counts the messages and files on the record that the hold
	// covers (filled when one hold is read).
	Covers *int64 `json:"covers,omitempty" doc:"Messages and files on the record the hold covers (when one hold is read)."`
}

// NewHold is what a compliance officer asks for.
type NewHold struct {
	Matter       string     `json:"matter" maxLength:"800"`
	CustodianIDs []string   `json:"custodian_ids,omitempty" maxItems:"200"`
	ChannelIDs   []string   `json:"channel_ids,omitempty" maxItems:"200"`
	StartsAt     *time.Time `json:"starts_at,omitempty"`
	EndsAt       *time.Time `json:"ends_at,omitempty"`
}

func requireCompliance(ctx context.Context) (*authn.Principal, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(authn.RoleCompliance) {
		return nil, apperr.Forbidden("legal holds are for compliance officers").WithCode(apperr.CodeComplianceRequired)
	}
	return p, nil
}

func checkIDs(field string, in []string, max int) ([]string, error) {
	if len(in) > max {
		return nil, apperr.Invalid(field, "at most %d", max)
	}
	seen := map[string]bool{}
	var out []string
	for i, id := range in {
		if !ids.Valid(id) {
			return nil, apperr.Invalid(fmt.Sprintf("%s[%d]", field, i), "not an id")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

func millisOf(t *time.Time) int64 {
	if t == nil || t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOf(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

// CreateHold puts a hold on the record.
func (m *Module) CreateHold(ctx context.Context, in NewHold) (Hold, error) {
	p, err := requireCompliance(ctx)
	if err != nil {
		return Hold{}, err
	}
	matter, err := text.Line("body.matter", in.Matter, MaxMatter)
	if err != nil {
		return Hold{}, err
	}
	if matter == "" {
		return Hold{}, apperr.Invalid("body.matter", "name the matter the hold is for")
	}
	custodians, err := checkIDs("body.custodian_ids", in.CustodianIDs, MaxCustodians)
	if err != nil {
		return Hold{}, err
	}
	channels, err := checkIDs("body.channel_ids", in.ChannelIDs, MaxChannels)
	if err != nil {
		return Hold{}, err
	}
	from, until := millisOf(in.StartsAt), millisOf(in.EndsAt)
	if from != 0 && until != 0 && from >= until {
		return Hold{}, apperr.Invalid("body.ends_at", "ends_at must be later than starts_at").WithCode(apperr.CodeBadTimeRange)
	}
	now := m.clock.Now().UTC()
	h := Hold{ID: ids.NewAt(now), Matter: matter, CustodianIDs: nonNil(custodians), ChannelIDs: nonNil(channels),
		StartsAt: timeOf(from), EndsAt: timeOf(until), CreatedBy: p.UserID, CreatedAt: time.UnixMilli(now.UnixMilli()).UTC()}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO legal_holds (id, matter, custodians, channels, starts_at, ends_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, matter, strings.Join(custodians, " "), strings.Join(channels, " "), from, until,
			p.UserID, now.UnixMilli()); err != nil {
			return fmt.Errorf("create hold: %w", err)
		}
		meta := map[string]string{"matter": matter, "custodians": strings.Join(custodians, " "), "channels": strings.Join(channels, " "),
			"starts_at": strconv.FormatInt(from, 10), "ends_at": strconv.FormatInt(until, 10)}
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.HoldCreated), ActorID: p.UserID, SubjectID: h.ID, Meta: meta}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "hold.create", "legal_hold", h.ID, map[string]any{"matter": matter,
			"custodians": len(custodians), "channels": len(channels)})
	})
	return h, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const holdCols = `id, matter, custodians, channels, starts_at, ends_at, created_by, created_at, released_by, released_at`

func scanHold(s interface{ Scan(...any) error }) (Hold, error) {
	var h Hold
	var custodians, channels string
	var from, until, created, released int64
	if err := s.Scan(&h.ID, &h.Matter, &custodians, &channels, &from, &until, &h.CreatedBy, &created, &h.ReleasedBy, &released); err != nil {
		return Hold{}, err
	}
	h.CustodianIDs, h.ChannelIDs = nonNil(strings.Fields(custodians)), nonNil(strings.Fields(channels))
	h.StartsAt, h.EndsAt, h.ReleasedAt = timeOf(from), timeOf(until), timeOf(released)
	h.CreatedAt = time.UnixMilli(created).UTC()
	return h, nil
}

// Holds lists every hold, newest first, released ones too.
func (m *Module) Holds(ctx context.Context) ([]Hold, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return nil, err
	}
	rows, err := m.db.QueryContext(ctx, `SELECT `+holdCols+` FROM legal_holds ORDER BY created_at DESC, id DESC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("list holds: %w", err)
	}
	defer rows.Close()
	out := []Hold{}
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, fmt.Errorf("list holds: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (m *Module) hold(ctx context.Context, q db.Querier, id string) (Hold, error) {
	if !ids.Valid(id) {
		return Hold{}, apperr.NotFound("no legal hold %q", id).WithCode(apperr.CodeHoldNotFound)
	}
	h, err := scanHold(q.QueryRowContext(ctx, `SELECT `+holdCols+` FROM legal_holds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Hold{}, apperr.NotFound("no legal hold %q", id).WithCode(apperr.CodeHoldNotFound)
	}
	if err != nil {
		return Hold{}, fmt.Errorf("read hold %s: %w", id, err)
	}
	return h, nil
}

// Hold reads one hold with what it covers on the record.
func (m *Module) Hold(ctx context.Context, id string) (Hold, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return Hold{}, err
	}
	h, err := m.hold(ctx, m.db, id)
	if err != nil {
		return Hold{}, err
	}
	where, args := `kind IN ('message.created', 'file.attached')`, []any{}
	if len(h.CustodianIDs) > 0 {
		where += ` AND actor_id IN (` + db.In(len(h.CustodianIDs)) + `)`
		for _, c := range h.CustodianIDs {
			args = append(args, c)
		}
	}
	if len(h.ChannelIDs) > 0 {
		where += ` AND channel_id IN (` + db.In(len(h.ChannelIDs)) + `)`
		for _, c := range h.ChannelIDs {
			args = append(args, c)
		}
	}
	if h.StartsAt != nil {
		where += ` AND at >= ?`
		args = append(args, h.StartsAt.UnixMilli())
	}
	if h.EndsAt != nil {
		where += ` AND at < ?`
		args = append(args, h.EndsAt.UnixMilli())
	}
	var n int64
	if err := m.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM journal_entries WHERE `+where, args...).Scan(&n); err != nil {
		return Hold{}, fmt.Errorf("hold %s: %w", id, err)
	}
	h.Covers = &n
	return h, nil
}

// ReleaseHold ends a hold. It deletes nothing: what it kept falls under
// the normal rules again from now on.
func (m *Module) ReleaseHold(ctx context.Context, id string) (Hold, error) {
	p, err := requireCompliance(ctx)
	if err != nil {
		return Hold{}, err
	}
	var h Hold
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if h, err = m.hold(ctx, tx, id); err != nil {
			return err
		}
		if h.ReleasedAt != nil {
			return apperr.Conflict("the hold was released on %s", h.ReleasedAt.Format(time.RFC3339)).WithCode(apperr.CodeHoldReleased)
		}
		now := m.clock.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE legal_holds SET released_by = ?, released_at = ? WHERE id = ? AND released_at = 0`,
			p.UserID, now.UnixMilli(), id); err != nil {
			return fmt.Errorf("release hold %s: %w", id, err)
		}
		h.ReleasedBy, h.ReleasedAt = p.UserID, timeOf(now.UnixMilli())
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.HoldReleased), ActorID: p.UserID, SubjectID: id,
			Meta: map[string]string{"matter": h.Matter}}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "hold.release", "legal_hold", id, map[string]any{"matter": h.Matter})
	})
	return h, err
}
