package calendar

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

func op(id, method, path, summary string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: httpapi.APIPrefix + "/calendar" + path, Summary: summary,
		Tags: []string{"calendar"}, Security: httpapi.SecuritySession}
}

// Path and query parameters; exported because huma fills embedded structs
// only through exported fields.
type (
	CalendarParam struct {
		ID string `path:"id" maxLength:"40" doc:"Calendar id: u_<user id> or c_<channel id>."`
	}
	EventParam struct {
		ID string `path:"id" maxLength:"26" doc:"CalendarEvent id."`
	}
	OccurrenceParam struct {
		ID string `path:"id" maxLength:"26" doc:"CalendarEvent id (the series)."`
		At string `path:"at" maxLength:"40" doc:"The occurrence's original start, RFC 3339 (UTC), as recurrence_at says."`
	}
	WindowParams struct {
		From time.Time `query:"from" required:"true" doc:"Window start (RFC 3339)."`
		To   time.Time `query:"to" required:"true" doc:"Window end (RFC 3339), at most 400 days after from."`
		TZ   string    `query:"tz" maxLength:"64" doc:"IANA zone to show start and end in (default UTC)." example:"Asia/Shanghai"`
	}
	eventOut       struct{ Body CalendarEvent }
	occurrencesOut struct{ Body Occurrences }
	calendarsOut   struct {
		Body struct {
			Items []Calendar `json:"items"`
		}
	}
	feedsOut struct {
		Body struct {
			Items []Feed `json:"items"`
		}
	}
	icsOut struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		CacheControl       string `header:"Cache-Control"`
		Body               []byte
	}
)

func ics(b []byte, name string) *icsOut {
	return &icsOut{ContentType: "text/calendar; charset=utf-8", ContentDisposition: `attachment; filename="` + name + `"`,
		CacheControl: "private, no-store", Body: b}
}

var icsResponse = map[string]*huma.Response{"200": {Description: "An iCalendar (RFC 5545) file.",
	Content: map[string]*huma.MediaType{"text/calendar": {Schema: &huma.Schema{Type: "string"}}}}}

