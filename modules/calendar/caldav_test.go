package calendar_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calendar"
)

// Debian's python3 with python3-caldav (not the python3 on PATH, which may
// be another installation).
const debianPython = "/usr/bin/python3"

// davClient is a real CalDAV client, python3-caldav, driven step by step:
// each step prints one JSON object.
const davClient = `
import json, sys, datetime
import caldav

url, user, password, step = sys.argv[1:5]
arg = sys.argv[5] if len(sys.argv) > 5 else ""
client = caldav.DAVClient(url=url, username=user, password=password)
principal = client.principal()
cals = principal.calendars()
out = {"calendars": sorted(str(c.url) for c in cals)}

def cal_by_id(cid):
    for c in cals:
        if str(c.url).rstrip("/").endswith("/" + cid):
            return c
    raise SystemExit("no calendar " + cid + " in " + json.dumps(out["calendars"]))

def summary(ev):
    comps = [c for c in ev.icalendar_instance.walk() if c.name == "VEVENT"]
    return [{"uid": str(c.get("UID")), "summary": str(c.get("SUMMARY")), "rrule": c.get("RRULE").to_ical().decode() if c.get("RRULE") else "",
             "recurrence_id": c.get("RECURRENCE-ID").to_ical().decode() if c.get("RECURRENCE-ID") else "",
             "dtstart": c.get("DTSTART").to_ical().decode(), "tzid": str(c.get("DTSTART").params.get("TZID", ""))} for c in comps]

if step == "discover":
    out["names"] = sorted(str(c.name) for c in cals)
elif step == "sync":
    c = cal_by_id(arg)
    out["events"] = sorted((summary(e) for e in c.events()), key=lambda s: s[0]["uid"])
elif step == "window":
    c = cal_by_id(arg)
    found = c.search(start=datetime.datetime(2026, 6, 8, tzinfo=datetime.timezone.utc), end=datetime.datetime(2026, 6, 9, tzinfo=datetime.timezone.utc), event=True, expand=False)
    out["events"] = sorted(summary(e)[0]["uid"] for e in found)
elif step == "create":
    c = cal_by_id(arg)
    c.save_event("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//python-caldav//EN
BEGIN:VEVENT
UID:py-series-1
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Berlin:20260601T140000
DTEND;TZID=Europe/Berlin:20260601T150000
RRULE:FREQ=DAILY;COUNT=3
SUMMARY:Aus Python
END:VEVENT
BEGIN:VEVENT
UID:py-series-1
DTSTAMP:20260101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260602T140000
DTSTART;TZID=Europe/Berlin:20260602T160000
DTEND;TZID=Europe/Berlin:20260602T170000
SUMMARY:Aus Python (verschoben)
END:VEVENT
END:VCALENDAR
""")
elif step == "change":
    c = cal_by_id(arg)
    ev = c.event_by_uid("py-series-1")
    for comp in ev.icalendar_instance.walk():
        if comp.name == "VEVENT" and not comp.get("RECURRENCE-ID"):
            comp["SUMMARY"] = "Aus Python, geändert"
    ev.save()
elif step == "delete":
    c = cal_by_id(arg)
    c.event_by_uid("py-series-1").delete()
elif step == "forbidden":
    c = cal_by_id(arg)
    try:
        c.save_event("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:evil\nDTSTAMP:20260101T000000Z\nDTSTART:20260601T100000Z\nDTEND:20260601T110000Z\nSUMMARY:evil\nEND:VEVENT\nEND:VCALENDAR\n")
        out["saved"] = True
    except Exception as e:
        out["error"] = type(e).__name__
print(json.dumps(out))
`

func runDAV(t *testing.T, script, url, user, token, step, arg string) map[string]any {
	t.Helper()
	if _, err := os.Stat(debianPython); err != nil {
		t.Fatalf("%s is missing: install Debian's python3-caldav (apt-get install -y python3-caldav; make deps does)", debianPython)
	}
	cmd := exec.Command(debianPython, script, url, user, token, step, arg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("caldav client %s: %v\n%s\n%s", step, err, b, stderr.String())
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("caldav client %s: %v: %s", step, err, b)
	}
	return out
}

func token(t *testing.T, p *apptest.Person, scopes ...string) string {
	t.Helper()
	body := map[string]any{"name": "caldav"}
	if len(scopes) > 0 {
		body["scopes"] = scopes
	}
	var tok struct {
		Token string `json:"token"`
	}
	p.Must(201, "POST", "/api/v1/auth/tokens", body).JSON(t, &tok)
	return tok.Token
}

