package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calendar"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// What each operation of the API guards, so the sweep below knows what to
// try. A new operation fails the sweep until it is placed here: nobody
// adds a path to someone else's data without saying who may use it.
const (
	open     = "open"       // needs no sign-in
	own      = "own"        // acts on the caller's own things only; no foreign id in it
	admin    = "admin"      // admins only
	inChan   = "channel"    // a channel, DM or message by id: members only
	aFile    = "file"       // a file by id: its owner and members of where it is shared
	theirs   = "theirs"     // another person's session or token by id
	directed = "directed"   // names a colleague, shows only what the directory shows
	officer  = "officer"    // admins and compliance officers (the compliance desk)
	compOnly = "compliance" // compliance officers only (legal holds)
	discover = "ediscovery" // compliance officers only, who read the whole record there (audited)
	inCal    = "calendar"   // a calendar by id: its owner, or the channel's members
	anEvent  = "event"      // a calendar event by id: who reads its calendar and who is invited
)

var operations = map[string]string{
	"POST /api/v1/auth/login":    open,
	"POST /api/v1/auth/logout":   own,
	"POST /api/v1/auth/password": own,
	"GET /api/v1/auth/session":   own,
	"GET /api/v1/auth/sessions":  own,
	"GET /api/v1/auth/tokens":    own,
	"POST /api/v1/auth/tokens":   own,

	"DELETE /api/v1/auth/sessions/{id}": theirs,
	"DELETE /api/v1/auth/tokens/{id}":   theirs,

	"GET /api/v1/users":                 own,
	"GET /api/v1/users/me":              own,
	"PATCH /api/v1/users/me":            own,
	"PUT /api/v1/users/me/avatar":       own,
	"DELETE /api/v1/users/me/avatar":    own,
	"GET /api/v1/users/{user}":          directed,
	"GET /api/v1/users/{id}/avatar":     directed,
	"GET /api/v1/presence":              own,
	"GET /api/v1/chat/my-settings":      own,
	"PATCH /api/v1/chat/my-settings":    own,
	"GET /api/v1/chat/settings":         own,
	"GET /api/v1/channels":              own,
	"POST /api/v1/channels":             own,
	"GET /api/v1/channels/browse":       own,
	"POST /api/v1/channels/direct":      own,
	"GET /api/v1/files":                 own,
	"POST /api/v1/files":                own,
	"GET /api/v1/files/usage":           own,
	"GET /api/v1/search":                own,
	"PATCH /api/v1/chat/settings":       admin,
	"GET /api/v1/search/index":          admin,
	"POST /api/v1/search/index/rebuild": admin,

	"GET /api/v1/admin/audit-log":                     admin,
	"GET /api/v1/admin/files/usage":                   admin,
	"GET /api/v1/admin/files/usage/{user}":            admin,
	"PUT /api/v1/admin/files/usage/{user}/quota":      admin,
	"GET /api/v1/admin/ldap":                          admin,
	"POST /api/v1/admin/ldap/sync":                    admin,
	"GET /api/v1/admin/users":                         admin,
	"POST /api/v1/admin/users":                        admin,
	"GET /api/v1/admin/users/{user}":                  admin,
	"PATCH /api/v1/admin/users/{user}":                admin,
	"POST /api/v1/admin/users/{user}/password":        admin,
	"POST /api/v1/admin/users/{user}/revoke-sessions": admin,

	"GET /api/v1/compliance/audit-trail":             officer,
	"GET /api/v1/compliance/audit-trail/export":      officer,
	"POST /api/v1/compliance/messages/{id}/moderate": officer,
	"POST /api/v1/compliance/files/{id}/moderate":    officer,
	"GET /api/v1/compliance/holds":                   compOnly,
	"POST /api/v1/compliance/holds":                  compOnly,
	"GET /api/v1/compliance/holds/{id}":              compOnly,
	"POST /api/v1/compliance/holds/{id}/release":     compOnly,
	"GET /api/v1/compliance/users/{id}/erasure":      compOnly,
	"POST /api/v1/compliance/users/{id}/erasure":     compOnly,
	"GET /api/v1/compliance/journal":                 compOnly,

	"POST /api/v1/compliance/ediscovery/search":                    discover,
	"GET /api/v1/compliance/ediscovery/channels/{id}/conversation": discover,
	"GET /api/v1/compliance/ediscovery/files/{id}/content":         discover,
	"POST /api/v1/compliance/ediscovery/saved-searches":            discover,
	"GET /api/v1/compliance/ediscovery/saved-searches":             discover,
	"GET /api/v1/compliance/ediscovery/saved-searches/{id}":        discover,
	"DELETE /api/v1/compliance/ediscovery/saved-searches/{id}":     discover,
	"GET /api/v1/compliance/retention/policies":                    compOnly,
	"PUT /api/v1/compliance/retention/policies":                    compOnly,
	"DELETE /api/v1/compliance/retention/policies/{id}":            compOnly,
	"GET /api/v1/compliance/retention/dry-run":                     compOnly,
	"POST /api/v1/compliance/retention/run":                        compOnly,
	"GET /api/v1/compliance/retention/runs":                        compOnly,
	"GET /api/v1/compliance/retention/limits":                      officer,
	"PUT /api/v1/compliance/retention/limits":                      admin,

	"GET /api/v1/channels/{id}":                           inChan,
	"PATCH /api/v1/channels/{id}":                         inChan,
	"POST /api/v1/channels/{id}/archive":                  inChan,
	"POST /api/v1/channels/{id}/unarchive":                inChan,
	"GET /api/v1/channels/{id}/files":                     inChan,
	"POST /api/v1/channels/{id}/join":                     inChan,
	"POST /api/v1/channels/{id}/leave":                    inChan,
	"GET /api/v1/channels/{id}/members":                   inChan,
	"POST /api/v1/channels/{id}/members":                  inChan,
	"DELETE /api/v1/channels/{id}/members/{user}":         inChan,
	"PATCH /api/v1/channels/{id}/members/{user}":          inChan,
	"GET /api/v1/channels/{id}/messages":                  inChan,
	"POST /api/v1/channels/{id}/messages":                 inChan,
	"GET /api/v1/channels/{id}/messages/{mid}":            inChan,
	"PATCH /api/v1/channels/{id}/messages/{mid}":          inChan,
	"DELETE /api/v1/channels/{id}/messages/{mid}":         inChan,
	"GET /api/v1/channels/{id}/messages/{mid}/follow":     inChan,
	"POST /api/v1/channels/{id}/messages/{mid}/follow":    inChan,
	"DELETE /api/v1/channels/{id}/messages/{mid}/follow":  inChan,
	"POST /api/v1/channels/{id}/messages/{mid}/pin":       inChan,
	"DELETE /api/v1/channels/{id}/messages/{mid}/pin":     inChan,
	"POST /api/v1/channels/{id}/messages/{mid}/reactions": inChan,
	"GET /api/v1/channels/{id}/messages/{mid}/readers":    inChan,
	"GET /api/v1/channels/{id}/messages/{mid}/thread":     inChan,
	"GET /api/v1/channels/{id}/messages/{mid}/versions":   inChan,
	"PUT /api/v1/channels/{id}/notify":                    inChan,
	"POST /api/v1/channels/{id}/calls":                    inChan,
	"GET /api/v1/channels/{id}/calls":                     inChan,
	"DELETE /api/v1/channels/{id}/calls/{cid}":            inChan,
	"GET /api/v1/channels/{id}/pins":                      inChan,
	"POST /api/v1/channels/{id}/read":                     inChan,
	"POST /api/v1/channels/{id}/unread":                   inChan,

	"GET /api/v1/calendar/calendars":                  own,
	"GET /api/v1/calendar/occurrences":                own,
	"GET /api/v1/calendar/working-hours":              own,
	"PUT /api/v1/calendar/working-hours":              own,
	"GET /api/v1/calendar/feeds":                      own,
	"POST /api/v1/calendar/feeds":                     own,
	"POST /api/v1/calendar/free-busy":                 directed,
	"GET /api/v1/calendar/feed/{token}":               open,
	"DELETE /api/v1/calendar/feeds/{id}":              theirs,
	"PUT /api/v1/calendar/calendars/{id}/color":       inCal,
	"PUT /api/v1/calendar/calendars/{id}/hidden":      inCal,
	"POST /api/v1/calendar/calendars/{id}/events":     inCal,
	"GET /api/v1/calendar/calendars/{id}/occurrences": inCal,
	"POST /api/v1/calendar/calendars/{id}/import":     inCal,

	"GET /api/v1/calendar/events/{id}":                         anEvent,
	"PATCH /api/v1/calendar/events/{id}":                       anEvent,
	"DELETE /api/v1/calendar/events/{id}":                      anEvent,
	"GET /api/v1/calendar/events/{id}/ics":                     anEvent,
	"PUT /api/v1/calendar/events/{id}/rsvp":                    anEvent,
	"PUT /api/v1/calendar/events/{id}/reminders":               anEvent,
	"PATCH /api/v1/calendar/events/{id}/occurrences/{at}":      anEvent,
	"DELETE /api/v1/calendar/events/{id}/occurrences/{at}":     anEvent,
	"POST /api/v1/calendar/events/{id}/occurrences/{at}/split": anEvent,

	"GET /api/v1/files/{id}":           aFile,
	"DELETE /api/v1/files/{id}":        aFile,
	"GET /api/v1/files/{id}/content":   aFile,
	"GET /api/v1/files/{id}/preview":   aFile,
	"GET /api/v1/files/{id}/thumbnail": aFile,
}

