package calendar_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/chat"
)

// team is a channel with a lead (channel admin) and a member, and an
// outsider who is in no channel with them.
type team struct {
	s                  *apptest.Stack
	lead, member, eve  *apptest.Person
	channel            chat.Channel
	calendarID, ownCal string
}

func newTeam(t *testing.T, s *apptest.Stack) *team {
	tm := &team{s: s, lead: s.Person("lead"), member: s.Person("member"), eve: s.Person("eve")}
	tm.lead.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "team", "private": true,
		"member_ids": []string{tm.member.ID}}).JSON(t, &tm.channel)
	tm.calendarID = "c_" + tm.channel.ID
	tm.ownCal = "u_" + tm.lead.ID
	return tm
}

func window(from, to string, tz string) string {
	q := url.Values{"from": {from}, "to": {to}}
	if tz != "" {
		q.Set("tz", tz)
	}
	return "?" + q.Encode()
}

func occurrences(t *testing.T, p *apptest.Person, path string) calendar.Occurrences {
	t.Helper()
	var o calendar.Occurrences
	p.Must(200, "GET", path, nil).JSON(t, &o)
	return o
}

// A weekly meeting at 09:00 Europe/Berlin stays at 09:00 Berlin time on
// both sides of the daylight-saving change (UTC moves by an hour), and
// shows at 16:00 (winter) and 15:00 (summer) in Shanghai.
func TestWeeklyMeetingKeepsWallClockAcrossDST(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		var ev calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Weekly", "time_zone": "Europe/Berlin", "start": "2026-03-16T09:00", "end": "2026-03-16T10:00",
			"rrule": "FREQ=WEEKLY;BYDAY=MO", "call_link": "/channels/" + tm.channel.ID,
		}).JSON(t, &ev)
		if ev.CallLink != "/channels/"+tm.channel.ID || ev.OrganizerID != tm.lead.ID {
			t.Fatalf("event: %+v", ev)
		}
		for _, tc := range []struct {
			name, tz       string
			wantUTC, local []string
		}{
			{"berlin", "Europe/Berlin",
				[]string{"2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"},
				[]string{"2026-03-16T09:00:00", "2026-03-23T09:00:00", "2026-03-30T09:00:00", "2026-04-06T09:00:00"}},
			{"shanghai", "Asia/Shanghai",
				[]string{"2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"},
				[]string{"2026-03-16T16:00:00", "2026-03-23T16:00:00", "2026-03-30T15:00:00", "2026-04-06T15:00:00"}},
			{"utc", "",
				[]string{"2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"},
				[]string{"2026-03-16T08:00:00", "2026-03-23T08:00:00", "2026-03-30T07:00:00", "2026-04-06T07:00:00"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for _, who := range []*apptest.Person{tm.lead, tm.member} {
					o := occurrences(t, who, "/api/v1/calendar/occurrences"+window("2026-03-10T00:00:00Z", "2026-04-10T00:00:00Z", tc.tz))
					if len(o.Items) != len(tc.wantUTC) {
						t.Fatalf("%d occurrences, want %d: %+v", len(o.Items), len(tc.wantUTC), o.Items)
					}
					for i, it := range o.Items {
						if got := it.StartAt.Format(time.RFC3339); got != tc.wantUTC[i] || it.Start != tc.local[i] {
							t.Errorf("occurrence %d: %s / %s, want %s / %s", i, got, it.Start, tc.wantUTC[i], tc.local[i])
						}
						if it.EndAt.Sub(it.StartAt) != time.Hour || it.EventID != ev.ID || !it.Recurring {
							t.Errorf("occurrence %d: %+v", i, it)
						}
					}
				}
			})
		}
		// The outsider sees none of it.
		if o := occurrences(t, tm.eve, "/api/v1/calendar/occurrences"+window("2026-03-10T00:00:00Z", "2026-04-10T00:00:00Z", "")); len(o.Items) != 0 {
			t.Errorf("eve sees %+v", o.Items)
		}
		tm.eve.Must(404, "GET", "/api/v1/calendar/events/"+ev.ID, nil)
		tm.eve.Must(404, "GET", "/api/v1/calendar/calendars/"+tm.calendarID+"/occurrences"+window("2026-03-10T00:00:00Z", "2026-04-10T00:00:00Z", ""), nil)
	})
}

