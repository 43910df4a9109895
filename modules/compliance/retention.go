package compliance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Retention: how long messages and files are kept. Compliance officers
// set policies (server-wide, per kind of conversation, per channel; a
// period for messages and one for files); admins bound them with a
// minimum and a maximum. The most specific policy that sets a period
// decides: channel, then kind, then global; where none does, content is
// kept. A dry run lists what would go; a run (daily, or on demand)
// purges it through PurgeContent, so a legal hold keeps what it covers.

// RetentionConfig configures the daily retention job.
type RetentionConfig struct {
	// Interval is how often the job looks whether a run is due (a run is
	// due a day after the last one, by the module's clock). 0: an hour.
	// Negative: the job is off (the endpoint and the command still run).
	Interval time.Duration
}

func (c RetentionConfig) withDefaults() RetentionConfig {
	if c.Interval == 0 {
		c.Interval = time.Hour
	}
	return c
}

// The scopes of a policy and the kinds of conversation a kind policy names.
const (
	ScopeGlobal  = "global"
	ScopeKind    = "kind"
	ScopeChannel = "channel"

	// MaxRetentionDays bounds a period (100 years).
	MaxRetentionDays = 36500
)

// kindTargets maps the API's kinds of conversation to chat's.
var kindTargets = map[string]string{"public": "public", "private": "private", "dm": "dm", "group_dm": "group"}

// Policy is a retention policy.
type Policy struct {
	ID          string    `json:"id"`
	Scope       string    `json:"scope" enum:"global,kind,channel"`
	Target      string    `json:"target" doc:"Empty for global; public, private, dm or group_dm for kind; the channel id for channel."`
	MessageDays int64     `json:"message_days" doc:"Messages older than this many days go; 0: not set here (the less specific policy decides)."`
	FileDays    int64     `json:"file_days" doc:"Files older than this many days go; 0: not set here."`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PolicyInput sets the policy for a scope and target.
type PolicyInput struct {
	Scope       string `json:"scope" enum:"global,kind,channel"`
	Target      string `json:"target,omitempty" maxLength:"64" doc:"Empty for global; public, private, dm or group_dm for kind; the channel id for channel." example:"public"`
	MessageDays int64  `json:"message_days,omitempty" minimum:"0" maximum:"36500" doc:"0: not set at this level." example:"2192"`
	FileDays    int64  `json:"file_days,omitempty" minimum:"0" maximum:"36500" doc:"0: not set at this level." example:"2192"`
}

// Limits are the admin's bounds on every period, in days (0: none).
type Limits struct {
	MinDays   int64      `json:"min_days" minimum:"0" maximum:"36500" doc:"The shortest period a policy may set; 0: no minimum."`
	MaxDays   int64      `json:"max_days" minimum:"0" maximum:"36500" doc:"The longest period a policy may set; 0: no maximum."`
	UpdatedBy string     `json:"updated_by,omitempty" readOnly:"true"`
	UpdatedAt *time.Time `json:"updated_at,omitempty" readOnly:"true"`
}

func (l Limits) check(field string, days int64) error {
	if days == 0 {
		return nil
	}
	if (l.MinDays > 0 && days < l.MinDays) || (l.MaxDays > 0 && days > l.MaxDays) {
		return apperr.Invalid(field, "%d days is outside the limits the admin set (%s)", days, l.describe()).WithCode(apperr.CodeRetentionOutsideLimits)
	}
	return nil
}

func (l Limits) describe() string {
	switch {
	case l.MinDays > 0 && l.MaxDays > 0:
		return fmt.Sprintf("%d to %d days", l.MinDays, l.MaxDays)
	case l.MinDays > 0:
		return fmt.Sprintf("at least %d days", l.MinDays)
	case l.MaxDays > 0:
		return fmt.Sprintf("at most %d days", l.MaxDays)
	}
	return "none"
}

func requireAdmin(ctx context.Context) (*authn.Principal, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(authn.RoleAdmin) {
		return nil, apperr.Forbidden("the limits on retention are an admin setting").WithCode(apperr.CodeRoleRequired)
	}
	return p, nil
}

const policyCols = `id, scope, target, message_days, file_days, updated_by, updated_at`

func scanPolicy(s db.Scanner) (Policy, error) {
	var p Policy
	var at int64
	err := s.Scan(&p.ID, &p.Scope, &p.Target, &p.MessageDays, &p.FileDays, &p.UpdatedBy, &at)
	p.UpdatedAt = time.UnixMilli(at).UTC()
	return p, err
}

func policies(ctx context.Context, q db.Querier) ([]Policy, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+policyCols+` FROM retention_policies ORDER BY scope, target`)
	if err != nil {
		return nil, fmt.Errorf("retention policies: %w", err)
	}
	out, err := db.Collect(rows, scanPolicy)
	if err != nil {
		return nil, fmt.Errorf("retention policies: %w", err)
	}
	if out == nil {
		out = []Policy{}
	}
	return out, nil
}