// A valid body for each operation that takes one, so that a refusal comes
// from the permission check and not from validation.
func bodyFor(method, path string, bobID string) any {
	switch method + " " + path {
	case "PATCH /api/v1/channels/{id}":
		return map[string]any{"topic": "übernommen", "name": "gekapert"}
	case "POST /api/v1/channels/{id}/members":
		return map[string]any{"user_ids": []string{bobID}}
	case "PATCH /api/v1/channels/{id}/members/{user}":
		return map[string]any{"role": "admin"}
	case "POST /api/v1/channels/{id}/messages":
		return map[string]any{"text": "eingeschleust"}
	case "PATCH /api/v1/channels/{id}/messages/{mid}":
		return map[string]any{"text": "gefälscht"}
	case "POST /api/v1/channels/{id}/messages/{mid}/reactions":
		return map[string]any{"emoji": "👍"}
	case "PUT /api/v1/channels/{id}/notify":
		return map[string]any{"notify": "all"}
	case "POST /api/v1/channels/{id}/read", "POST /api/v1/channels/{id}/unread":
		return map[string]any{"seq": 1}
	case "PUT /api/v1/admin/files/usage/{user}/quota":
		return map[string]any{"quota": 1}
	case "POST /api/v1/admin/users":
		return map[string]any{"username": "eingeschleust", "password": "a-long-password-1"}
	case "PATCH /api/v1/admin/users/{user}":
		return map[string]any{"roles": []string{"admin"}}
	case "POST /api/v1/admin/users/{user}/password":
		return map[string]any{"password": "a-long-password-2"}
	case "PATCH /api/v1/chat/settings":
		return map[string]any{"self_destruct_enabled": false}
	case "POST /api/v1/channels":
		return map[string]any{"name": "neuer-kanal", "topic": "Thema", "display_name": "Neuer Kanal", "purpose": "Zweck"}
	case "POST /api/v1/channels/direct":
		return map[string]any{"user_ids": []string{bobID}}
	case "PATCH /api/v1/users/me":
		return map[string]any{"display_name": "Anna", "department": "Einkauf", "title": "Leiterin", "phone": "+49 30 1234", "time_zone": "Europe/Berlin"}
	case "POST /api/v1/auth/tokens":
		return map[string]any{"name": "werkzeug"}
	case "POST /api/v1/auth/password":
		return map[string]any{"current_password": "wrong-password-1", "new_password": "a-long-password-3"}
	case "PATCH /api/v1/chat/my-settings":
		return map[string]any{"read_receipts": "on"}
	case "POST /api/v1/compliance/messages/{id}/moderate", "POST /api/v1/compliance/files/{id}/moderate":
		return map[string]any{"reason": "eingeschleust"}
	case "POST /api/v1/compliance/holds":
		return map[string]any{"matter": "eingeschleust", "custodian_ids": []string{bobID}}
	case "POST /api/v1/compliance/ediscovery/search":
		return map[string]any{"query": "Quartalszahlen"}
	case "POST /api/v1/compliance/ediscovery/saved-searches":
		return map[string]any{"matter": "eingeschleust", "name": "eingeschleust", "query": "Quartalszahlen"}
	case "PUT /api/v1/compliance/retention/policies":
		return map[string]any{"scope": "global", "message_days": 1}
	case "PUT /api/v1/compliance/retention/limits":
		return map[string]any{"min_days": 1}
	case "POST /api/v1/compliance/users/{id}/erasure":
		return map[string]any{"reason": "eingeschleust", "confirm": "Former member 0000"}
	case "PUT /api/v1/calendar/calendars/{id}/color":
		return map[string]any{"color": "#ff0000"}
	case "PUT /api/v1/calendar/calendars/{id}/hidden":
		return map[string]any{"hidden": true}
	case "POST /api/v1/calendar/calendars/{id}/events":
		return map[string]any{"title": "eingeschleust", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00"}
	case "POST /api/v1/calendar/calendars/{id}/import":
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:eingeschleust\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\nSUMMARY:eingeschleust\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	case "PATCH /api/v1/calendar/events/{id}", "PATCH /api/v1/calendar/events/{id}/occurrences/{at}",
		"POST /api/v1/calendar/events/{id}/occurrences/{at}/split":
		return map[string]any{"title": "gefälscht"}
	case "PUT /api/v1/calendar/events/{id}/rsvp":
		return map[string]any{"rsvp": "declined", "comment": "eingeschleust"}
	case "PUT /api/v1/calendar/events/{id}/reminders":
		return map[string]any{"minutes": []int{10}}
	case "PUT /api/v1/calendar/working-hours":
		return map[string]any{"time_zone": "Europe/Berlin", "days": []map[string]any{{"weekday": 1, "start": "09:00", "end": "17:00"}}}
	case "POST /api/v1/calendar/feeds":
		return map[string]any{}
	case "POST /api/v1/calendar/free-busy":
		return map[string]any{"user_ids": []string{bobID}, "from": "2026-06-01T00:00:00Z", "to": "2026-06-08T00:00:00Z"}
	}
	if method == http.MethodGet || method == http.MethodDelete {
		return nil
	}
	return map[string]any{}
}

type page[T any] struct {
	Items []T `json:"items"`
}

// Words only ann and bob may ever see.
var secrets = []string{"Quartalszahlen", "Datei-Geheimnis", "geheim-projekt", "Übernahme", "DM-Geheimnis", "Entwurf-Geheimnis",
	"Kalender-Geheimnis", "Arzt-Geheimnis"}

func leaks(body []byte) string {
	// JSON escapes nothing of these, but a body may be a problem with
	// the text in its detail: search the raw bytes.
	for _, s := range secrets {
		if strings.Contains(string(body), s) {
			return s
		}
	}
	return ""
}

type secretWorld struct {
	ann, bob                 *apptest.Person
	channel, dm              chat.Channel
	root, reply, dmMsg       chat.Message
	shared, draft            files.File
	annSession, annToken     string
	annTokens, channelEvents int
	callID                   string // the call running in the channel
	// A weekly event in the channel's calendar (bob invited), one in ann's
	// own calendar, and ann's feed of her view.
	chanEvent, ownEvent calendar.CalendarEvent
	annFeed             calendar.Feed
	annAPIToken         string // the secret, for CalDAV
}

// occurrenceAt is the second occurrence of chanEvent (UTC).
const occurrenceAt = "2026-06-08T07:00:00Z"

// build makes a private channel and a DM between ann and bob with a
// message, a thread reply, a pin, a reaction and files in them.
func build(t *testing.T, s *apptest.Stack) *secretWorld {
	w := &secretWorld{ann: s.Person("ann"), bob: s.Person("bob")}
	ann, bob := w.ann, w.bob
	ann.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "geheim-projekt", "private": true,
		"topic": "Übernahme der Müller GmbH", "member_ids": []string{bob.ID}}).JSON(t, &w.channel)
	ann.Must(201, "POST", "/api/v1/files?name=plan.txt", []byte("Datei-Geheimnis: Kaufpreis 4242\n")).JSON(t, &w.shared)
	ann.Must(201, "POST", "/api/v1/files?name=entwurf.txt", []byte("Entwurf-Geheimnis, noch nicht geteilt\n")).JSON(t, &w.draft)
	ann.Must(201, "POST", "/api/v1/channels/"+w.channel.ID+"/messages",
		map[string]any{"text": "Die Quartalszahlen sind schlecht", "file_ids": []string{w.shared.ID}}).JSON(t, &w.root)
	bob.Must(201, "POST", "/api/v1/channels/"+w.channel.ID+"/messages",
		map[string]any{"text": "Quartalszahlen: verstanden", "root_id": w.root.ID}).JSON(t, &w.reply)
	ann.Must(200, "POST", "/api/v1/channels/"+w.channel.ID+"/messages/"+w.root.ID+"/pin", nil)
	bob.Must(200, "POST", "/api/v1/channels/"+w.channel.ID+"/messages/"+w.root.ID+"/reactions", map[string]any{"emoji": "👀"})
	bob.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{ann.ID}}).JSON(t, &w.dm)
	bob.Must(201, "POST", "/api/v1/channels/"+w.dm.ID+"/messages", map[string]any{"text": "DM-Geheimnis: ich kündige"}).JSON(t, &w.dmMsg)

	var call map[string]any
	ann.Must(201, "POST", "/api/v1/channels/"+w.channel.ID+"/calls", nil).JSON(t, &call)
	w.callID = call["id"].(string)

	var sessions page[map[string]any]
	ann.Must(200, "GET", "/api/v1/auth/sessions", nil).JSON(t, &sessions)
	w.annSession = sessions.Items[0]["id"].(string)
	var tok map[string]any
	ann.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "skript"}).JSON(t, &tok)
	w.annToken = tok["id"].(string)
	w.annAPIToken = tok["token"].(string)

	ann.Must(201, "POST", "/api/v1/calendar/calendars/c_"+w.channel.ID+"/events", map[string]any{
		"title": "Kalender-Geheimnis: Übernahme", "time_zone": "Europe/Berlin", "start": "2026-06-01T09:00", "end": "2026-06-01T10:00",
		"rrule": "FREQ=WEEKLY", "attendees": []map[string]any{{"user_id": bob.ID}}}).JSON(t, &w.chanEvent)
	ann.Must(201, "POST", "/api/v1/calendar/calendars/u_"+ann.ID+"/events", map[string]any{
		"title": "Arzt-Geheimnis", "time_zone": "Europe/Berlin", "start": "2026-06-02T09:00", "end": "2026-06-02T10:00"}).JSON(t, &w.ownEvent)
	ann.Must(201, "POST", "/api/v1/calendar/feeds", map[string]any{}).JSON(t, &w.annFeed)
	return w
}

