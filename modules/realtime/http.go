package realtime

import (
	"context"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Register adds the presence API and puts the websocket frames into the
// OpenAPI document's schemas (the websocket itself is at /api/v1/ws).
func (m *Module) Register(api huma.API) {
	reg := api.OpenAPI().Components.Schemas
	for _, t := range []any{ServerFrame{}, ClientFrame{}, Hello{}, Resync{}, Typing{}, Presence{}, ErrorPayload{}} {
		reg.Schema(reflect.TypeOf(t), true, "")
	}
	huma.Register(api, huma.Operation{OperationID: "presence-get", Method: http.MethodGet, Path: httpapi.APIPrefix + "/presence",
		Summary:     "Presence of people: active, away, do not disturb, or offline with when they were last seen",
		Description: "Live changes arrive on the websocket at /api/v1/ws as presence frames; see docs/realtime.md.",
		Tags:        []string{"realtime"}, Security: httpapi.SecuritySession},
		func(ctx context.Context, in *struct {
			UserIDs string `query:"user_ids" maxLength:"5400" doc:"Comma-separated user ids (at most 200)."`
		}) (*struct {
			Body struct {
				Items []Presence `json:"items"`
			}
		}, error) {
			ps, err := m.PresenceOf(ctx, strings.Split(in.UserIDs, ","))
			out := &struct {
				Body struct {
					Items []Presence `json:"items"`
				}
			}{}
			out.Body.Items = ps
			return out, err
		})
}

// PresenceOf returns the presence of the given people.
func (m *Module) PresenceOf(ctx context.Context, userIDs []string) ([]Presence, error) {
	if _, err := authn.Require(ctx); err != nil {
		return nil, err
	}
	var idsOK []string
	for _, u := range userIDs {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if !ids.Valid(u) {
			return nil, apperr.Invalid("user_ids", "%q is not a user id", u)
		}
		idsOK = append(idsOK, u)
	}
	if len(idsOK) > 200 {
		return nil, apperr.Invalid("user_ids", "ask for at most 200 people at once")
	}
	seen, err := m.pres.lastSeen(ctx, idsOK)
	if err != nil {
		return nil, err
	}
	out := make([]Presence, len(idsOK))
	for i, u := range idsOK {
		out[i] = Presence{UserID: u, Status: m.pres.status(u)}
		if t, ok := seen[u]; ok && out[i].Status == "offline" {
			out[i].LastSeenAt = &t
		}
	}
	return out, nil
}