func limits(ctx context.Context, q db.Querier) (Limits, error) {
	var l Limits
	var by string
	var at int64
	err := q.QueryRowContext(ctx, `SELECT min_days, max_days, updated_by, updated_at FROM retention_limits WHERE id = 1`).Scan(&l.MinDays, &l.MaxDays, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Limits{}, nil
	}
	if err != nil {
		return Limits{}, fmt.Errorf("retention limits: %w", err)
	}
	l.UpdatedBy, l.UpdatedAt = by, timeOf(at)
	return l, nil
}

// RetentionPolicies lists the policies (compliance officers).
func (m *Module) RetentionPolicies(ctx context.Context) ([]Policy, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return nil, err
	}
	return policies(ctx, m.db)
}

// SetRetentionPolicy creates or replaces the policy for in's scope and
// target (compliance officers), within the admin's limits; journaled and
// audited.
func (m *Module) SetRetentionPolicy(ctx context.Context, in PolicyInput) (Policy, error) {
	p, err := requireCompliance(ctx)
	if err != nil {
		return Policy{}, err
	}
	switch in.Scope {
	case ScopeGlobal:
		if in.Target != "" {
			return Policy{}, apperr.Invalid("body.target", "a global policy has no target")
		}
	case ScopeKind:
		if _, ok := kindTargets[in.Target]; !ok {
			return Policy{}, apperr.Invalid("body.target", "a kind policy names public, private, dm or group_dm")
		}
	case ScopeChannel:
		if !ids.Valid(in.Target) {
			return Policy{}, apperr.Invalid("body.target", "a channel policy names a channel id").WithCode(apperr.CodeUnknownChannel)
		}
		if m.messages == nil {
			return Policy{}, errors.New("compliance: channel policies need Messages")
		}
		kinds, err := m.messages.ChannelKinds(ctx, []string{in.Target})
		if err != nil {
			return Policy{}, err
		}
		if _, ok := kinds[in.Target]; !ok {
			return Policy{}, apperr.Invalid("body.target", "no channel %q", in.Target).WithCode(apperr.CodeUnknownChannel)
		}
	default:
		return Policy{}, apperr.Invalid("body.scope", "scope is global, kind or channel")
	}
	for field, d := range map[string]int64{"body.message_days": in.MessageDays, "body.file_days": in.FileDays} {
		if d < 0 || d > MaxRetentionDays {
			return Policy{}, apperr.Invalid(field, "a period is 0 to %d days", MaxRetentionDays)
		}
	}
	if in.MessageDays == 0 && in.FileDays == 0 {
		return Policy{}, apperr.Invalid("body.message_days", "set a period for messages, files or both (remove the policy to unset it)")
	}
	now := m.clock.Now().UTC()
	pol := Policy{Scope: in.Scope, Target: in.Target, MessageDays: in.MessageDays, FileDays: in.FileDays, UpdatedBy: p.UserID,
		UpdatedAt: time.UnixMilli(now.UnixMilli()).UTC()}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		l, err := limits(ctx, tx)
		if err != nil {
			return err
		}
		if err := l.check("body.message_days", in.MessageDays); err != nil {
			return err
		}
		if err := l.check("body.file_days", in.FileDays); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM retention_policies WHERE scope = ? AND target = ?`, in.Scope, in.Target).Scan(&pol.ID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			pol.ID = ids.NewAt(now)
			_, err = tx.ExecContext(ctx, `INSERT INTO retention_policies (id, scope, target, message_days, file_days, created_by, created_at, updated_by, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, pol.ID, in.Scope, in.Target, in.MessageDays, in.FileDays, p.UserID, now.UnixMilli(), p.UserID, now.UnixMilli())
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE retention_policies SET message_days = ?, file_days = ?, updated_by = ?, updated_at = ? WHERE id = ?`,
				in.MessageDays, in.FileDays, p.UserID, now.UnixMilli(), pol.ID)
		}
		if err != nil {
			return fmt.Errorf("set retention policy: %w", err)
		}
		meta := map[string]string{"scope": in.Scope, "target": in.Target, "message_days": strconv.FormatInt(in.MessageDays, 10),
			"file_days": strconv.FormatInt(in.FileDays, 10)}
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.RetentionPolicySet), ActorID: p.UserID, SubjectID: pol.ID, Meta: meta}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "retention.policy_set", "retention_policy", pol.ID, map[string]any{"scope": in.Scope,
			"target": in.Target, "message_days": in.MessageDays, "file_days": in.FileDays})
	})
	return pol, err
}

// RemoveRetentionPolicy removes a policy (compliance officers); what it
// kept then falls under the less specific policy. Journaled and audited.
func (m *Module) RemoveRetentionPolicy(ctx context.Context, id string) error {
	p, err := requireCompliance(ctx)
	if err != nil {
		return err
	}
	notFound := apperr.NotFound("no retention policy %q", id).WithCode(apperr.CodeRetentionPolicyNotFound)
	if !ids.Valid(id) {
		return notFound
	}
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		pol, err := scanPolicy(tx.QueryRowContext(ctx, `SELECT `+policyCols+` FROM retention_policies WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		}
		if err != nil {
			return fmt.Errorf("remove retention policy: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM retention_policies WHERE id = ?`, id); err != nil {
			return fmt.Errorf("remove retention policy: %w", err)
		}
		now := m.clock.Now().UTC()
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.RetentionPolicyRemoved), ActorID: p.UserID, SubjectID: id,
			Meta: map[string]string{"scope": pol.Scope, "target": pol.Target}}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "retention.policy_remove", "retention_policy", id, map[string]any{"scope": pol.Scope, "target": pol.Target})
	})
}

