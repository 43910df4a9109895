package calls

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

func op(id, method, path, summary, desc string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: httpapi.APIPrefix + path, Summary: summary,
		Description: desc, Tags: []string{"calls"}, Security: httpapi.SecuritySession}
}

type (
	channelParam struct {
		ID string `path:"id" maxLength:"64" doc:"Channel or DM id."`
	}
	callParam struct {
		ID     string `path:"id" maxLength:"64" doc:"Channel or DM id."`
		CallID string `path:"cid" maxLength:"64" doc:"Call id."`
	}
	callOut struct {
		Status int
		Body   Call
	}
	callsOut struct {
		Body struct {
			Items []Call `json:"items"`
		}
	}
)

// Register adds the call operations and puts the call frames' client
// schema into the OpenAPI document (the server frames are published with
// the gateway's through Frames).
func (m *Module) Register(api huma.API) {
	api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(CallClientFrame{}), true, "")
	huma.Register(api, op("calls-start", http.MethodPost, "/channels/{id}/calls", "Start a call in a channel or DM, or get the one running",
		"201 with the new call, or 200 with the call running there already. Then join it on the websocket with call.join (docs/calls.md)."),
		func(ctx context.Context, in *channelParam) (*callOut, error) {
			c, started, err := m.StartCall(ctx, in.ID)
			if err != nil {
				return nil, err
			}
			st := http.StatusOK
			if started {
				st = http.StatusCreated
			}
			return &callOut{Status: st, Body: c}, nil
		})
	huma.Register(api, op("calls-list", http.MethodGet, "/channels/{id}/calls", "A channel's calls: the running one first, then the last ended ones",
		"Live changes arrive on the websocket as call.started, call.updated and call.ended events."),
		func(ctx context.Context, in *struct {
			ID    string `path:"id" maxLength:"64" doc:"Channel or DM id."`
			Limit int    `query:"limit" minimum:"1" maximum:"100" default:"20"`
		}) (*callsOut, error) {
			cs, err := m.Calls(ctx, in.ID, in.Limit)
			if err != nil {
				return nil, err
			}
			out := &callsOut{}
			out.Body.Items = cs
			return out, nil
		})
	huma.Register(api, op("calls-end", http.MethodDelete, "/channels/{id}/calls/{cid}", "End a call for everyone",
		"For whoever started it and the channel's admins; everyone else leaves with call.leave."),
		func(ctx context.Context, in *callParam) (*callOut, error) {
			c, err := m.EndCall(ctx, in.ID, in.CallID)
			if err != nil {
				return nil, err
			}
			return &callOut{Status: http.StatusOK, Body: c}, nil
		})
}