// Register adds the calendar operations under /api/v1/calendar.
func (m *Module) Register(api huma.API) {
	huma.Register(api, op("calendar-list-calendars", http.MethodGet, "/calendars", "My calendars: my own and one per channel"),
		func(ctx context.Context, _ *struct{}) (*calendarsOut, error) {
			cs, err := m.Calendars(ctx)
			out := &calendarsOut{}
			out.Body.Items = cs
			return out, err
		})
	huma.Register(api, op("calendar-set-color", http.MethodPut, "/calendars/{id}/color", "Choose a calendar's color"),
		func(ctx context.Context, in *struct {
			CalendarParam
			Body struct {
				Color string `json:"color" maxLength:"7" doc:"#rrggbb; empty clears it."`
			}
		}) (*struct{}, error) {
			return nil, m.SetColor(ctx, in.ID, in.Body.Color)
		})
	huma.Register(api, op("calendar-set-hidden", http.MethodPut, "/calendars/{id}/hidden", "Hide a channel's calendar from my view, or show it"),
		func(ctx context.Context, in *struct {
			CalendarParam
			Body struct {
				Hidden bool `json:"hidden"`
			}
		}) (*struct{}, error) {
			return nil, m.SetHidden(ctx, in.ID, in.Body.Hidden)
		})
	create := op("calendar-create-event", http.MethodPost, "/calendars/{id}/events", "Add an event to a calendar")
	create.DefaultStatus = http.StatusCreated
	huma.Register(api, create, func(ctx context.Context, in *struct {
		CalendarParam
		Body NewEvent
	}) (*eventOut, error) {
		e, err := m.CreateEvent(ctx, in.ID, in.Body)
		return &eventOut{Body: e}, err
	})
	huma.Register(api, op("calendar-calendar-occurrences", http.MethodGet, "/calendars/{id}/occurrences", "A calendar's occurrences in a window"),
		func(ctx context.Context, in *struct {
			CalendarParam
			WindowParams
		}) (*occurrencesOut, error) {
			o, err := m.CalendarOccurrences(ctx, in.ID, in.From, in.To, in.TZ)
			return &occurrencesOut{Body: o}, err
		})
	imp := op("calendar-import", http.MethodPost, "/calendars/{id}/import", "Import an .ics file into a calendar")
	imp.MaxBodyBytes = m.cfg.MaxImportBytes
	huma.Register(api, imp, func(ctx context.Context, in *struct {
		CalendarParam
		RawBody []byte `contentType:"text/calendar"`
	}) (*struct{ Body ImportResult }, error) {
		r, err := m.Import(ctx, in.ID, in.RawBody)
		return &struct{ Body ImportResult }{Body: r}, err
	})
	huma.Register(api, op("calendar-my-occurrences", http.MethodGet, "/occurrences", "My view: my calendar, my channels' and what I am invited to, in a window"),
		func(ctx context.Context, in *WindowParams) (*occurrencesOut, error) {
			o, err := m.MyOccurrences(ctx, in.From, in.To, in.TZ)
			return &occurrencesOut{Body: o}, err
		})
	huma.Register(api, op("calendar-get-event", http.MethodGet, "/events/{id}", "An event"),
		func(ctx context.Context, in *EventParam) (*eventOut, error) {
			e, err := m.GetEvent(ctx, in.ID)
			return &eventOut{Body: e}, err
		})
	huma.Register(api, op("calendar-update-event", http.MethodPatch, "/events/{id}", "Change an event (the whole series)"),
		func(ctx context.Context, in *struct {
			EventParam
			Body EventPatch
		}) (*eventOut, error) {
			e, err := m.UpdateEvent(ctx, in.ID, in.Body)
			return &eventOut{Body: e}, err
		})
	cancel := op("calendar-cancel-event", http.MethodDelete, "/events/{id}", "Cancel an event (the whole series)")
	cancel.DefaultStatus = http.StatusNoContent
	huma.Register(api, cancel, func(ctx context.Context, in *EventParam) (*struct{}, error) {
		return nil, m.CancelEvent(ctx, in.ID)
	})
	huma.Register(api, op("calendar-change-occurrence", http.MethodPatch, "/events/{id}/occurrences/{at}", "Change one occurrence of a recurring event"),
		func(ctx context.Context, in *struct {
			OccurrenceParam
			Body EventPatch
		}) (*eventOut, error) {
			e, err := m.ChangeOccurrence(ctx, in.ID, in.At, in.Body)
			return &eventOut{Body: e}, err
		})
	cancelOne := op("calendar-cancel-occurrence", http.MethodDelete, "/events/{id}/occurrences/{at}", "Cancel one occurrence of a recurring event")
	cancelOne.DefaultStatus = http.StatusNoContent
	huma.Register(api, cancelOne, func(ctx context.Context, in *OccurrenceParam) (*struct{}, error) {
		return nil, m.CancelOccurrence(ctx, in.ID, in.At)
	})
	huma.Register(api, op("calendar-split-event", http.MethodPost, "/events/{id}/occurrences/{at}/split", "Change this and the following occurrences"),
		func(ctx context.Context, in *struct {
			OccurrenceParam
			Body EventPatch
		}) (*eventOut, error) {
			e, err := m.SplitEvent(ctx, in.ID, in.At, in.Body)
			return &eventOut{Body: e}, err
		})
	huma.Register(api, op("calendar-rsvp", http.MethodPut, "/events/{id}/rsvp", "Answer an invitation"),
		func(ctx context.Context, in *struct {
			EventParam
			Body struct {
				RSVP    string `json:"rsvp" enum:"accepted,tentative,declined,needs_action"`
				Comment string `json:"comment,omitempty" maxLength:"500"`
			}
		}) (*eventOut, error) {
			e, err := m.RSVP(ctx, in.ID, in.Body.RSVP, in.Body.Comment)
			return &eventOut{Body: e}, err
		})
	huma.Register(api, op("calendar-set-reminders", http.MethodPut, "/events/{id}/reminders", "Set my reminders for an event (minutes before each occurrence)"),
		func(ctx context.Context, in *struct {
			EventParam
			Body Reminders
		}) (*struct{ Body Reminders }, error) {
			r, err := m.SetReminders(ctx, in.ID, in.Body.Minutes)
			return &struct{ Body Reminders }{Body: r}, err
		})
	ev := op("calendar-event-ics", http.MethodGet, "/events/{id}/ics", "An event as an .ics file")
	ev.Responses = icsResponse
	huma.Register(api, ev, func(ctx context.Context, in *EventParam) (*icsOut, error) {
		b, err := m.EventICS(ctx, in.ID)
		return ics(b, "event.ics"), err
	})
	huma.Register(api, op("calendar-free-busy", http.MethodPost, "/free-busy", "When several people are busy in a window, and their working hours"),
		func(ctx context.Context, in *struct {
			Body struct {
				UserIDs []string  `json:"user_ids" minItems:"1" maxItems:"50"`
				From    time.Time `json:"from"`
				To      time.Time `json:"to"`
			}
		}) (*struct {
			Body struct {
				Items []BusyPerson `json:"items"`
			}
		}, error) {
			ps, err := m.FreeBusy(ctx, in.Body.UserIDs, in.Body.From, in.Body.To)
			out := &struct {
				Body struct {
					Items []BusyPerson `json:"items"`
				}
			}{}
			out.Body.Items = ps
			return out, err
		})
	huma.Register(api, op("calendar-my-working-hours", http.MethodGet, "/working-hours", "My working hours"),
		func(ctx context.Context, _ *struct{}) (*struct{ Body WorkingHours }, error) {
			w, err := m.MyWorkingHours(ctx)
			return &struct{ Body WorkingHours }{Body: w}, err
		})
	huma.Register(api, op("calendar-set-working-hours", http.MethodPut, "/working-hours", "Set my working hours"),
		func(ctx context.Context, in *struct{ Body WorkingHours }) (*struct{ Body WorkingHours }, error) {
			w, err := m.SetWorkingHours(ctx, in.Body)
			return &struct{ Body WorkingHours }{Body: w}, err
		})
	huma.Register(api, op("calendar-list-feeds", http.MethodGet, "/feeds", "My private feed URLs"),
		func(ctx context.Context, _ *struct{}) (*feedsOut, error) {
			fs, err := m.MyFeeds(ctx)
			out := &feedsOut{}
			out.Body.Items = fs
			return out, err
		})
	mk := op("calendar-create-feed", http.MethodPost, "/feeds", "Make a private feed URL for my view or one calendar")
	mk.DefaultStatus = http.StatusCreated
	huma.Register(api, mk, func(ctx context.Context, in *struct {
		Body struct {
			CalendarID string `json:"calendar_id,omitempty" maxLength:"40" doc:"Empty: my whole view."`
		}
	}) (*struct{ Body Feed }, error) {
		f, err := m.CreateFeed(ctx, in.Body.CalendarID)
		return &struct{ Body Feed }{Body: f}, err
	})
	rv := op("calendar-revoke-feed", http.MethodDelete, "/feeds/{id}", "Revoke a feed URL")
	rv.DefaultStatus = http.StatusNoContent
	huma.Register(api, rv, func(ctx context.Context, in *EventParam) (*struct{}, error) {
		return nil, m.RevokeFeed(ctx, in.ID)
	})
	feed := op("calendar-feed", http.MethodGet, "/feed/{token}", "A private feed (the token is the credential)")
	feed.Security = nil
	feed.Responses = icsResponse
	huma.Register(api, feed, func(ctx context.Context, in *struct {
		Token string `path:"token" maxLength:"80"`
	}) (*icsOut, error) {
		b, err := m.FeedICS(ctx, in.Token)
		return ics(b, "kontor.ics"), err
	})
}