// Every operation in the OpenAPI document, tried by someone who must not
// get at ann's and bob's private channel, DM and files: a colleague, an
// admin and a compliance officer who are not members, and nobody signed
// in. None of them reads a word of it or changes anything, by any path.
func TestEveryOperationKeepsOutsidersOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := build(t, s)
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		w.ann.Must(200, "GET", "/api/openapi.json", nil).JSON(t, &doc)
		type operation struct{ method, path, class string }
		var ops []operation
		for p, methods := range doc.Paths {
			for m := range methods {
				key := strings.ToUpper(m) + " " + p
				class, ok := operations[key]
				if !ok {
					t.Errorf("%s is not in the authorization sweep: say who may use it in operations", key)
					continue
				}
				ops = append(ops, operation{strings.ToUpper(m), p, class})
			}
		}
		for key := range operations {
			m, p, _ := strings.Cut(key, " ")
			if _, ok := doc.Paths[p][strings.ToLower(m)]; !ok {
				t.Errorf("%s is listed in the sweep but not in the API", key)
			}
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })

		eve, adm, comp := s.Person("eve"), s.Person("adm", authn.RoleAdmin), s.Person("comp", authn.RoleCompliance)
		anon := apitest.New(t, s.URL)
		// The control: the search the outsiders run below finds the
		// message for a member (once the index has caught up).
		for i := 0; ; i++ {
			r := w.bob.Must(200, "GET", "/api/v1/search?q=Quartalszahlen", nil)
			if strings.Contains(string(r.Body), w.root.ID) {
				break
			}
			if i == 100 {
				t.Fatalf("bob does not find the message: %s", r.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
		type target struct{ id, mid string }
		targets := []target{{w.channel.ID, w.root.ID}, {w.channel.ID, w.reply.ID}, {w.dm.ID, w.dmMsg.ID}}
		fileIDs := []string{w.shared.ID, w.draft.ID}
		expand := func(path string, tg target, fileID string) string {
			r := strings.NewReplacer("{mid}", tg.mid, "{user}", w.bob.ID, "{cid}", w.callID)
			path = r.Replace(path)
			switch {
			case strings.HasPrefix(path, "/api/v1/files/"):
				return strings.Replace(path, "{id}", fileID, 1)
			case strings.HasPrefix(path, "/api/v1/auth/sessions/"):
				return strings.Replace(path, "{id}", w.annSession, 1)
			case strings.HasPrefix(path, "/api/v1/auth/tokens/"):
				return strings.Replace(path, "{id}", w.annToken, 1)
			case strings.HasPrefix(path, "/api/v1/users/"):
				return strings.Replace(path, "{id}", w.ann.ID, 1)
			case strings.HasPrefix(path, "/api/v1/compliance/messages/"):
				return strings.Replace(path, "{id}", tg.mid, 1)
			case strings.HasPrefix(path, "/api/v1/compliance/files/"):
				return strings.Replace(path, "{id}", w.shared.ID, 1)
			case strings.HasPrefix(path, "/api/v1/compliance/users/"):
				return strings.Replace(path, "{id}", w.bob.ID, 1)
			case strings.HasPrefix(path, "/api/v1/calendar/feeds/"):
				return strings.Replace(path, "{id}", w.annFeed.ID, 1)
			case strings.HasPrefix(path, "/api/v1/calendar/feed/"):
				return strings.Replace(path, "{token}", w.annFeed.Token, 1)
			}
			return strings.Replace(path, "{id}", tg.id, 1)
		}
		calIDs := []string{"c_" + w.channel.ID, "u_" + w.ann.ID, "c_" + w.dm.ID}
		eventIDs := []string{w.chanEvent.ID, w.ownEvent.ID}
		try := func(who string, c *apitest.Client, method, path string, body any, ok func(int) bool, want string) {
			t.Helper()
			if path == "/api/v1/search" {
				path += "?q=" + url.QueryEscape("Quartalszahlen")
			}
			r := c.Do(method, path, body)
			if !ok(r.Status) {
				t.Errorf("%s %s %s: %d, want %s: %.300s", who, method, path, r.Status, want, r.Body)
			}
			if s := leaks(r.Body); s != "" {
				t.Errorf("%s %s %s: the answer shows %q: %.300s", who, method, path, s, r.Body)
			}
			if r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s %s %s: %d is not a problem document (%s)", who, method, path, r.Status, r.Header.Get("Content-Type"))
			}
		}
		refused := func(st int) bool { return st == http.StatusForbidden || st == http.StatusNotFound }
		forbidden := func(st int) bool { return st == http.StatusForbidden }
		unauthorized := func(st int) bool { return st == http.StatusUnauthorized }
		answered := func(st int) bool { return st < 500 }

		for _, op := range ops {
			// Nobody signed in gets 401 everywhere but the login.
			if op.class != open {
				try("anonymous", anon, op.method, expand(op.path, targets[0], fileIDs[0]), bodyFor(op.method, op.path, w.bob.ID), unauthorized, "401")
			}
			for _, o := range []struct {
				name string
				p    *apptest.Person
			}{{"eve", eve}, {"admin", adm}, {"compliance", comp}} {
				switch op.class {
				case inChan:
					for _, tg := range targets {
						try(o.name, o.p.Client, op.method, expand(op.path, tg, ""), bodyFor(op.method, op.path, w.bob.ID), refused, "403 or 404")
					}
				case aFile:
					if o.p == adm && op.method == http.MethodDelete {
						continue // moderation: admins remove any file, see below
					}
					for _, id := range fileIDs {
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], id), nil, refused, "403 or 404")
					}
				case inCal:
					for _, id := range calIDs {
						body := bodyFor(op.method, op.path, w.bob.ID)
						c := o.p.Client
						if strings.HasSuffix(op.path, "/import") {
							c.Headers["Content-Type"] = "text/calendar"
						}
						q := ""
						if strings.HasSuffix(op.path, "/occurrences") {
							q = "?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z"
						}
						try(o.name, c, op.method, strings.Replace(op.path, "{id}", id, 1)+q, body, refused, "403 or 404")
						delete(c.Headers, "Content-Type")
					}
				case anEvent:
					for _, id := range eventIDs {
						p := strings.NewReplacer("{id}", id, "{at}", occurrenceAt).Replace(op.path)
						try(o.name, o.p.Client, op.method, p, bodyFor(op.method, op.path, w.bob.ID), refused, "403 or 404")
					}
				case theirs:
					try(o.name, o.p.Client, op.method, expand(op.path, targets[0], ""), nil, refused, "403 or 404")
				case admin:
					if o.p != adm {
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], ""), bodyFor(op.method, op.path, w.bob.ID), forbidden, "403")
					} else if op.method == http.MethodGet {
						// Admins run the service, not the conversations.
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], ""), nil, answered, "an answer")
					}
				case officer:
					// Admins and compliance officers run the desk; what
					// they change there (moderation) is tested in
					// modules/compliance. Nobody else gets in.
					if o.p == eve {
						for _, tg := range targets {
							try(o.name, o.p.Client, op.method, expand(op.path, tg, ""), bodyFor(op.method, op.path, w.bob.ID), forbidden, "403")
						}
					} else if op.method == http.MethodGet {
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], ""), nil, answered, "an answer")
					}
				case compOnly:
					// Not even admins: holds belong to the record's keepers.
					if o.p != comp {
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], ""), bodyFor(op.method, op.path, w.bob.ID), forbidden, "403")
					} else if op.method == http.MethodGet {
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], ""), nil, answered, "an answer")
					}
				case discover:
					// E-discovery reads every conversation on the record,
					// for compliance officers alone (not admins); that
					// they find it, and that each read is audited, is
					// tested in modules/compliance.
					if o.p != comp {
						for _, tg := range targets {
							p := expand(op.path, tg, "")
							if strings.Contains(op.path, "/files/") {
								p = strings.Replace(op.path, "{id}", fileIDs[0], 1)
							}
							try(o.name, o.p.Client, op.method, p, bodyFor(op.method, op.path, w.bob.ID), forbidden, "403")
						}
					}
				case own, directed:
					// Their own lists and the directory must not show it.
					if op.method == http.MethodGet {
						q := ""
						if op.path == "/api/v1/calendar/occurrences" {
							q = "?from=2026-06-01T00:00:00Z&to=2026-07-01T00:00:00Z"
						}
						try(o.name, o.p.Client, op.method, expand(op.path, targets[0], "")+q, nil, answered, "an answer")
					}
					if op.path == "/api/v1/calendar/free-busy" {
						// Busy times of colleagues, never what they are.
						try(o.name, o.p.Client, op.method, op.path, map[string]any{"user_ids": []string{w.ann.ID, w.bob.ID},
							"from": "2026-06-01T00:00:00Z", "to": "2026-06-08T00:00:00Z"}, answered, "an answer")
					}
				}
			}
		}

		// Ids of things one cannot read do not work as ingredients either.
		var evesOwn chat.Channel
		eve.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "eves-ecke", "private": true}).JSON(t, &evesOwn)
		for _, body := range []map[string]any{
			{"text": "meins jetzt", "file_ids": []string{w.shared.ID}},
			{"text": "meins jetzt", "file_ids": []string{w.draft.ID}},
			{"text": "als Antwort", "root_id": w.root.ID},
		} {
			if r := eve.Do("POST", "/api/v1/channels/"+evesOwn.ID+"/messages", body); r.Status < 400 || leaks(r.Body) != "" {
				t.Errorf("eve posts %v in her own channel: %d %.300s", body, r.Status, r.Body)
			}
		}
		if r := eve.Do("PATCH", "/api/v1/users/me", map[string]any{"roles": []string{"admin"}}); r.Status != http.StatusForbidden {
			t.Errorf("eve makes herself admin: %d", r.Status)
		}
		eve.Must(http.StatusForbidden, "GET", "/api/v1/admin/users", nil)
		eve.Must(http.StatusNotFound, "GET", "/api/v1/files/"+w.shared.ID+"/content", nil)

		w.unchanged(t)

		// Admins may take down any file (malware, a leaked document): that
		// reveals nothing, and it is on the audit log.
		adm.Must(http.StatusNoContent, "DELETE", "/api/v1/files/"+w.draft.ID, nil)
		if r := adm.Must(200, "GET", "/api/v1/admin/audit-log", nil); !strings.Contains(string(r.Body), w.draft.ID) {
			t.Errorf("an admin's file deletion is not on the audit log: %.500s", r.Body)
		}
	})
}

