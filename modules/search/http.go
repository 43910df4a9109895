package search

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

type (
	searchInput struct {
		Q       string `query:"q" required:"true" maxLength:"1000" example:"budget from:@alice in:~finance after:2026-01-01" doc:"The search, in the query language: words (all must match, in any of their forms), \"exact phrase\", -excluded, prefix*, from:@user, in:~channel, in:@user (direct messages), before:/after:/on:YYYY-MM-DD, has:file, has:link, is:thread."`
		Sort    string `query:"sort" enum:"relevance,newest" default:"relevance" doc:"relevance: best matches first; newest: latest first. Queries with only operators are always newest first."`
		Page    int    `query:"page" minimum:"1" maximum:"100" default:"1"`
		PerPage int    `query:"per_page" minimum:"1" maximum:"100" default:"20"`
		TZ      string `query:"tz" maxLength:"64" example:"Europe/Berlin" doc:"IANA time zone in which before:, after: and on: days begin; default UTC."`
	}
	searchOutput struct{ Body *Results }
	statusOutput struct{ Body IndexStatus }
)

// IndexStatus describes this node's search index.
type IndexStatus struct {
	Cursor    int64         `json:"cursor" doc:"The journal position the index reflects."`
	Documents uint64        `json:"documents" doc:"Messages and files in the index."`
	Reindex   ReindexStatus `json:"reindex" doc:"The last rebuild started on this node."`
}

// Register adds GET /search and the admin operations on the index.
func (m *Module) Register(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "search", Method: http.MethodGet, Path: httpapi.APIPrefix + "/search",
		Summary: "Search messages and files", Tags: []string{"search"}, Security: httpapi.SecuritySession,
		Description: "Finds messages and files in the channels and direct messages the caller is a member of now. " +
			"A malformed query gets a 422 problem saying what is wrong.",
	}, func(ctx context.Context, in *searchInput) (*searchOutput, error) {
		r := Request{Query: in.Q, Sort: in.Sort, Page: in.Page, PerPage: in.PerPage}
		if in.TZ != "" {
			loc, err := time.LoadLocation(in.TZ)
			if err != nil || in.TZ == "Local" {
				return nil, apperr.Invalid("tz", "tz %q is not a known time zone; use an IANA name such as Europe/Berlin", in.TZ)
			}
			r.Location = loc
		}
		res, err := m.Search(ctx, r)
		if err != nil {
			return nil, err
		}
		return &searchOutput{Body: res}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "search-index-status", Method: http.MethodGet, Path: httpapi.APIPrefix + "/search/index",
		Summary: "State of this node's search index (admin)", Tags: []string{"search"}, Security: httpapi.SecuritySession,
	}, func(ctx context.Context, _ *struct{}) (*statusOutput, error) {
		st, err := m.Status(ctx)
		if err != nil {
			return nil, err
		}
		return &statusOutput{Body: st}, nil
	})
	huma.Register(api, huma.Operation{
		OperationID: "search-reindex", Method: http.MethodPost, Path: httpapi.APIPrefix + "/search/index/rebuild",
		Summary: "Rebuild this node's search index from the journal (admin)", Tags: []string{"search"}, Security: httpapi.SecuritySession,
		DefaultStatus: http.StatusAccepted,
		Description: "Starts a rebuild in the background; searches keep being answered from the current index until the new one " +
			"has caught up and replaces it. Poll GET /search/index for progress. 409 if a rebuild is running.",
	}, func(ctx context.Context, _ *struct{}) (*statusOutput, error) {
		if err := m.RequestReindex(ctx); err != nil {
			return nil, err
		}
		st, err := m.Status(ctx)
		if err != nil {
			return nil, err
		}
		return &statusOutput{Body: st}, nil
	})
}

// Status returns the state of the index; admins only.
func (m *Module) Status(ctx context.Context) (IndexStatus, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return IndexStatus{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.cur == nil {
		return IndexStatus{}, apperr.Unavailable("search is closed")
	}
	n, err := m.cur.idx.DocCount()
	if err != nil {
		return IndexStatus{}, err
	}
	return IndexStatus{Cursor: m.cur.cursor.Load(), Documents: n, Reindex: m.ReindexState()}, nil
}

// RequestReindex starts a background rebuild for an admin and records it
// in the audit log (when the module has a database).
func (m *Module) RequestReindex(ctx context.Context) error {
	p, err := authn.RequireRole(ctx, authn.RoleAdmin)
	if err != nil {
		return err
	}
	if _, err := m.StartReindex(); err != nil {
		return err
	}
	m.log.Info("search index rebuild requested", "by", p.Username)
	if m.db != nil {
		if err := m.audit.Record(ctx, m.db, time.Now().UTC(), "search.reindex", "search_index", "", nil); err != nil {
			m.log.Error("audit search.reindex", "error", err)
		}
	}
	return nil
}