// The same instant shown in several zones, for single events created with
// a wall-clock time or an RFC 3339 offset.
func TestTimeZonesTable(t *testing.T) {
	s := apptest.New(t, "")
	tm := newTeam(t, s)
	for _, tc := range []struct {
		name, zone, start, end, showIn, wantLocal, wantUTC string
	}{
		{"berlin winter in shanghai", "Europe/Berlin", "2026-01-15T09:00", "2026-01-15T10:00", "Asia/Shanghai", "2026-01-15T16:00:00", "2026-01-15T08:00:00Z"},
		{"berlin summer in shanghai", "Europe/Berlin", "2026-07-15T09:00", "2026-07-15T10:00", "Asia/Shanghai", "2026-07-15T15:00:00", "2026-07-15T07:00:00Z"},
		{"shanghai in new york", "Asia/Shanghai", "2026-07-15T09:00:00", "2026-07-15T10:00:00", "America/New_York", "2026-07-14T21:00:00", "2026-07-15T01:00:00Z"},
		{"offset given", "Europe/Berlin", "2026-01-16T08:00:00Z", "2026-01-16T09:00:00Z", "Europe/Berlin", "2026-01-16T09:00:00", "2026-01-16T08:00:00Z"},
		{"kathmandu", "Asia/Kathmandu", "2026-01-15T09:00", "2026-01-15T09:30", "UTC", "2026-01-15T03:15:00", "2026-01-15T03:15:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev calendar.CalendarEvent
			tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.ownCal+"/events", map[string]any{
				"title": tc.name, "time_zone": tc.zone, "start": tc.start, "end": tc.end}).JSON(t, &ev)
			day, _ := time.Parse(time.RFC3339, tc.wantUTC)
			o := occurrences(t, tm.lead, "/api/v1/calendar/calendars/"+tm.ownCal+"/occurrences"+
				window(day.Add(-time.Minute).Format(time.RFC3339), day.Add(time.Minute).Format(time.RFC3339), tc.showIn))
			if len(o.Items) != 1 || o.Items[0].Start != tc.wantLocal || o.Items[0].StartAt.Format(time.RFC3339) != tc.wantUTC {
				t.Errorf("got %+v, want %s (%s)", o.Items, tc.wantLocal, tc.wantUTC)
			}
		})
	}
}

