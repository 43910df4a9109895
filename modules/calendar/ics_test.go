package calendar_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// The .ics of an event carries its zone, rule, exceptions and overrides;
// an outsider gets none of it.
func TestEventICS(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		var ev calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Planung; Q3, alles", "description": "Zeile 1\nZeile 2", "time_zone": "Europe/Berlin",
			"start": "2026-06-01T09:00", "end": "2026-06-01T10:00", "rrule": "FREQ=WEEKLY;BYDAY=MO",
			"exdates": []string{"2026-06-15T09:00"}}).JSON(t, &ev)
		tm.lead.Must(200, "PATCH", "/api/v1/calendar/events/"+ev.ID+"/occurrences/2026-06-08T07:00:00Z", map[string]any{"start": "2026-06-08T11:00", "end": "2026-06-08T12:00"})
		r := tm.member.Must(200, "GET", "/api/v1/calendar/events/"+ev.ID+"/ics", nil)
		body := strings.ReplaceAll(string(r.Body), "\r\n ", "")
		for _, want := range []string{"BEGIN:VCALENDAR", "UID:" + ev.UID, "DTSTART;TZID=Europe/Berlin:20260601T090000",
			"RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260615T090000", "RECURRENCE-ID;TZID=Europe/Berlin:20260608T090000",
			"DTSTART;TZID=Europe/Berlin:20260608T110000", `SUMMARY:Planung\; Q3\, alles`, `DESCRIPTION:Zeile 1\nZeile 2`} {
			if !strings.Contains(body, want) {
				t.Errorf("the .ics lacks %q:\n%s", want, body)
			}
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Errorf("content type %q", ct)
		}
		if r := tm.eve.Do("GET", "/api/v1/calendar/events/"+ev.ID+"/ics", nil); r.Status != 404 || strings.Contains(string(r.Body), "Planung") {
			t.Errorf("eve: %d %s", r.Status, r.Body)
		}
	})
}

// A feed URL works without sign-in until it is revoked; it shows what its
// owner may read now (leaving the channel empties a channel feed).
func TestFeedsAreRevocable(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Teamtermin", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00"})
		var view, chanFeed calendar.Feed
		tm.member.Must(201, "POST", "/api/v1/calendar/feeds", map[string]any{}).JSON(t, &view)
		tm.member.Must(201, "POST", "/api/v1/calendar/feeds", map[string]any{"calendar_id": tm.calendarID}).JSON(t, &chanFeed)
		if !strings.HasPrefix(view.URL, "/api/v1/calendar/feed/") || view.Token == "" {
			t.Fatalf("feed: %+v", view)
		}
		anon := apitest.New(t, s.URL)
		for _, f := range []calendar.Feed{view, chanFeed} {
			if r := anon.Do("GET", f.URL, nil); r.Status != 200 || !strings.Contains(string(r.Body), "Teamtermin") {
				t.Errorf("feed %s: %d %s", f.ID, r.Status, r.Body)
			}
		}
		// The outsider cannot make a feed of the channel.
		if r := tm.eve.Do("POST", "/api/v1/calendar/feeds", map[string]any{"calendar_id": tm.calendarID}); r.Status != 404 {
			t.Errorf("eve makes a channel feed: %d", r.Status)
		}
		// Listing shows no tokens.
		var list struct{ Items []calendar.Feed }
		tm.member.Must(200, "GET", "/api/v1/calendar/feeds", nil).JSON(t, &list)
		if len(list.Items) != 2 || list.Items[0].Token != "" {
			t.Errorf("list: %+v", list.Items)
		}
		// Eve cannot revoke the member's feed.
		tm.eve.Must(404, "DELETE", "/api/v1/calendar/feeds/"+view.ID, nil)
		// Revoked: 404 with its code, nothing of the calendar.
		tm.member.Must(204, "DELETE", "/api/v1/calendar/feeds/"+view.ID, nil)
		r := anon.Do("GET", view.URL, nil)
		if r.Status != 404 || r.Problem().Code != "feed_not_found" || strings.Contains(string(r.Body), "Teamtermin") {
			t.Errorf("revoked feed: %d %s", r.Status, r.Body)
		}
		// Made-up tokens too.
		for _, tok := range []string{"kcf_nope", "x", strings.Repeat("a", 80)} {
			if r := anon.Do("GET", "/api/v1/calendar/feed/"+tok, nil); r.Status != 404 {
				t.Errorf("token %q: %d", tok, r.Status)
			}
		}
		// The member leaves the channel: the channel feed shows nothing.
		tm.member.Must(204, "POST", "/api/v1/channels/"+tm.channel.ID+"/leave", nil)
		if r := anon.Do("GET", chanFeed.URL, nil); r.Status != 404 || strings.Contains(string(r.Body), "Teamtermin") {
			t.Errorf("feed after leaving: %d %s", r.Status, r.Body)
		}
	})
}

