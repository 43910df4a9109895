package calendar_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

func remindersFor(t *testing.T, s *apptest.Stack, userID string) []calendar.ReminderDue {
	t.Helper()
	evs, err := s.App.Events.Since(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []calendar.ReminderDue
	for _, e := range evs {
		if e.Type == "calendar.reminder.due" && e.UserID == userID {
			var r calendar.ReminderDue
			if err := json.Unmarshal(e.Payload, &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
	}
	return out
}

// A reminder 10 minutes before each occurrence of a weekly meeting is
// delivered once per occurrence, although eight "nodes" run the job at
// the same moment; someone who declined gets none.
func TestRemindersAreDeliveredExactlyOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		start := s.Clock.Now().UTC().Add(30 * time.Minute).Truncate(time.Minute)
		var ev calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Weekly", "time_zone": "UTC", "start": start.Format(time.RFC3339), "end": start.Add(time.Hour).Format(time.RFC3339),
			"rrule": "FREQ=WEEKLY", "call_link": "/channels/" + tm.channel.ID}).JSON(t, &ev)
		for _, p := range []*apptest.Person{tm.lead, tm.member} {
			var r calendar.Reminders
			p.Must(200, "PUT", "/api/v1/calendar/events/"+ev.ID+"/reminders", map[string]any{"minutes": []int{10, 10, 1440}}).JSON(t, &r)
			if len(r.Minutes) != 2 {
				t.Fatalf("reminders: %+v", r)
			}
		}
		tm.member.Must(200, "PUT", "/api/v1/calendar/events/"+ev.ID+"/rsvp", map[string]any{"rsvp": "declined"})
		tm.eve.Must(404, "PUT", "/api/v1/calendar/events/"+ev.ID+"/reminders", map[string]any{"minutes": []int{10}})
		if r := tm.lead.Do("PUT", "/api/v1/calendar/events/"+ev.ID+"/reminders", map[string]any{"minutes": []int{-5}}); r.Status != 422 {
			t.Errorf("a reminder after the start: %d", r.Status)
		}

		runNodes := func() {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					if _, err := s.App.Calendar.SendDueReminders(context.Background()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		// Nothing is due yet.
		runNodes()
		if got := remindersFor(t, s, tm.lead.ID); len(got) != 0 {
			t.Fatalf("early: %+v", got)
		}
		// 10 minutes before the first occurrence.
		s.Clock.Advance(start.Add(-10 * time.Minute).Sub(s.Clock.Now()))
		runNodes()
		runNodes()
		got := remindersFor(t, s, tm.lead.ID)
		if len(got) != 1 || !got[0].StartAt.Equal(start) || got[0].Minutes != 10 || got[0].Title != "Weekly" || got[0].CallLink == "" {
			t.Fatalf("first occurrence: %+v", got)
		}
		if got := remindersFor(t, s, tm.member.ID); len(got) != 0 {
			t.Errorf("the member declined but was reminded: %+v", got)
		}
		// A day before the second occurrence, then 10 minutes before it.
		second := start.AddDate(0, 0, 7)
		s.Clock.Advance(second.Add(-24 * time.Hour).Sub(s.Clock.Now()))
		runNodes()
		s.Clock.Advance(second.Add(-10 * time.Minute).Sub(s.Clock.Now()))
		runNodes()
		got = remindersFor(t, s, tm.lead.ID)
		if len(got) != 3 || got[1].Minutes != 1440 || !got[1].StartAt.Equal(second) || got[2].Minutes != 10 || !got[2].StartAt.Equal(second) {
			t.Errorf("second occurrence: %+v", got)
		}
		// A cancelled series reminds nobody. (The lead's session has
		// expired on the manual clock; the service acts for them.)
		if err := s.App.Calendar.CancelEvent(authn.WithPrincipal(context.Background(), &authn.Principal{UserID: tm.lead.ID, Username: "lead"}), ev.ID); err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(7 * 24 * time.Hour)
		runNodes()
		if n := len(remindersFor(t, s, tm.lead.ID)); n != 3 {
			t.Errorf("after cancelling: %d reminders", n)
		}
	})
}