// unchanged checks, as ann and bob, that the sweep left everything as it was.
func (w *secretWorld) unchanged(t *testing.T) {
	t.Helper()
	ann, bob := w.ann, w.bob
	var ch chat.Channel
	ann.Must(200, "GET", "/api/v1/channels/"+w.channel.ID, nil).JSON(t, &ch)
	if ch.Name != "geheim-projekt" || ch.Topic != "Übernahme der Müller GmbH" || ch.ArchivedAt != nil {
		t.Errorf("the channel changed: %+v", ch)
	}
	var members page[map[string]any]
	ann.Must(200, "GET", "/api/v1/channels/"+w.channel.ID+"/members", nil).JSON(t, &members)
	if len(members.Items) != 2 {
		t.Errorf("members: %+v", members.Items)
	}
	for _, m := range members.Items {
		if m["user_id"] == bob.ID && m["role"] == "admin" {
			t.Errorf("bob was made a channel admin")
		}
	}
	var msgs page[chat.Message]
	ann.Must(200, "GET", "/api/v1/channels/"+w.channel.ID+"/messages", nil).JSON(t, &msgs)
	if len(msgs.Items) != 1 || msgs.Items[0].Text != w.root.Text || msgs.Items[0].Version != 1 || len(msgs.Items[0].Reactions) != 1 ||
		msgs.Items[0].Reactions[0].Count != 1 || msgs.Items[0].PinnedAt == nil {
		t.Errorf("the messages changed: %+v", msgs.Items)
	}
	var dm page[chat.Message]
	bob.Must(200, "GET", "/api/v1/channels/"+w.dm.ID+"/messages", nil).JSON(t, &dm)
	if len(dm.Items) != 1 || dm.Items[0].Text != w.dmMsg.Text {
		t.Errorf("the DM changed: %+v", dm.Items)
	}
	bob.Must(200, "GET", "/api/v1/files/"+w.shared.ID+"/content", nil)
	ann.Must(200, "GET", "/api/v1/files/"+w.draft.ID+"/content", nil)
	var calls page[map[string]any]
	bob.Must(200, "GET", "/api/v1/channels/"+w.channel.ID+"/calls", nil).JSON(t, &calls)
	if len(calls.Items) != 1 || calls.Items[0]["id"] != w.callID || calls.Items[0]["ended_at"] != nil {
		t.Errorf("the call changed: %+v", calls.Items)
	}
	ann.Must(200, "GET", "/api/v1/auth/session", nil)
	for _, want := range []calendar.CalendarEvent{w.chanEvent, w.ownEvent} {
		var ev calendar.CalendarEvent
		ann.Must(200, "GET", "/api/v1/calendar/events/"+want.ID, nil).JSON(t, &ev)
		if ev.Title != want.Title || ev.Cancelled || ev.Sequence != 0 || len(ev.ExDates) != 0 || len(ev.Attendees) != len(want.Attendees) {
			t.Errorf("the event changed: %+v", ev)
		}
	}
	var occ calendar.Occurrences
	bob.Must(200, "GET", "/api/v1/calendar/occurrences?from=2026-06-01T00:00:00Z&to=2026-06-15T00:00:00Z", nil).JSON(t, &occ)
	if len(occ.Items) != 2 || occ.Items[1].OverrideID != "" || occ.Items[0].MyRSVP != "needs_action" {
		t.Errorf("bob's view changed: %+v", occ.Items)
	}
	var cals page[calendar.Calendar]
	ann.Must(200, "GET", "/api/v1/calendar/calendars", nil).JSON(t, &cals)
	for _, c := range cals.Items {
		if c.Hidden || c.Color != "" {
			t.Errorf("ann's calendar changed: %+v", c)
		}
	}
	if r := apitest.New(t, ann.Base()).Do("GET", w.annFeed.URL, nil); r.Status != 200 || !strings.Contains(string(r.Body), "Arzt-Geheimnis") {
		t.Errorf("ann's feed: %d", r.Status)
	}
	var toks page[map[string]any]
	ann.Must(200, "GET", "/api/v1/auth/tokens", nil).JSON(t, &toks)
	if len(toks.Items) != 1 {
		t.Errorf("ann's tokens: %+v", toks.Items)
	}
}