// A real CalDAV client (python3-caldav from Debian) discovers the
// calendars, syncs a recurring event made in Kontor, creates a recurring
// event with a moved occurrence, changes and deletes it, and sees
// Kontor's changes; Kontor sees the client's. An outsider's client sees
// none of the channel, and a read-only token cannot write.
func TestCalDAVWithARealClient(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		script := filepath.Join(t.TempDir(), "client.py")
		if err := os.WriteFile(script, []byte(davClient), 0o600); err != nil {
			t.Fatal(err)
		}
		var weekly calendar.CalendarEvent
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Weekly", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00",
			"rrule": "FREQ=WEEKLY;BYDAY=MO", "call_link": "/channels/" + tm.channel.ID}).JSON(t, &weekly)
		url := s.URL + "/dav/"
		lead := token(t, tm.lead)

		// Discover: the own calendar and the channel's.
		d := runDAV(t, script, url, "lead", lead, "discover", "")
		cals := d["calendars"].([]any)
		if len(cals) != 2 || !strings.Contains(strings.Join(toStrings(cals), " "), tm.calendarID) {
			t.Fatalf("discovered %v", cals)
		}
		// Sync: the weekly event with its rule and zone.
		sync := runDAV(t, script, url, "lead", lead, "sync", tm.calendarID)
		evs := sync["events"].([]any)
		if len(evs) != 1 {
			t.Fatalf("synced %v", evs)
		}
		first := evs[0].([]any)[0].(map[string]any)
		if first["uid"] != weekly.UID || first["rrule"] != "FREQ=WEEKLY;BYDAY=MO" || first["tzid"] != "Europe/Berlin" || first["dtstart"] != "20260601T090000" {
			t.Errorf("synced %v", first)
		}
		// A time-range query finds the weekly event on its second Monday.
		if w := runDAV(t, script, url, "lead", lead, "window", tm.calendarID); len(w["events"].([]any)) != 1 {
			t.Errorf("window: %v", w)
		}

		// Create from the client: a daily series with a moved occurrence.
		runDAV(t, script, url, "lead", lead, "create", tm.calendarID)
		o := occurrences(t, tm.member, "/api/v1/calendar/calendars/"+tm.calendarID+"/occurrences"+window("2026-06-01T00:00:00Z", "2026-06-04T00:00:00Z", "Europe/Berlin"))
		var got []string
		for _, it := range o.Items {
			got = append(got, it.Start[5:16]+" "+it.Title)
		}
		want := "06-01T09:00 Weekly|06-01T14:00 Aus Python|06-02T16:00 Aus Python (verschoben)|06-03T14:00 Aus Python"
		if strings.Join(got, "|") != want {
			t.Errorf("after the client created:\n got %s\nwant %s", strings.Join(got, "|"), want)
		}
		// Change from the client.
		runDAV(t, script, url, "lead", lead, "change", tm.calendarID)
		o = occurrences(t, tm.member, "/api/v1/calendar/calendars/"+tm.calendarID+"/occurrences"+window("2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", "Europe/Berlin"))
		if len(o.Items) != 1 || o.Items[0].Title != "Aus Python, geändert" {
			t.Errorf("after the client changed: %+v", o.Items)
		}
		// Change in Kontor: the client sees it.
		tm.lead.Must(200, "PATCH", "/api/v1/calendar/events/"+weekly.ID, map[string]any{"title": "Weekly (neu)"})
		tm.lead.Must(204, "DELETE", "/api/v1/calendar/events/"+weekly.ID+"/occurrences/2026-06-08T07:00:00Z", nil)
		sync = runDAV(t, script, url, "lead", lead, "sync", tm.calendarID)
		text, _ := json.Marshal(sync)
		if !strings.Contains(string(text), "Weekly (neu)") || !strings.Contains(string(text), "Aus Python (verschoben)") {
			t.Errorf("the client does not see Kontor's change: %s", text)
		}
		// Delete from the client.
		runDAV(t, script, url, "lead", lead, "delete", tm.calendarID)
		o = occurrences(t, tm.member, "/api/v1/calendar/calendars/"+tm.calendarID+"/occurrences"+window("2026-06-01T00:00:00Z", "2026-06-04T00:00:00Z", "Europe/Berlin"))
		if len(o.Items) != 1 || o.Items[0].EventID != weekly.ID {
			t.Errorf("after the client deleted: %+v", o.Items)
		}
		// Delete in Kontor: gone for the client.
		tm.lead.Must(204, "DELETE", "/api/v1/calendar/events/"+weekly.ID, nil)
		if sync = runDAV(t, script, url, "lead", lead, "sync", tm.calendarID); len(sync["events"].([]any)) != 0 {
			t.Errorf("after Kontor deleted: %v", sync)
		}

		// The outsider's client: only their own calendar.
		eve := token(t, tm.eve)
		d = runDAV(t, script, url, "eve", eve, "discover", "")
		if cals := toStrings(d["calendars"].([]any)); len(cals) != 1 || strings.Contains(cals[0], tm.calendarID) {
			t.Errorf("eve discovers %v", cals)
		}
		// A member with a read-only token reads, but cannot write.
		ro := token(t, tm.member, "read")
		if w := runDAV(t, script, url, "member", ro, "forbidden", tm.calendarID); w["error"] == nil {
			t.Errorf("a read-only token saved an event: %v", w)
		}
	})
}