// RetentionLimits returns the admin's limits (admins and compliance officers).
func (m *Module) RetentionLimits(ctx context.Context) (Limits, error) {
	if _, err := requireOfficer(ctx); err != nil {
		return Limits{}, err
	}
	return limits(ctx, m.db)
}

// SetRetentionLimits sets the shortest and longest period a policy may
// set (admins). Limits that would leave an existing policy outside them
// are refused: the compliance officer changes the policy first.
func (m *Module) SetRetentionLimits(ctx context.Context, in Limits) (Limits, error) {
	p, err := requireAdmin(ctx)
	if err != nil {
		return Limits{}, err
	}
	for field, d := range map[string]int64{"body.min_days": in.MinDays, "body.max_days": in.MaxDays} {
		if d < 0 || d > MaxRetentionDays {
			return Limits{}, apperr.Invalid(field, "a limit is 0 to %d days", MaxRetentionDays)
		}
	}
	if in.MinDays > 0 && in.MaxDays > 0 && in.MinDays > in.MaxDays {
		return Limits{}, apperr.Invalid("body.max_days", "the maximum is shorter than the minimum").WithCode(apperr.CodeBadTimeRange)
	}
	now := m.clock.Now().UTC()
	l := Limits{MinDays: in.MinDays, MaxDays: in.MaxDays, UpdatedBy: p.UserID, UpdatedAt: timeOf(now.UnixMilli())}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		ps, err := policies(ctx, tx)
		if err != nil {
			return err
		}
		for _, pol := range ps {
			for _, d := range []int64{pol.MessageDays, pol.FileDays} {
				if l.check("", d) != nil {
					return apperr.Conflict("the %s policy %s sets %d days, outside %s: change it first", pol.Scope, pol.Target, d, l.describe()).
						WithCode(apperr.CodeRetentionOutsideLimits)
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO retention_limits (id, min_days, max_days, updated_by, updated_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET min_days = excluded.min_days, max_days = excluded.max_days, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, in.MinDays, in.MaxDays, p.UserID, now.UnixMilli()); err != nil {
			return fmt.Errorf("set retention limits: %w", err)
		}
		meta := map[string]string{"min_days": strconv.FormatInt(in.MinDays, 10), "max_days": strconv.FormatInt(in.MaxDays, 10)}
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.RetentionLimitsSet), ActorID: p.UserID, SubjectID: "retention", Meta: meta}); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "retention.limits_set", "setting", "retention.limits", map[string]any{"min_days": in.MinDays, "max_days": in.MaxDays})
	})
	return l, err
}