// Every operation, used by a member with input that cannot be right:
// a body that is not JSON, ids that are junk, query parameters out of
// range. Each gets a problem document that says what is wrong, never a
// 500, and nothing changes.
func TestEveryOperationRefusesBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := build(t, s)
		var doc struct {
			Paths map[string]map[string]struct {
				RequestBody *struct {
					Content map[string]json.RawMessage `json:"content"`
				} `json:"requestBody"`
			} `json:"paths"`
		}
		w.ann.Must(200, "GET", "/api/openapi.json", nil).JSON(t, &doc)
		junkIDs := []string{"x'; DROP TABLE messages; --", "..%2F..%2Fetc%2Fpasswd", strings.Repeat("9", 600), "%00", "%FF%FE", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}
		check := func(method, path string, body any, want func(int) bool, wantText string) {
			t.Helper()
			r := w.ann.Do(method, path, body)
			if !want(r.Status) || r.Status >= 500 {
				t.Errorf("%s %s: %d, want %s: %.300s", method, path, r.Status, wantText, r.Body)
				return
			}
			if r.Status >= 400 {
				if r.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s %s: %d is not a problem document", method, path, r.Status)
				} else if p := r.Problem(); p.Detail == "" && len(p.Errors) == 0 {
					t.Errorf("%s %s: %d says nothing about what is wrong: %s", method, path, r.Status, r.Body)
				}
			}
		}
		clientError := func(st int) bool { return st >= 400 && st < 500 }
		answered := func(st int) bool { return st < 500 }
		for path, methods := range doc.Paths {
			for m, op := range methods {
				method := strings.ToUpper(m)
				if method+" "+path == "POST /api/v1/auth/logout" || method+" "+path == "POST /api/v1/auth/login" {
					continue // would end ann's session; the login has its own tests
				}
				if strings.Contains(path, "{") {
					for _, junk := range junkIDs {
						p := strings.NewReplacer("{id}", junk, "{mid}", junk, "{user}", junk).Replace(path)
						check(method, p, bodyFor(method, path, w.bob.ID), clientError, "a client error for a junk id")
					}
				}
				real := strings.NewReplacer("{mid}", w.root.ID, "{user}", "nobody-here").Replace(path)
				switch {
				case strings.HasPrefix(path, "/api/v1/files/"):
					real = strings.Replace(real, "{id}", w.shared.ID, 1)
				case strings.HasPrefix(path, "/api/v1/users/") || strings.HasPrefix(path, "/api/v1/auth/"):
					real = strings.Replace(real, "{id}", "nobody-here", 1)
				default:
					real = strings.Replace(real, "{id}", w.channel.ID, 1)
				}
				if op.RequestBody != nil {
					if _, isJSON := op.RequestBody.Content["application/json"]; isJSON {
						check(method, real, `{"text": "unfinished`, clientError, "400 for a body that is not JSON")
						check(method, real, `[1, 2, 3]`, clientError, "a client error for a body of the wrong shape")
						if b, ok := bodyFor(method, path, w.bob.ID).(map[string]any); ok && hasText(b) {
							check(method, real, withNUL(b), clientError, "a client error for text with a NUL character")
						}
					}
				}
				if method == http.MethodGet {
					check(method, real+"?limit=-1&after=%FF%FE&before=zz&q=%22", nil, answered, "no server error for junk parameters")
				}
			}
		}
		w.unchanged(t)
	})
}

