package compliance

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

func op(id, method, path, summary string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: httpapi.APIPrefix + path, Summary: summary,
		Tags: []string{"compliance"}, Security: httpapi.SecuritySession}
}

type (
	auditQueryInput struct {
		ActorID    string    `query:"actor_id" maxLength:"64" doc:"Who: the acting user's id."`
		Action     string    `query:"action" maxLength:"100" doc:"What: the action, such as auth.sign_in or user.set_roles." example:"auth.sign_in_failed"`
		TargetType string    `query:"target_type" maxLength:"50"`
		TargetID   string    `query:"target_id" maxLength:"64"`
		Since      time.Time `query:"since" doc:"When: entries at or after this time (RFC 3339)."`
		Until      time.Time `query:"until" doc:"When: entries before this time (RFC 3339)."`
	}
	// auditListInput repeats auditQueryInput's fields: huma reads no
	// parameters from an embedded struct.
	auditListInput struct {
		ActorID    string    `query:"actor_id" maxLength:"64" doc:"Who: the acting user's id."`
		Action     string    `query:"action" maxLength:"100" doc:"What: the action, such as auth.sign_in or user.set_roles." example:"auth.sign_in_failed"`
		TargetType string    `query:"target_type" maxLength:"50"`
		TargetID   string    `query:"target_id" maxLength:"64"`
		Since      time.Time `query:"since" doc:"When: entries at or after this time (RFC 3339)."`
		Until      time.Time `query:"until" doc:"When: entries before this time (RFC 3339)."`
		Before     int64     `query:"before" minimum:"0" doc:"Entries older than this position (from 'next')."`
		Limit      int       `query:"limit" minimum:"0" maximum:"500" default:"100"`
	}
	auditListOutput struct {
		Body struct {
			Items []audit.Entry `json:"items"`
			Next  int64         `json:"next,omitempty" doc:"Pass as 'before' to get older entries."`
		}
	}
	moderateInput struct {
		ID   string `path:"id" maxLength:"64"`
		Body struct {
			Reason string `json:"reason" maxLength:"4000" doc:"Why it is taken down; kept on the record, shown only to admins and compliance officers." example:"leaked password"`
		}
	}
	moderateOutput     struct{ Body Moderation }
	moderateFileOutput struct{ Body FileModeration }
	erasurePath        struct {
		ID string `path:"id" maxLength:"64" doc:"The account's user id."`
	}
	eraseInput struct {
		ID   string `path:"id" maxLength:"64" doc:"The account's user id."`
		Body ErasureRequest
	}
	erasureOutput struct{ Body Erasure }
	holdInput     struct{ Body NewHold }
	holdOutput    struct{ Body Hold }
	holdPath      struct {
		ID string `path:"id" maxLength:"64"`
	}
	holdsOutput struct {
		Body struct {
			Items []Hold `json:"items"`
		}
	}
	csvOutput struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}
)

func (in auditQueryInput) query() AuditQuery {
	return AuditQuery{ActorID: in.ActorID, Action: in.Action, TargetType: in.TargetType, TargetID: in.TargetID, Since: in.Since, Until: in.Until}
}

