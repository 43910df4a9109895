package compliance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// searchUntil polls bob's search until found says so; the index follows
// the journal in the background. Bounded: 200 tries.
func searchUntil(t *testing.T, p *apptest.Person, q string, found func(body string) bool) {
	t.Helper()
	for i := 0; ; i++ {
		r := p.Must(http.StatusOK, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
		if found(string(r.Body)) {
			return
		}
		if i == 200 {
			t.Fatalf("search %q never reached the expected state: %s", q, r.Body)
		}
		time.Sleep(25 * time.Millisecond) // waits for the indexer, asserts nothing about time
	}
}

// A compliance officer who is not a member takes a leaked password down:
// members see a placeholder, live and on reload; search drops it; the
// record keeps what it said, who took it down and why; the journal still
// verifies and agrees with the tables.
func TestModerationTakesAMessageDownAndKeepsItOnTheRecord(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ann, bob, eve := s.Person("ann"), s.Person("bob"), s.Person("eve")
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "betrieb", "private": true,
			"member_ids": []string{bob.ID}}).JSON(t, &ch)
		base := "/api/v1/channels/" + ch.ID + "/messages"
		var leak, other chat.Message
		ann.Must(http.StatusCreated, "POST", base, map[string]any{"text": "Das Passwort ist hunter2geheim"}).JSON(t, &leak)
		ann.Must(http.StatusCreated, "POST", base, map[string]any{"text": "Beleidigung xyzzyschimpf"}).JSON(t, &other)
		searchUntil(t, bob, "hunter2geheim", func(b string) bool { return strings.Contains(b, leak.ID) })

		live, err := rtclient.Dial(ctx, s.URL, bob.Header(), rtclient.Fresh)
		if err != nil {
			t.Fatal(err)
		}
		defer live.CloseNow()

		// Members and outsiders without the role cannot.
		for _, p := range []*apptest.Person{ann, bob, eve} {
			if r := p.Do("POST", "/api/v1/compliance/messages/"+leak.ID+"/moderate", map[string]any{"reason": "mir gefällt es nicht"}); r.Status != http.StatusForbidden {
				t.Errorf("%s takes a message down: %d", p.Username, r.Status)
			}
		}
		// Bad input changes nothing.
		for _, tc := range []struct {
			name, id, reason string
			status           int
		}{
			{"no reason", leak.ID, "  ", http.StatusUnprocessableEntity},
			{"control character", leak.ID, "a\x00b", http.StatusUnprocessableEntity},
			{"junk id", "x'; DROP TABLE messages; --", "Grund", http.StatusNotFound},
			{"unknown id", "01arz3ndektsv4rrffq69g5fav", "Grund", http.StatusNotFound},
		} {
			r := comp.Do("POST", "/api/v1/compliance/messages/"+url.PathEscape(tc.id)+"/moderate", map[string]any{"reason": tc.reason})
			if r.Status != tc.status || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			}
		}
		var page struct{ Items []chat.Message }
		bob.Must(http.StatusOK, "GET", base, nil).JSON(t, &page)
		if len(page.Items) != 2 || page.Items[0].Moderated || page.Items[0].Text != leak.Text {
			t.Fatalf("bad input changed the channel: %+v", page.Items)
		}

		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/messages/"+leak.ID+"/moderate", map[string]any{"reason": "leaked password"})
		adm.Must(http.StatusOK, "POST", "/api/v1/compliance/messages/"+other.ID+"/moderate", map[string]any{"reason": "insult"})
		if r := comp.Do("POST", "/api/v1/compliance/messages/"+leak.ID+"/moderate", map[string]any{"reason": "again"}); r.Status != http.StatusConflict || r.Problem().Code != "message_deleted" {
			t.Errorf("moderating twice: %d %s", r.Status, r.Body)
		}

		// Live: the open client is told, with a typed event.
		fr, err := live.NextOf(ctx, "message.moderated")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(fr.Payload), leak.ID) || strings.Contains(string(fr.Payload), "hunter2") || strings.Contains(string(fr.Payload), "leaked password") {
			t.Errorf("live event: %s", fr.Payload)
		}
		// On reload: placeholders, no text, no reason.
		r := bob.Must(http.StatusOK, "GET", base, nil)
		r.JSON(t, &page)
		if len(page.Items) != 2 || !page.Items[0].Moderated || page.Items[0].Text != "" || !page.Items[1].Moderated {
			t.Errorf("members see: %+v", page.Items)
		}
		for _, secret := range []string{"hunter2", "xyzzyschimpf", "leaked password"} {
			if strings.Contains(string(r.Body), secret) {
				t.Errorf("members still see %q: %s", secret, r.Body)
			}
		}
		if r := ann.Do("PATCH", base+"/"+leak.ID, map[string]any{"text": "wieder da"}); r.Status < 400 {
			t.Errorf("the author edits a taken-down message: %d", r.Status)
		}
		searchUntil(t, bob, "hunter2geheim", func(b string) bool { return !strings.Contains(b, leak.ID) })
		searchUntil(t, ann, "xyzzyschimpf", func(b string) bool { return !strings.Contains(b, other.ID) })

		// The record keeps the content, the actor and the reason.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: leak.ID})
		if err != nil {
			t.Fatal(err)
		}
		var created, moderated bool
		for _, e := range es {
			switch e.Kind {
			case "message.created":
				created = strings.Contains(string(e.Content), "hunter2geheim")
			case "message.moderated":
				moderated = e.ActorID == comp.ID
			}
		}
		if !created || !moderated {
			t.Errorf("journal of the message: %+v", es)
		}
		trail := readTrail(t, comp, url.Values{"action": {"message.moderate"}, "target_id": {leak.ID}})
		if len(trail.Items) != 1 || trail.Items[0].ActorID != comp.ID || trail.Items[0].Details["reason"] != "leaked password" {
			t.Errorf("trail: %+v", trail.Items)
		}
		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
		recs, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || len(recs.Mismatches) != 0 {
			b, _ := json.Marshal(recs)
			t.Errorf("journal and tables disagree: %s %v", b, err)
		}
	})
}

// Two officers take the same message down at the same moment: one wins,
// the other is told it is gone (409), nobody gets a server error, and the
// record holds one take-down.
func TestConcurrentModerationTakesAMessageDownOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		officers := []*apptest.Person{s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin),
			s.Person("comp2", authn.RoleCompliance), s.Person("adm2", authn.RoleAdmin)}
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "laut"}).JSON(t, &ch)
		for round := 0; round < 5; round++ {
			var msg chat.Message
			ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "weg damit"}).JSON(t, &msg)
			start := make(chan struct{})
			statuses := make(chan int, len(officers))
			for _, o := range officers {
				go func() {
					<-start
					statuses <- o.Do("POST", "/api/v1/compliance/messages/"+msg.ID+"/moderate", map[string]any{"reason": "doppelt"}).Status
				}()
			}
			close(start)
			won := 0
			for range officers {
				switch st := <-statuses; st {
				case http.StatusOK:
					won++
				case http.StatusConflict:
				default:
					t.Errorf("round %d: status %d", round, st)
				}
			}
			es, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: msg.ID})
			if err != nil {
				t.Fatal(err)
			}
			taken := 0
			for _, e := range es {
				if e.Kind == "message.moderated" {
					taken++
				}
			}
			if won != 1 || taken != 1 {
				t.Errorf("round %d: %d officers won, %d take-downs on record", round, won, taken)
			}
		}
	})
}