// withNUL puts a NUL character into every text of b (JSON carries it as
// \u0000; PostgreSQL cannot store it in text).
func withNUL(b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range b {
		switch x := v.(type) {
		case string:
			out[k] = x + "\x00"
		case []string:
			out[k] = []string{x[0] + "\x00"}
		default:
			out[k] = v
		}
	}
	return out
}

func hasText(b map[string]any) bool {
	for _, v := range b {
		switch v.(type) {
		case string, []string:
			return true
		}
	}
	return false
}

// The websocket is a path too: while ann and bob do everything a channel
// and a DM allow, a non-member colleague, an admin and a compliance
// officer, connected live and resuming from the very first event, receive
// no frame about them, and cannot type or mark read there.
func TestTheWebsocketShowsOutsidersNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := build(t, s)
		ann, bob := w.ann, w.bob
		eve, adm, comp := s.Person("eve"), s.Person("adm", authn.RoleAdmin), s.Person("comp", authn.RoleCompliance)
		carla := s.Person("carla")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		outsiders := map[string]*apptest.Person{"eve": eve, "admin": adm, "compliance": comp}
		live := map[string]*rtclient.Client{}
		for name, p := range outsiders {
			c, err := rtclient.Dial(ctx, s.URL, p.Header(), rtclient.Fresh)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			live[name] = c
		}
		bc, err := rtclient.Dial(ctx, s.URL, bob.Header(), rtclient.Fresh)
		if err != nil {
			t.Fatal(err)
		}
		defer bc.CloseNow()

		// Everything that makes an event, in the channel and the DM.
		chID, base := w.channel.ID, "/api/v1/channels/"+w.channel.ID
		var m chat.Message
		ann.Must(201, "POST", base+"/messages", map[string]any{"text": "Quartalszahlen, zweiter Teil"}).JSON(t, &m)
		ann.Must(200, "PATCH", base+"/messages/"+m.ID, map[string]any{"text": "Quartalszahlen, korrigiert"})
		bob.Must(200, "POST", base+"/messages/"+m.ID+"/reactions", map[string]any{"emoji": "👍"})
		ann.Must(200, "POST", base+"/messages/"+m.ID+"/pin", nil)
		bob.Must(201, "POST", base+"/messages", map[string]any{"text": "Quartalszahlen im Thread", "root_id": m.ID})
		ann.Must(200, "DELETE", base+"/messages/"+m.ID+"/pin", nil)
		bc.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: chID})
		bc.Send(ctx, realtime.ClientFrame{Type: "read", ChannelID: chID, Seq: m.Seq})
		ann.Must(200, "PATCH", base, map[string]any{"topic": "Übernahme: neuer Stand"})
		ann.Must(200, "POST", base+"/members", map[string]any{"user_ids": []string{carla.ID}})
		ann.Must(204, "DELETE", base+"/members/"+carla.ID, nil)
		var f files.File
		ann.Must(201, "POST", "/api/v1/files?name=zahlen.txt", []byte("Datei-Geheimnis, Seite 2\n")).JSON(t, &f)
		ann.Must(201, "POST", base+"/messages", map[string]any{"text": "Quartalszahlen als Datei", "file_ids": []string{f.ID}})
		ann.Must(200, "POST", base+"/archive", nil)
		ann.Must(200, "POST", base+"/unarchive", nil)
		ann.Must(204, "DELETE", base+"/messages/"+m.ID, nil)
		bob.Must(201, "POST", "/api/v1/channels/"+w.dm.ID+"/messages", map[string]any{"text": "DM-Geheimnis, Nachtrag"})

		// Outsiders try to join in over the socket (on connections of
		// their own: waiting for the error skips other frames).
		for name, p := range outsiders {
			c, err := rtclient.Dial(ctx, s.URL, p.Header(), rtclient.Fresh)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			for _, fr := range []realtime.ClientFrame{{Type: "typing", ChannelID: chID}, {Type: "read", ChannelID: chID, Seq: 1}, {Type: "typing", ChannelID: w.dm.ID},
				{Type: "call.join", ChannelID: chID}, {Type: "call.join", ChannelID: w.dm.ID}} {
				c.Send(ctx, fr)
				e, err := c.NextOf(ctx, "error")
				if err != nil || !strings.Contains(string(e.Payload), "not_member") && !strings.Contains(string(e.Payload), "not_found") {
					t.Errorf("%s sends %s for the private channel: %s %v", name, fr.Type, e.Payload, err)
				}
			}
			// Call frames past the join: nobody outside a call steers its
			// media (layer choice) or its state.
			for _, raw := range []string{`{"type":"call.video_size","track":"cam","width":640,"height":360}`,
				`{"type":"call.hand","raised":true}`} {
				if err := c.SendRaw(ctx, websocket.MessageText, []byte(raw)); err != nil {
					t.Fatal(err)
				}
				e, err := c.NextOf(ctx, "error")
				if err != nil || !strings.Contains(string(e.Payload), "not_in_call") {
					t.Errorf("%s sends %s: %s %v", name, raw, e.Payload, err)
				}
			}
		}

		// A message everyone may see marks the end of the stream.
		var all chat.Channel
		ann.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "allgemein", "member_ids": []string{eve.ID, adm.ID, comp.ID}}).JSON(t, &all)
		ann.Must(201, "POST", "/api/v1/channels/"+all.ID+"/messages", map[string]any{"text": "Ende der Übung"})

		private := []string{w.channel.ID, w.dm.ID, m.ID, f.ID}
		read := func(name string, c *rtclient.Client) {
			t.Helper()
			for {
				fr, err := c.Next(ctx)
				if err != nil {
					t.Fatalf("%s: the stream ended before the closing message: %v", name, err)
				}
				raw, _ := json.Marshal(fr)
				if s := leaks(raw); s != "" {
					t.Errorf("%s received %q: %.300s", name, s, raw)
				}
				for _, id := range private {
					if strings.Contains(string(raw), id) {
						t.Errorf("%s received a frame about %s: %.300s", name, id, raw)
					}
				}
				if fr.Type == "message.created" && strings.Contains(string(fr.Payload), "Ende der Übung") {
					return
				}
			}
		}
		for name, c := range live {
			read(name+" (live)", c)
		}
		// Resuming from the first event replays the log through the same filter.
		for name, p := range outsiders {
			c, err := rtclient.Dial(ctx, s.URL, p.Header(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if c.Resync != nil {
				t.Fatalf("%s resuming from 0 was told to resync", name)
			}
			read(name+" (resumed from 0)", c)
			c.CloseNow()
		}
		// bob, a member, saw it all happen: the sweep watched a live stream.
		if _, err := bc.NextOf(ctx, "member.removed"); err != nil {
			t.Fatalf("bob: %v", err)
		}
	})
}

