package compliance_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// A compliance officer who is not a member takes a leaked file down:
// members can no longer open it (content, preview, metadata), it leaves
// the channel's files list and search, the message shows a placeholder,
// live and on reload; the owner can neither delete nor share it again;
// the record keeps the file (journal entries, bytes) with who took it
// down and why; the journal still verifies.
func TestTakeDownFileHidesItFromMembersAndKeepsItOnTheRecord(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ann, bob, eve := s.Person("ann"), s.Person("bob"), s.Person("eve")
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "einkauf", "private": true,
			"member_ids": []string{bob.ID}}).JSON(t, &ch)
		var leak, other files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=zugangsdaten.txt", []byte("root passwort zyxwvgeheim\n")).JSON(t, &leak)
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=speiseplan.txt", []byte("Montag: Suppe\n")).JSON(t, &other)
		base := "/api/v1/channels/" + ch.ID + "/messages"
		var msg chat.Message
		ann.Must(http.StatusCreated, "POST", base, map[string]any{"text": "Anbei", "file_ids": []string{leak.ID, other.ID}}).JSON(t, &msg)
		bob.Must(http.StatusOK, "GET", "/api/v1/files/"+leak.ID+"/content", nil)
		searchUntil(t, bob, "zyxwvgeheim", func(b string) bool { return strings.Contains(b, leak.ID) })

		live, err := rtclient.Dial(ctx, s.URL, bob.Header(), rtclient.Fresh)
		if err != nil {
			t.Fatal(err)
		}
		defer live.CloseNow()

		path := "/api/v1/compliance/files/" + leak.ID + "/moderate"
		// Members, the owner and outsiders without the role cannot.
		for _, p := range []*apptest.Person{ann, bob, eve} {
			if r := p.Do("POST", path, map[string]any{"reason": "stört mich"}); r.Status != http.StatusForbidden {
				t.Errorf("%s takes a file down: %d", p.Username, r.Status)
			}
		}
		// Bad input changes nothing.
		for _, tc := range []struct {
			name, id, reason string
			status           int
		}{
			{"no reason", leak.ID, " ", http.StatusUnprocessableEntity},
			{"control character", leak.ID, "a\x07b", http.StatusUnprocessableEntity},
			{"junk id", "x'; DROP TABLE files; --", "Grund", http.StatusNotFound},
			{"unknown id", "01arz3ndektsv4rrffq69g5fav", "Grund", http.StatusNotFound},
		} {
			r := comp.Do("POST", "/api/v1/compliance/files/"+url.PathEscape(tc.id)+"/moderate", map[string]any{"reason": tc.reason})
			if r.Status != tc.status || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			}
		}
		bob.Must(http.StatusOK, "GET", "/api/v1/files/"+leak.ID+"/content", nil)

		var mod struct {
			FileID     string   `json:"file_id"`
			ChannelIDs []string `json:"channel_ids"`
		}
		comp.Must(http.StatusOK, "POST", path, map[string]any{"reason": "Zugangsdaten geleakt"}).JSON(t, &mod)
		if mod.FileID != leak.ID || len(mod.ChannelIDs) != 1 || mod.ChannelIDs[0] != ch.ID {
			t.Errorf("take-down answer: %+v", mod)
		}
		if r := adm.Do("POST", path, map[string]any{"reason": "nochmal"}); r.Status != http.StatusConflict || r.Problem().Code != "file_taken_down" {
			t.Errorf("taking down twice: %d %s", r.Status, r.Body)
		}

		// Live: the open client is told, with a typed event naming the
		// message, and without the reason.
		fr, err := live.NextOf(ctx, "file.moderated")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(fr.Payload), msg.ID) || strings.Contains(string(fr.Payload), "geleakt") {
			t.Errorf("live event: %s", fr.Payload)
		}

		// Members and the owner can no longer open it.
		for _, p := range []*apptest.Person{ann, bob} {
			for _, what := range []string{"", "/content", "/thumbnail", "/preview"} {
				r := p.Do("GET", "/api/v1/files/"+leak.ID+what, nil)
				if r.Status != http.StatusGone || r.Problem().Code != "file_taken_down" || strings.Contains(string(r.Body), "zyxwv") {
					t.Errorf("%s GET file%s: %d %s", p.Username, what, r.Status, r.Body)
				}
			}
		}
		p := bob.Must(http.StatusOK, "GET", "/api/v1/files/"+other.ID+"/content", nil)
		if !strings.Contains(string(p.Body), "Suppe") {
			t.Errorf("the other file of the message: %s", p.Body)
		}
		// The message shows a placeholder in place of the file, the
		// other file stays.
		var page struct{ Items []chat.Message }
		r := bob.Must(http.StatusOK, "GET", base, nil)
		r.JSON(t, &page)
		if len(page.Items) != 1 || len(page.Items[0].Attachments) != 2 {
			t.Fatalf("messages: %s", r.Body)
		}
		if a := page.Items[0].Attachments[0]; a.ID != leak.ID || !a.Moderated || a.Name != "" || a.URL != "" || a.SHA256 != "" {
			t.Errorf("placeholder: %+v", a)
		}
		if a := page.Items[0].Attachments[1]; a.ID != other.ID || a.Moderated || a.Name != "speiseplan.txt" {
			t.Errorf("other attachment: %+v", a)
		}
		if strings.Contains(string(r.Body), "zugangsdaten") {
			t.Errorf("the name is still shown: %s", r.Body)
		}
		var list struct{ Items []files.SharedFile }
		bob.Must(http.StatusOK, "GET", "/api/v1/channels/"+ch.ID+"/files", nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != other.ID {
			t.Errorf("channel files: %+v", list.Items)
		}
		var mine struct{ Items []files.File }
		ann.Must(http.StatusOK, "GET", "/api/v1/files", nil).JSON(t, &mine)
		for _, f := range mine.Items {
			if f.ID == leak.ID {
				t.Errorf("the owner still lists it")
			}
		}
		searchUntil(t, bob, "zyxwvgeheim", func(b string) bool { return !strings.Contains(b, leak.ID) })

		// The owner can neither delete it (the record keeps it) nor
		// share it again.
		if r := ann.Do("DELETE", "/api/v1/files/"+leak.ID, nil); r.Status != http.StatusGone || r.Problem().Code != "file_taken_down" {
			t.Errorf("the owner deletes a taken-down file: %d %s", r.Status, r.Body)
		}
		if r := ann.Do("POST", base, map[string]any{"text": "nochmal", "file_ids": []string{leak.ID}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("the owner shares it again: %d %s", r.Status, r.Body)
		}

		// The record keeps the file, the actor and the reason; the bytes
		// stay in the store.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: leak.ID})
		if err != nil {
			t.Fatal(err)
		}
		var attached, moderated bool
		for _, e := range es {
			switch e.Kind {
			case "file.attached":
				attached = !e.Purged && strings.Contains(string(e.Content), "zugangsdaten.txt")
			case "file.moderated":
				moderated = e.ActorID == comp.ID && e.ChannelID == ch.ID && e.Meta["sha256"] == leak.SHA256
			}
		}
		if !attached || !moderated {
			t.Errorf("journal of the file: %+v", es)
		}
		// The cleanup job removes what the trash lists: the bytes are not
		// there, so they stay in the store.
		if _, err := s.App.Files.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		var trashed int
		if err := s.App.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM file_blob_trash WHERE blob_key LIKE ?`, "%"+leak.ID).Scan(&trashed); err != nil {
			t.Fatal(err)
		}
		if trashed != 0 {
			t.Errorf("the bytes of a taken-down file are in the trash (%d keys)", trashed)
		}
		if !s.hasBlob(t, leak.ID) {
			t.Errorf("the bytes of a taken-down file left the store")
		}
		trail := readTrail(t, comp, url.Values{"action": {"file.moderate"}, "target_id": {leak.ID}})
		if len(trail.Items) != 1 || trail.Items[0].ActorID != comp.ID || trail.Items[0].Details["reason"] != "Zugangsdaten geleakt" {
			t.Errorf("trail: %+v", trail.Items)
		}
		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
		recs, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || len(recs.Mismatches) != 0 {
			t.Errorf("journal and tables disagree: %+v %v", recs.Mismatches, err)
		}
	})
}

// Officers take the same file down at once: one wins, the others are told
// (409), nobody gets a server error, the record holds one take-down.
func TestConcurrentTakeDownOfAFileHappensOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		officers := []*apptest.Person{s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin),
			s.Person("comp2", authn.RoleCompliance), s.Person("adm2", authn.RoleAdmin)}
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "ablage"}).JSON(t, &ch)
		for round := 0; round < 3; round++ {
			var f files.File
			ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=x.txt", []byte("weg damit\n")).JSON(t, &f)
			ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "da", "file_ids": []string{f.ID}})
			start := make(chan struct{})
			statuses := make(chan int, len(officers))
			for _, o := range officers {
				go func() {
					<-start
					statuses <- o.Do("POST", "/api/v1/compliance/files/"+f.ID+"/moderate", map[string]any{"reason": "doppelt"}).Status
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
			es, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: f.ID})
			if err != nil {
				t.Fatal(err)
			}
			taken := 0
			for _, e := range es {
				if e.Kind == "file.moderated" {
					taken++
				}
			}
			if won != 1 || taken != 1 {
				t.Errorf("round %d: %d officers won, %d take-downs on record", round, won, taken)
			}
		}
	})
}