// Import: a good file makes its events (a second import updates them);
// broken folding, huge properties, oversized and non-text files are
// refused with their codes and change nothing.
func TestImport(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		good := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:imp-1@example\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART;TZID=America/New_York:20260601T090000\r\nDTEND;TZID=America/New_York:20260601T100000\r\nRRULE:FREQ=DAILY;COUNT=2\r\n" +
			"SUMMARY:Importiert mit einer sehr langen Zeile\r\n  die gefaltet wurde\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:imp-2@example\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260605\r\nSUMMARY:Ganztägig\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		post := func(body string) (int, string, string) {
			req := tm.lead.Client
			req.Headers["Content-Type"] = "text/calendar"
			defer delete(req.Headers, "Content-Type")
			r := req.Do("POST", "/api/v1/calendar/calendars/"+tm.ownCal+"/import", body)
			return r.Status, string(r.Problem().Code), string(r.Body)
		}
		if st, _, b := post(good); st != 200 || !strings.Contains(b, `"created":2`) {
			t.Fatalf("import: %d %s", st, b)
		}
		o := occurrences(t, tm.lead, "/api/v1/calendar/occurrences"+window("2026-06-01T00:00:00Z", "2026-06-07T00:00:00Z", "America/New_York"))
		var got []string
		for _, it := range o.Items {
			got = append(got, it.Start+" "+it.Title)
		}
		want := "2026-06-01T09:00:00 Importiert mit einer sehr langen Zeile die gefaltet wurde|2026-06-02T09:00:00 Importiert mit einer sehr langen Zeile die gefaltet wurde|2026-06-05T00:00:00 Ganztägig"
		if strings.Join(got, "|") != want {
			t.Errorf("imported:\n got %s\nwant %s", strings.Join(got, "|"), want)
		}
		if st, _, b := post(strings.Replace(good, "Importiert", "Erneut", 1)); st != 200 || !strings.Contains(b, `"updated":2`) {
			t.Errorf("second import: %d %s", st, b)
		}
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"broken folding", strings.Replace(good, "\r\n  die", "\r\ndie", 1), 422, "invalid_calendar_data"},
			{"continuation first", " BEGIN:VCALENDAR\r\n", 422, "invalid_calendar_data"},
			{"huge property", strings.Replace(good, "SUMMARY:Ganztägig", "DESCRIPTION:"+strings.Repeat("x", 40000), 1), 422, "invalid_calendar_data"},
			{"not text", "BEGIN:VCALENDAR\r\nSUMMARY:\xff\xfe\r\n", 422, "invalid_calendar_data"},
			{"not icalendar", "hello world", 422, "invalid_calendar_data"},
			{"bad zone", strings.Replace(good, "DTSTART;TZID=America/New_York:20260601T090000", "DTSTART:2026-06-01", 1), 422, "invalid_calendar_data"},
			{"endless hourly", strings.Replace(good, "FREQ=DAILY;COUNT=2", "FREQ=HOURLY", 1), 422, "invalid_calendar_data"},
			{"too large", strings.Repeat("X:y\r\n", 300000), 413, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, code, b := post(tc.body)
				if st != tc.status || code != tc.code {
					t.Errorf("%d %q, want %d %q: %.300s", st, code, tc.status, tc.code, b)
				}
			})
		}
		o = occurrences(t, tm.lead, "/api/v1/calendar/occurrences"+window("2026-06-01T00:00:00Z", "2026-06-07T00:00:00Z", "America/New_York"))
		if len(o.Items) != 3 || !strings.HasPrefix(o.Items[0].Title, "Erneut") {
			t.Errorf("a refused import changed something: %+v", o.Items)
		}
		// Nobody imports into a calendar they cannot write.
		tm.eve.Headers["Content-Type"] = "text/calendar"
		if r := tm.eve.Do("POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/import", good); r.Status != 404 {
			t.Errorf("eve imports into the channel: %d", r.Status)
		}
	})
}