// Every CalDAV path, tried by people who must not get at ann's and bob's
// calendars: a colleague, an admin and a compliance officer with their own
// API tokens, nobody signed in, a wrong username for ann's token, ann's
// account password, and a revoked feed token on the feed path. None gets
// anything but a refusal, and nothing changes.
func TestCalDAVAndFeedsKeepOutsidersOut(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := build(t, s)
		type cred struct{ name, user, pass string }
		var creds []cred
		for _, p := range []*apptest.Person{s.Person("eve"), s.Person("adm", authn.RoleAdmin), s.Person("comp", authn.RoleCompliance)} {
			var tok struct {
				Token string `json:"token"`
			}
			p.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "dav"}).JSON(t, &tok)
			creds = append(creds, cred{p.Username, p.Username, tok.Token})
		}
		creds = append(creds, cred{"anonymous", "", ""}, cred{"ann's token as bob", "bob", w.annAPIToken},
			cred{"ann's password", "ann", "password-of-ann"})
		chanCal := "c_" + w.channel.ID
		obj := w.chanEvent.ID + ".ics"
		put := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:" + w.chanEvent.UID + "\r\nDTSTAMP:20260101T000000Z\r\n" +
			"DTSTART:20260601T090000Z\r\nDTEND:20260601T100000Z\r\nSUMMARY:gefälscht\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		report := `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>` +
			`<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter></c:filter></c:calendar-query>`
		for _, c := range creds {
			me := "unknown"
			if c.name == "eve" || c.name == "adm" || c.name == "comp" {
				var u struct {
					ID string `json:"id"`
				}
				cl := apitest.New(t, s.URL)
				cl.Bearer = c.pass
				cl.Must(200, "GET", "/api/v1/users/me", nil).JSON(t, &u)
				me = u.ID
			}
			for _, who := range []string{w.ann.ID, me} {
				base := "/dav/" + who + "/calendars/"
				for _, rq := range []struct{ method, path, body, ctype string }{
					{"PROPFIND", "/dav/" + who + "/", "", ""},
					{"PROPFIND", base, "", ""},
					{"PROPFIND", base + chanCal + "/", "", ""},
					{"PROPFIND", base + "u_" + w.ann.ID + "/", "", ""},
					{"REPORT", base + chanCal + "/", report, "application/xml"},
					{"GET", base + chanCal + "/" + obj, "", ""},
					{"GET", base + "u_" + w.ann.ID + "/" + w.ownEvent.ID + ".ics", "", ""},
					{"PUT", base + chanCal + "/" + obj, put, "text/calendar"},
					{"PUT", base + chanCal + "/neu.ics", strings.ReplaceAll(put, w.chanEvent.UID, "neu"), "text/calendar"},
					{"DELETE", base + chanCal + "/" + obj, "", ""},
					{"MKCOL", base + "neu/", "", ""},
				} {
					req, _ := http.NewRequest(rq.method, s.URL+rq.path, strings.NewReader(rq.body))
					if c.user != "" {
						req.SetBasicAuth(c.user, c.pass)
					}
					if rq.ctype != "" {
						req.Header.Set("Content-Type", rq.ctype)
					}
					req.Header.Set("Depth", "infinity")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					ownListing := who == me && me != "unknown" && rq.method == "PROPFIND" && (rq.path == "/dav/"+me+"/" || rq.path == base)
					if ownListing {
						// Their own principal and home answer, listing only their calendars.
						if resp.StatusCode != 207 {
							t.Errorf("%s %s %s: %d, want 207", c.name, rq.method, rq.path, resp.StatusCode)
						}
					} else if resp.StatusCode != 401 && resp.StatusCode != 403 && resp.StatusCode != 404 {
						t.Errorf("%s %s %s: %d, want a refusal: %.300s", c.name, rq.method, rq.path, resp.StatusCode, b)
					}
					if l := leaks(b); l != "" || strings.Contains(string(b), chanCal) || strings.Contains(string(b), w.chanEvent.ID) {
						t.Errorf("%s %s %s: the answer shows %q or the channel's calendar: %.300s", c.name, rq.method, rq.path, l, b)
					}
				}
			}
		}
		// A revoked feed token shows nothing.
		var f calendar.Feed
		w.ann.Must(201, "POST", "/api/v1/calendar/feeds", map[string]any{"calendar_id": chanCal}).JSON(t, &f)
		anon := apitest.New(t, s.URL)
		if r := anon.Do("GET", f.URL, nil); r.Status != 200 || leaks(r.Body) == "" {
			t.Fatalf("the control: ann's channel feed: %d", r.Status)
		}
		w.ann.Must(204, "DELETE", "/api/v1/calendar/feeds/"+f.ID, nil)
		if r := anon.Do("GET", f.URL, nil); r.Status != 404 || leaks(r.Body) != "" {
			t.Errorf("a revoked feed: %d %.300s", r.Status, r.Body)
		}
		w.unchanged(t)
	})
}
