package compliance

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

type (
	policiesOutput struct {
		Body struct {
			Items []Policy `json:"items"`
		}
	}
	policyInput  struct{ Body PolicyInput }
	policyOutput struct{ Body Policy }
	policyPath   struct {
		ID string `path:"id" maxLength:"64"`
	}
	limitsInput struct {
		Body struct {
			MinDays int64 `json:"min_days,omitempty" minimum:"0" maximum:"36500" doc:"The shortest period a policy may set; 0: no minimum." example:"365"`
			MaxDays int64 `json:"max_days,omitempty" minimum:"0" maximum:"36500" doc:"The longest period a policy may set; 0: no maximum." example:"3653"`
		}
	}
	limitsOutput struct{ Body Limits }
	dryRunInput  struct {
		AsOf   time.Time `query:"as_of" doc:"Look from this time (RFC 3339; not later than now); default now. A run given the same as_of removes what this lists."`
		Cursor int       `query:"cursor" minimum:"0" doc:"From 'next' of the previous page."`
		Limit  int       `query:"limit" minimum:"0" maximum:"1000" default:"100"`
	}
	dryRunOutput struct{ Body DryRun }
	runInput     struct {
		Body struct {
			AsOf *time.Time `json:"as_of,omitempty" doc:"Remove what is due as of this time (from a dry run; not later than now); default now."`
		}
	}
	runOutput  struct{ Body RetentionRun }
	runsOutput struct {
		Body struct {
			Items []RetentionRun `json:"items"`
		}
	}
)

// registerRetention adds the retention operations under /compliance/retention.
func (m *Module) registerRetention(api huma.API) {
	huma.Register(api, op("compliance-list-retention-policies", http.MethodGet, "/compliance/retention/policies",
		"List the retention policies (compliance officers)"),
		func(ctx context.Context, _ *struct{}) (*policiesOutput, error) {
			ps, err := m.RetentionPolicies(ctx)
			if err != nil {
				return nil, err
			}
			out := &policiesOutput{}
			out.Body.Items = ps
			return out, nil
		})
	huma.Register(api, op("compliance-set-retention-policy", http.MethodPut, "/compliance/retention/policies",
		"Set the retention policy of a scope (global, a kind of conversation, a channel), within the admin's limits (compliance officers)"),
		func(ctx context.Context, in *policyInput) (*policyOutput, error) {
			p, err := m.SetRetentionPolicy(ctx, in.Body)
			if err != nil {
				return nil, err
			}
			return &policyOutput{Body: p}, nil
		})
	del := op("compliance-remove-retention-policy", http.MethodDelete, "/compliance/retention/policies/{id}",
		"Remove a retention policy; the less specific one then decides (compliance officers)")
	del.DefaultStatus = http.StatusNoContent
	huma.Register(api, del, func(ctx context.Context, in *policyPath) (*struct{}, error) {
		return nil, m.RemoveRetentionPolicy(ctx, in.ID)
	})
	huma.Register(api, op("compliance-retention-limits", http.MethodGet, "/compliance/retention/limits",
		"The shortest and longest retention period a policy may set (admins and compliance officers)"),
		func(ctx context.Context, _ *struct{}) (*limitsOutput, error) {
			l, err := m.RetentionLimits(ctx)
			if err != nil {
				return nil, err
			}
			return &limitsOutput{Body: l}, nil
		})
	huma.Register(api, op("compliance-set-retention-limits", http.MethodPut, "/compliance/retention/limits",
		"Set the shortest and longest retention period a policy may set (admins)"),
		func(ctx context.Context, in *limitsInput) (*limitsOutput, error) {
			l, err := m.SetRetentionLimits(ctx, Limits{MinDays: in.Body.MinDays, MaxDays: in.Body.MaxDays})
			if err != nil {
				return nil, err
			}
			return &limitsOutput{Body: l}, nil
		})
	huma.Register(api, op("compliance-retention-dry-run", http.MethodGet, "/compliance/retention/dry-run",
		"What a retention run would remove: counts per policy and channel, a page of items, what legal holds keep (compliance officers)"),
		func(ctx context.Context, in *dryRunInput) (*dryRunOutput, error) {
			var at *time.Time
			if !in.AsOf.IsZero() {
				at = &in.AsOf
			}
			d, err := m.RetentionDryRun(ctx, at, in.Cursor, in.Limit)
			if err != nil {
				return nil, err
			}
			return &dryRunOutput{Body: d}, nil
		})
	huma.Register(api, op("compliance-run-retention", http.MethodPost, "/compliance/retention/run",
		"Run retention now: purge what is due, except what legal holds keep (compliance officers)"),
		func(ctx context.Context, in *runInput) (*runOutput, error) {
			r, err := m.RunRetention(ctx, in.Body.AsOf)
			if err != nil {
				return nil, err
			}
			return &runOutput{Body: r}, nil
		})
	huma.Register(api, op("compliance-list-retention-runs", http.MethodGet, "/compliance/retention/runs",
		"The last 100 retention runs, newest first (compliance officers)"),
		func(ctx context.Context, _ *struct{}) (*runsOutput, error) {
			rs, err := m.RetentionRuns(ctx)
			if err != nil {
				return nil, err
			}
			out := &runsOutput{}
			out.Body.Items = rs
			return out, nil
		})
}

// RetentionRuns lists the last 100 runs, newest first (compliance officers).
func (m *Module) RetentionRuns(ctx context.Context) ([]RetentionRun, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return nil, err
	}
	rows, err := m.db.QueryContext(ctx, `SELECT id, actor_id, as_of, messages, files, held, started_at, finished_at FROM retention_runs
		ORDER BY started_at DESC, id DESC LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("retention runs: %w", err)
	}
	defer rows.Close()
	out := []RetentionRun{}
	for rows.Next() {
		var r RetentionRun
		var asOf, started, finished int64
		if err := rows.Scan(&r.ID, &r.ActorID, &asOf, &r.Messages, &r.Files, &r.Held, &started, &finished); err != nil {
			return nil, fmt.Errorf("retention runs: %w", err)
		}
		r.AsOf, r.StartedAt = time.UnixMilli(asOf).UTC(), time.UnixMilli(started).UTC()
		if finished != 0 {
			r.FinishedAt = time.UnixMilli(finished).UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
