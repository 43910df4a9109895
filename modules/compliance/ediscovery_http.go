package compliance

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

type (
	discoverySearchInput  struct{ Body DiscoverySearch }
	discoverySearchOutput struct{ Body DiscoveryResults }
	conversationInput     struct {
		ID     string `path:"id" maxLength:"64" doc:"The channel or conversation."`
		Around int64  `query:"around" minimum:"0" doc:"A journal entry of the conversation (a hit's seq): opens around its message; 0 or absent: the newest messages."`
		Before int    `query:"before" minimum:"0" maximum:"200" default:"25" doc:"Messages before it."`
		After  int    `query:"after" minimum:"0" maximum:"200" default:"25" doc:"Messages after it."`
	}
	conversationOutput struct{ Body Conversation }
	recordedFileInput  struct {
		ID string `path:"id" maxLength:"64" doc:"File id."`
	}
	savedSearchInput  struct{ Body NewSavedSearch }
	savedSearchOutput struct{ Body SavedSearch }
	savedSearchPath   struct {
		ID string `path:"id" maxLength:"64"`
	}
	savedSearchesInput struct {
		Matter string `query:"matter" maxLength:"800" doc:"Only this matter's searches."`
	}
	savedSearchesOutput struct {
		Body struct {
			Items []SavedSearch `json:"items"`
		}
	}
)

func (m *Module) registerEDiscovery(api huma.API) {
	search := op("compliance-ediscovery-search", http.MethodPost, "/compliance/ediscovery/search",
		"Search everything on the record: every channel and DM, every version, deleted, expired and moderated messages, files (compliance officers; audited)")
	search.Description = "Each hit is one message version or one file share, read from the compliance journal: what retention or " +
		"erasure purged is not found. The search itself (query, filters, hit count) goes on the audit trail."
	huma.Register(api, search, func(ctx context.Context, in *discoverySearchInput) (*discoverySearchOutput, error) {
		r, err := m.Search(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return &discoverySearchOutput{Body: r}, nil
	})
	huma.Register(api, op("compliance-ediscovery-conversation", http.MethodGet, "/compliance/ediscovery/channels/{id}/conversation",
		"Read a conversation around a hit, as the record holds it: deleted messages and earlier versions marked (compliance officers; audited)"),
		func(ctx context.Context, in *conversationInput) (*conversationOutput, error) {
			c, err := m.OpenConversation(ctx, in.ID, in.Around, in.Before, in.After)
			if err != nil {
				return nil, err
			}
			return &conversationOutput{Body: c}, nil
		})
	dl := op("compliance-ediscovery-file", http.MethodGet, "/compliance/ediscovery/files/{id}/content",
		"Download a file on the record, deleted ones too while their bytes exist (compliance officers; audited)")
	dl.Responses = map[string]*huma.Response{
		"200": {Description: "The bytes, always as an attachment.",
			Content: map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}},
		"default": {Description: "Error (410 when the bytes are gone).",
			Content: map[string]*huma.MediaType{"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/Problem"}}}},
	}
	huma.Register(api, dl, func(ctx context.Context, in *recordedFileInput) (*huma.StreamResponse, error) {
		f, err := m.OpenFile(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer f.Body.Close()
			// Never shown in the browser: what a file holds is evidence, not a page.
			hctx.SetHeader("Content-Type", "application/octet-stream")
			hctx.SetHeader("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
			hctx.SetHeader("X-Content-Type-Options", "nosniff")
			hctx.SetHeader("Content-Security-Policy", "default-src 'none'; sandbox")
			hctx.SetHeader("Cache-Control", "no-store")
			if f.SHA256 != "" {
				hctx.SetHeader("X-Kontor-SHA256", f.SHA256)
			}
			if f.Size > 0 {
				hctx.SetHeader("Content-Length", strconv.FormatInt(f.Size, 10))
			}
			hctx.SetStatus(http.StatusOK)
			_, _ = io.Copy(hctx.BodyWriter(), f.Body)
		}}, nil
	})

	save := op("compliance-ediscovery-save-search", http.MethodPost, "/compliance/ediscovery/saved-searches",
		"Save an e-discovery search for a matter (compliance officers)")
	save.DefaultStatus = http.StatusCreated
	huma.Register(api, save, func(ctx context.Context, in *savedSearchInput) (*savedSearchOutput, error) {
		s, err := m.SaveSearch(ctx, in.Body)
		if err != nil {
			return nil, err
		}
		return &savedSearchOutput{Body: s}, nil
	})
	huma.Register(api, op("compliance-ediscovery-list-saved-searches", http.MethodGet, "/compliance/ediscovery/saved-searches",
		"List saved e-discovery searches, newest first"),
		func(ctx context.Context, in *savedSearchesInput) (*savedSearchesOutput, error) {
			ss, err := m.SavedSearches(ctx, in.Matter)
			if err != nil {
				return nil, err
			}
			out := &savedSearchesOutput{}
			out.Body.Items = ss
			return out, nil
		})
	huma.Register(api, op("compliance-ediscovery-get-saved-search", http.MethodGet, "/compliance/ediscovery/saved-searches/{id}",
		"A saved e-discovery search"),
		func(ctx context.Context, in *savedSearchPath) (*savedSearchOutput, error) {
			s, err := m.SavedSearch(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			return &savedSearchOutput{Body: s}, nil
		})
	del := op("compliance-ediscovery-delete-saved-search", http.MethodDelete, "/compliance/ediscovery/saved-searches/{id}",
		"Delete a saved e-discovery search; the journal keeps what it was")
	del.DefaultStatus = http.StatusNoContent
	huma.Register(api, del, func(ctx context.Context, in *savedSearchPath) (*struct{}, error) {
		return nil, m.DeleteSavedSearch(ctx, in.ID)
	})
}