// Bad input: each a clear problem with its code, nothing stored.
func TestBadEventsAreRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		base := func() map[string]any {
			return map[string]any{"title": "x", "time_zone": "Europe/Berlin", "start": "2026-03-16T09:00", "end": "2026-03-16T10:00"}
		}
		with := func(k string, v any) map[string]any {
			b := base()
			b[k] = v
			return b
		}
		for _, tc := range []struct {
			name   string
			body   map[string]any
			status int
			code   string
		}{
			{"unknown zone", with("time_zone", "Mars/Olympus"), 422, "invalid_time_zone"},
			{"local zone", with("time_zone", "Local"), 422, "invalid_time_zone"},
			{"end before start", with("end", "2026-03-16T08:00"), 422, "end_before_start"},
			{"end equals start", with("end", "2026-03-16T09:00"), 422, "end_before_start"},
			{"not a time", with("start", "Montag früh"), 422, "invalid_time"},
			{"year 9999", with("start", "9999-01-01T09:00"), 422, "invalid_time"},
			{"huge description", with("description", strings.Repeat("Ä", 9000)), 422, "description_too_long"},
			{"hourly rule", with("rrule", "FREQ=HOURLY"), 422, "invalid_recurrence"},
			{"secondly rule", with("rrule", "FREQ=SECONDLY"), 422, "invalid_recurrence"},
			{"byhour", with("rrule", "FREQ=DAILY;BYHOUR=1,2,3"), 422, "invalid_recurrence"},
			{"garbage rule", with("rrule", "FREQ=SOMETIMES"), 422, "invalid_recurrence"},
			{"count too big", with("rrule", "FREQ=DAILY;COUNT=10000000"), 422, "recurrence_too_large"},
			{"javascript link", with("call_link", "javascript:alert(1)"), 422, "invalid_link"},
			{"unknown attendee", with("attendees", []map[string]any{{"user_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}}), 422, "user_not_found"},
			{"foreign channel", with("attendees", []map[string]any{{"channel_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}}), 422, "channel_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tm.lead.Do("POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", tc.body)
				if r.Status != tc.status || string(r.Problem().Code) != tc.code {
					t.Errorf("%d %s, want %d %s: %s", r.Status, r.Problem().Code, tc.status, tc.code, r.Body)
				}
			})
		}
		o := occurrences(t, tm.lead, "/api/v1/calendar/occurrences"+window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", ""))
		if len(o.Items) != 0 {
			t.Errorf("something was stored: %+v", o.Items)
		}
		// Windows: 100 years refused, backwards refused, zones checked.
		for _, tc := range []struct{ q, code string }{
			{window("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", ""), "window_too_large"},
			{window("2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z", ""), "end_before_start"},
			{window("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "Nowhere/Else"), "invalid_time_zone"},
		} {
			r := tm.lead.Do("GET", "/api/v1/calendar/occurrences"+tc.q, nil)
			if r.Status != 422 || string(r.Problem().Code) != tc.code {
				t.Errorf("%s: %d %s, want 422 %s", tc.q, r.Status, r.Problem().Code, tc.code)
			}
		}
	})
}

// A rule without end is fine: a window far in the future lists exactly
// the occurrences in it, and an answer never grows past the cap.
func TestEndlessRulesAreBoundedByTheWindow(t *testing.T) {
	s := apptest.New(t, "")
	tm := newTeam(t, s)
	tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.ownCal+"/events", map[string]any{
		"title": "Daily", "time_zone": "UTC", "start": "2000-01-01T09:00", "end": "2000-01-01T09:15", "rrule": "FREQ=DAILY"})
	o := occurrences(t, tm.lead, "/api/v1/calendar/occurrences"+window("2150-06-01T00:00:00Z", "2150-06-08T00:00:00Z", ""))
	if len(o.Items) != 7 || o.Items[0].Start != "2150-06-01T09:00:00" || o.Truncated {
		t.Errorf("got %d occurrences (%+v)", len(o.Items), o)
	}
	o = occurrences(t, tm.lead, "/api/v1/calendar/occurrences"+window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", ""))
	if len(o.Items) != 365 {
		t.Errorf("a year of a daily event: %d occurrences", len(o.Items))
	}
}

// Exceptions: one occurrence moved, one cancelled, then "this and
// following" moved to 10:00; the series before stays at 09:00.
func TestOverridesAndThisAndFollowing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		var ev calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Standup", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T09:15",
			"rrule": "FREQ=DAILY;COUNT=10", "attendees": []map[string]any{{"channel_id": tm.channel.ID}}}).JSON(t, &ev)
		occ := func() []calendar.Occurrence {
			return occurrences(t, tm.member, "/api/v1/calendar/occurrences"+window("2026-05-30T00:00:00Z", "2026-06-30T00:00:00Z", "Europe/Berlin")).Items
		}
		if n := len(occ()); n != 10 {
			t.Fatalf("%d occurrences, want 10", n)
		}
		// June 3rd moves to 11:00 with another title.
		var o calendar.CalendarEvent
		tm.lead.Must(200, "PATCH", "/api/v1/calendar/events/"+ev.ID+"/occurrences/2026-06-03T07:00:00Z",
			map[string]any{"start": "2026-06-03T11:00", "end": "2026-06-03T11:30", "title": "Standup (later)"}).JSON(t, &o)
		// June 4th is cancelled.
		tm.lead.Must(204, "DELETE", "/api/v1/calendar/events/"+ev.ID+"/occurrences/2026-06-04T07:00:00Z", nil)
		// A time that is no occurrence.
		if r := tm.lead.Do("DELETE", "/api/v1/calendar/events/"+ev.ID+"/occurrences/2026-06-04T08:00:00Z", nil); r.Status != 404 || r.Problem().Code != "occurrence_not_found" {
			t.Errorf("not an occurrence: %d %s", r.Status, r.Body)
		}
		// The member may not change it.
		if r := tm.member.Do("PATCH", "/api/v1/calendar/events/"+ev.ID, map[string]any{"title": "mine"}); r.Status != 403 || r.Problem().Code != "event_write_forbidden" {
			t.Errorf("member edits: %d %s", r.Status, r.Body)
		}
		got := occ()
		if len(got) != 9 {
			t.Fatalf("%d occurrences after a cancellation, want 9: %+v", len(got), got)
		}
		if got[2].Start != "2026-06-03T11:00:00" || got[2].Title != "Standup (later)" || got[2].OverrideID != o.ID || got[2].RecurrenceAt.Format(time.RFC3339) != "2026-06-03T07:00:00Z" {
			t.Errorf("the moved occurrence: %+v", got[2])
		}
		if got[3].Start != "2026-06-05T09:00:00" {
			t.Errorf("June 4th is still there: %+v", got[3])
		}
		// This and following from June 7th: 10:00.
		var next calendar.CalendarEvent
		tm.lead.Must(200, "POST", "/api/v1/calendar/events/"+ev.ID+"/occurrences/2026-06-07T07:00:00Z/split",
			map[string]any{"start": "2026-06-07T10:00", "end": "2026-06-07T10:15"}).JSON(t, &next)
		if next.ID == ev.ID || next.RRule != "FREQ=DAILY;COUNT=4" {
			t.Errorf("the new series: %+v", next)
		}
		got = occ()
		var starts []string
		for _, g := range got {
			starts = append(starts, g.Start[5:16])
		}
		want := "06-01T09:00 06-02T09:00 06-03T11:00 06-05T09:00 06-06T09:00 06-07T10:00 06-08T10:00 06-09T10:00 06-10T10:00"
		if strings.Join(starts, " ") != want {
			t.Errorf("after the split:\n got %s\nwant %s", strings.Join(starts, " "), want)
		}
		// Cancel the new series: the old part stays.
		tm.lead.Must(204, "DELETE", "/api/v1/calendar/events/"+next.ID, nil)
		if n := len(occ()); n != 5 {
			t.Errorf("%d occurrences after cancelling the second series, want 5", n)
		}
	})
}

// RSVP: a member invited through the channel answers; the organizer sees
// the answer; an outsider cannot answer.
func TestRSVP(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		var ev calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.ownCal+"/events", map[string]any{
			"title": "Review", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00",
			"attendees": []map[string]any{{"channel_id": tm.channel.ID}}}).JSON(t, &ev)
		// The member sees it in their view (invited through the channel).
		o := occurrences(t, tm.member, "/api/v1/calendar/occurrences"+window("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", ""))
		if len(o.Items) != 1 {
			t.Fatalf("member's view: %+v", o.Items)
		}
		tm.member.Must(200, "PUT", "/api/v1/calendar/events/"+ev.ID+"/rsvp", map[string]any{"rsvp": "tentative", "comment": "vielleicht"})
		var got calendar.CalendarEvent
		tm.lead.Must(200, "GET", "/api/v1/calendar/events/"+ev.ID, nil).JSON(t, &got)
		found := false
		for _, a := range got.Attendees {
			if a.UserID == tm.member.ID && a.RSVP == "tentative" && a.Comment == "vielleicht" {
				found = true
			}
		}
		if !found {
			t.Errorf("the answer is not on the event: %+v", got.Attendees)
		}
		o = occurrences(t, tm.member, "/api/v1/calendar/occurrences"+window("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", ""))
		if o.Items[0].MyRSVP != "tentative" {
			t.Errorf("my_rsvp: %+v", o.Items[0])
		}
		tm.eve.Must(404, "PUT", "/api/v1/calendar/events/"+ev.ID+"/rsvp", map[string]any{"rsvp": "accepted"})
		r := tm.member.Do("PUT", "/api/v1/calendar/events/"+ev.ID+"/rsvp", map[string]any{"rsvp": "maybe"})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("rsvp maybe: %d", r.Status)
		}
	})
}