// Creation, change and cancellation are on the record, in the same
// transaction, and reach the channel's members live as typed events.
func TestChangesAreRecordedAndLive(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ws, err := rtclient.Dial(ctx, tm.member.Base(), tm.member.Header(), rtclient.Fresh)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		var ev calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Live", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00"}).JSON(t, &ev)
		tm.lead.Must(200, "PATCH", "/api/v1/calendar/events/"+ev.ID, map[string]any{"title": "Live 2"})
		tm.lead.Must(204, "DELETE", "/api/v1/calendar/events/"+ev.ID, nil)
		for _, want := range []struct{ typ, title string }{{"calendar.event.created", "Live"}, {"calendar.event.updated", "Live 2"}, {"calendar.event.cancelled", "Live 2"}} {
			f, err := ws.NextOf(ctx, want.typ)
			if err != nil {
				t.Fatalf("waiting for %s: %v", want.typ, err)
			}
			var p calendar.EventChanged
			if err := json.Unmarshal(f.Payload, &p); err != nil || p.Event.ID != ev.ID || p.Event.Title != want.title {
				t.Errorf("%s: %s", want.typ, f.Payload)
			}
		}
		es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: ev.ID})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range es {
			kinds = append(kinds, e.Kind)
			if e.ChannelID != tm.channel.ID || e.ActorID != tm.lead.ID {
				t.Errorf("entry %+v", e)
			}
		}
		want := []string{string(record.CalendarEventCreated), string(record.CalendarEventChanged), string(record.CalendarEventCancelled)}
		if strings.Join(kinds, " ") != strings.Join(want, " ") {
			t.Errorf("journal: %v, want %v", kinds, want)
		}
		// A refused change records nothing.
		tm.member.Do("PATCH", "/api/v1/calendar/events/"+ev.ID, map[string]any{"title": "nope"})
		if es2, _ := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: ev.ID}); len(es2) != len(es) {
			t.Errorf("a refused change is on the record: %d entries", len(es2))
		}
	})
}

// Hiding a channel's calendar takes its events out of the person's view
// (and only theirs); showing it brings them back.
func TestHideChannelCalendar(t *testing.T) {
	s := apptest.New(t, "")
	tm := newTeam(t, s)
	tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
		"title": "Teamtermin", "time_zone": "UTC", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00"})
	q := "/api/v1/calendar/occurrences" + window("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", "")
	tm.member.Must(204, "PUT", "/api/v1/calendar/calendars/"+tm.calendarID+"/hidden", map[string]any{"hidden": true})
	if o := occurrences(t, tm.member, q); len(o.Items) != 0 {
		t.Errorf("hidden, still shown: %+v", o.Items)
	}
	if o := occurrences(t, tm.lead, q); len(o.Items) != 1 {
		t.Errorf("the lead's view changed: %+v", o.Items)
	}
	var cals struct{ Items []calendar.Calendar }
	tm.member.Must(200, "GET", "/api/v1/calendar/calendars", nil).JSON(t, &cals)
	if len(cals.Items) != 2 || !cals.Items[1].Hidden || cals.Items[1].Name != "team" {
		t.Errorf("calendars: %+v", cals.Items)
	}
	tm.member.Must(204, "PUT", "/api/v1/calendar/calendars/"+tm.calendarID+"/hidden", map[string]any{"hidden": false})
	if o := occurrences(t, tm.member, q); len(o.Items) != 1 {
		t.Errorf("shown again: %+v", o.Items)
	}
	tm.eve.Must(404, "PUT", "/api/v1/calendar/calendars/"+tm.calendarID+"/hidden", map[string]any{"hidden": true})
}

// Free/busy: when people are busy (no titles), with their working hours.
func TestFreeBusy(t *testing.T) {
	s := apptest.New(t, "")
	tm := newTeam(t, s)
	tm.member.Must(201, "POST", "/api/v1/calendar/calendars/u_"+tm.member.ID+"/events", map[string]any{
		"title": "Arzttermin", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00"})
	tm.member.Must(200, "PUT", "/api/v1/calendar/working-hours", map[string]any{"time_zone": "Europe/Berlin",
		"days": []map[string]any{{"weekday": 1, "start": "08:00", "end": "16:00"}}})
	r := tm.eve.Must(200, "POST", "/api/v1/calendar/free-busy", map[string]any{"user_ids": []string{tm.member.ID, tm.lead.ID},
		"from": "2026-06-01T00:00:00Z", "to": "2026-06-02T00:00:00Z"})
	if strings.Contains(string(r.Body), "Arzttermin") {
		t.Errorf("free/busy shows what: %s", r.Body)
	}
	var fb struct{ Items []calendar.BusyPerson }
	r.JSON(t, &fb)
	if len(fb.Items) != 2 || len(fb.Items[0].Busy) != 1 || fb.Items[0].Busy[0].StartAt.Format(time.RFC3339) != "2026-06-01T07:00:00Z" ||
		fb.Items[0].WorkingHours == nil || fb.Items[0].WorkingHours.Days[0].Start != "08:00" || len(fb.Items[1].Busy) != 0 {
		t.Errorf("free/busy: %+v", fb.Items)
	}
	if r := tm.eve.Do("PUT", "/api/v1/calendar/working-hours", map[string]any{"time_zone": "Europe/Berlin",
		"days": []map[string]any{{"weekday": 1, "start": "16:00", "end": "08:00"}}}); r.Status != 422 {
		t.Errorf("backwards working hours: %d", r.Status)
	}
}