// Register adds the desk's operations under /compliance.
func (m *Module) Register(api huma.API) {
	m.registerRetention(api)
	huma.Register(api, op("compliance-audit-trail", http.MethodGet, "/compliance/audit-trail",
		"Read the audit trail, newest first (admins and compliance officers)"),
		func(ctx context.Context, in *auditListInput) (*auditListOutput, error) {
			q := auditQueryInput{ActorID: in.ActorID, Action: in.Action, TargetType: in.TargetType, TargetID: in.TargetID,
				Since: in.Since, Until: in.Until}.query()
			q.Before, q.Limit = in.Before, in.Limit
			es, err := m.AuditTrail(ctx, q)
			if err != nil {
				return nil, err
			}
			out := &auditListOutput{}
			out.Body.Items, out.Body.Next = audit.Page(es, in.Limit)
			return out, nil
		})
	huma.Register(api, op("compliance-moderate-message", http.MethodPost, "/compliance/messages/{id}/moderate",
		"Take a message down with a reason: members see a placeholder, the record keeps it (admins and compliance officers)"),
		func(ctx context.Context, in *moderateInput) (*moderateOutput, error) {
			mod, err := m.ModerateMessage(ctx, in.ID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return &moderateOutput{Body: mod}, nil
		})
	huma.Register(api, op("compliance-moderate-file", http.MethodPost, "/compliance/files/{id}/moderate",
		"Take a file down with a reason: members can no longer open it, its messages show a placeholder, the record keeps it (admins and compliance officers)"),
		func(ctx context.Context, in *moderateInput) (*moderateFileOutput, error) {
			mod, err := m.ModerateFile(ctx, in.ID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return &moderateFileOutput{Body: mod}, nil
		})
	huma.Register(api, op("compliance-erasure-preview", http.MethodGet, "/compliance/users/{id}/erasure",
		"Dry run of a GDPR erasure: what would be purged, what legal holds keep, the pseudonym (compliance officers; on the audit trail)"),
		func(ctx context.Context, in *erasurePath) (*erasureOutput, error) {
			e, err := m.ErasurePreview(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &erasureOutput{Body: e}, nil
		})
	huma.Register(api, op("compliance-erase-user", http.MethodPost, "/compliance/users/{id}/erasure",
		"Erase a disabled account (GDPR): purge the person's content unless held, pseudonymise their identity in the record (compliance officers)"),
		func(ctx context.Context, in *eraseInput) (*erasureOutput, error) {
			e, err := m.Erase(ctx, in.ID, in.Body)
			if err != nil {
				return nil, err
			}
			return &erasureOutput{Body: e}, nil
		})
	create := op("compliance-create-hold", http.MethodPost, "/compliance/holds",
		"Put a legal hold on a matter: custodians, channels, a date range (compliance officers)")
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *holdInput) (*holdOutput, error) {
		h, err := m.CreateHold(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return &holdOutput{Body: h}, nil
	})
	huma.Register(api, op("compliance-list-holds", http.MethodGet, "/compliance/holds", "List legal holds, newest first, released ones too"),
		func(ctx context.Context, _ *struct{}) (*holdsOutput, error) {
			hs, err := m.Holds(ctx)
			if err != nil {
				return nil, err
			}
			out := &holdsOutput{}
			out.Body.Items = hs
			return out, nil
		})
	huma.Register(api, op("compliance-get-hold", http.MethodGet, "/compliance/holds/{id}", "A legal hold and how much of the record it covers"),
		func(ctx context.Context, in *holdPath) (*holdOutput, error) {
			h, err := m.Hold(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &holdOutput{Body: h}, nil
		})
	huma.Register(api, op("compliance-release-hold", http.MethodPost, "/compliance/holds/{id}/release",
		"Release a legal hold; it deletes nothing"),
		func(ctx context.Context, in *holdPath) (*holdOutput, error) {
			h, err := m.ReleaseHold(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &holdOutput{Body: h}, nil
		})
	export := op("compliance-audit-trail-export", http.MethodGet, "/compliance/audit-trail/export",
		"Export the audit trail as CSV (at most 100,000 entries, newest first); the export is itself on the trail")
	export.Responses = map[string]*huma.Response{"200": {Description: "CSV, one entry a line, with a header line",
		Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}}}
	huma.Register(api, export, func(ctx context.Context, in *auditQueryInput) (*csvOutput, error) {
		b, err := m.ExportAuditTrail(ctx, in.query())
		if err != nil {
			return nil, err
		}
		return &csvOutput{ContentType: "text/csv; charset=utf-8",
			ContentDisposition: `attachment; filename="kontor-audit-trail.csv"`, Body: b}, nil
	})
	m.registerJournalInfo(api)
	m.registerEDiscovery(api)
}