func toStrings(xs []any) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i], _ = x.(string)
	}
	return out
}

// CalDAV refuses without the right credentials, names nothing of the
// channel to an outsider, and never lets one user's path serve another.
func TestCalDAVKeepsOutsidersOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		tm := newTeam(t, s)
		tm.lead.Must(201, "POST", "/api/v1/calendar/calendars/"+tm.calendarID+"/events", map[string]any{
			"title": "Geheimtermin", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00"})
		lead, eve := token(t, tm.lead), token(t, tm.eve)
		do := func(method, path, user, pass, body string) (int, string) {
			req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
			if user != "" {
				req.SetBasicAuth(user, pass)
			}
			req.Header.Set("Depth", "1")
			if body != "" {
				req.Header.Set("Content-Type", "application/xml")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			return resp.StatusCode, b.String()
		}
		leadHome := "/dav/" + tm.lead.ID + "/calendars/"
		chanCal := "/dav/" + tm.eve.ID + "/calendars/" + tm.calendarID + "/"
		for _, tc := range []struct {
			name, method, path, user, pass string
			want                           int
		}{
			{"no credentials", "PROPFIND", "/dav/", "", "", 401},
			{"wrong token", "PROPFIND", "/dav/", "lead", "kat_not-a-token", 401},
			{"account password", "PROPFIND", "/dav/", "lead", "password-of-lead", 401},
			{"someone else's token", "PROPFIND", "/dav/", "lead", eve, 401},
			{"another person's home", "PROPFIND", leadHome, "eve", eve, 404},
			{"a channel calendar eve is not in", "PROPFIND", chanCal, "eve", eve, 404},
			{"an object in it", "GET", chanCal + "x.ics", "eve", eve, 404},
			{"put into it", "PUT", chanCal + "x.ics", "eve", eve, 404},
			{"delete in it", "DELETE", chanCal + "x.ics", "eve", eve, 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := ""
				if tc.method == "PUT" {
					body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260601T100000Z\r\nDTEND:20260601T110000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
				}
				req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(body))
				if tc.user != "" {
					req.SetBasicAuth(tc.user, tc.pass)
				}
				if tc.method == "PUT" {
					req.Header.Set("Content-Type", "text/calendar")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				_, _ = b.ReadFrom(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.want || strings.Contains(b.String(), "Geheimtermin") {
					t.Errorf("%d, want %d: %.300s", resp.StatusCode, tc.want, b.String())
				}
			})
		}
		// The lead's own listing works (the control).
		st, body := do("PROPFIND", "/dav/"+tm.lead.ID+"/calendars/"+tm.calendarID+"/", "lead", lead, "")
		if st != 207 || !strings.Contains(body, ".ics") {
			t.Errorf("lead's PROPFIND: %d %.500s", st, body)
		}
		// A broken object is refused and changes nothing.
		req, _ := http.NewRequest("PUT", s.URL+"/dav/"+tm.lead.ID+"/calendars/"+tm.calendarID+"/bad.ics",
			strings.NewReader("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:bad\r\nSUMMARY:a long line that was\r\nfolded without the space\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
		req.SetBasicAuth("lead", lead)
		req.Header.Set("Content-Type", "text/calendar")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("broken folding over CalDAV: %d", resp.StatusCode)
		}
	})
}
