package calendar_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
)

// benchStack runs on SQLite, or on PostgreSQL when KONTOR_BENCH_DB=postgres.
func benchStack(b *testing.B) *apptest.Stack {
	if os.Getenv("KONTOR_BENCH_DB") == "postgres" {
		return apptest.New(b, dbtest.PostgresURL(b))
	}
	return apptest.New(b, "")
}

// The week view of a person in 50 channels whose calendars hold 10,000
// events in a year: 9,500 single events and 500 weekly series.
//
//	go test -run '^$' -bench BenchmarkWeekView -benchtime 200x ./modules/calendar/
func BenchmarkWeekView(b *testing.B) {
	s := benchStack(b)
	lead := s.Person("lead")
	ctx := authn.WithPrincipal(context.Background(), &authn.Principal{UserID: lead.ID, Username: "lead"})
	var chans []string
	for i := range 50 {
		var c chat.Channel
		lead.Must(201, "POST", "/api/v1/channels", map[string]any{"name": fmt.Sprintf("team-%02d", i), "private": true}).JSON(b, &c)
		chans = append(chans, c.ID)
	}
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for i := range 10000 {
		at := start.Add(time.Duration(i%9500) * 53 * time.Minute) // spread over the year
		in := calendar.NewEvent{Title: fmt.Sprintf("Termin %d", i), TimeZone: "Europe/Berlin",
			Start: at.Format(time.RFC3339), End: at.Add(45 * time.Minute).Format(time.RFC3339)}
		if i >= 9500 {
			in.RRule = "FREQ=WEEKLY"
		}
		if _, err := s.App.Calendar.CreateEvent(ctx, "c_"+chans[i%50], in); err != nil {
			b.Fatal(err)
		}
	}
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	o, err := s.App.Calendar.MyOccurrences(ctx, from, to, "Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("a week holds %d occurrences", len(o.Items))
	b.Run("service", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.App.Calendar.MyOccurrences(ctx, from, to, "Europe/Berlin"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("http", func(b *testing.B) {
		path := "/api/v1/calendar/occurrences" + window(from.Format(time.RFC3339), to.Format(time.RFC3339), "Europe/Berlin")
		for b.Loop() {
			lead.Must(200, "GET", path, nil)
		}
	})
}

// A CalDAV calendar-query REPORT over a calendar of 1,000 events (900
// single, 100 weekly), with the calendar data of every one.
//
//	go test -run '^$' -bench BenchmarkCalDAVReport -benchtime 20x ./modules/calendar/
func BenchmarkCalDAVReport(b *testing.B) {
	s := benchStack(b)
	lead := s.Person("lead")
	ctx := authn.WithPrincipal(context.Background(), &authn.Principal{UserID: lead.ID, Username: "lead"})
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for i := range 1000 {
		at := start.Add(time.Duration(i) * 7 * time.Hour)
		in := calendar.NewEvent{Title: fmt.Sprintf("Termin %d", i), TimeZone: "Europe/Berlin",
			Start: at.Format(time.RFC3339), End: at.Add(time.Hour).Format(time.RFC3339)}
		if i%10 == 0 {
			in.RRule = "FREQ=WEEKLY"
		}
		if _, err := s.App.Calendar.CreateEvent(ctx, "u_"+lead.ID, in); err != nil {
			b.Fatal(err)
		}
	}
	var tok struct {
		Token string `json:"token"`
	}
	lead.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "bench"}).JSON(b, &tok)
	report := `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>` +
		`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>`
	url := s.URL + "/dav/" + lead.ID + "/calendars/u_" + lead.ID + "/"
	for b.Loop() {
		req, _ := http.NewRequest("REPORT", url, strings.NewReader(report))
		req.SetBasicAuth("lead", tok.Token)
		req.Header.Set("Content-Type", "application/xml")
		req.Header.Set("Depth", "1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 207 || strings.Count(string(body), "BEGIN:VEVENT") != 1000 {
			b.Fatalf("%d, %d events", resp.StatusCode, strings.Count(string(body), "BEGIN:VEVENT"))
		}
	}
}
