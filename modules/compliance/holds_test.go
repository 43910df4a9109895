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
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// content returns the journal content of the message's first entry, and
// whether it was purged.
func content(t *testing.T, s *apptest.Stack, messageID string) (string, bool) {
	t.Helper()
	es, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: messageID})
	if err != nil || len(es) == 0 {
		t.Fatalf("journal of %s: %+v %v", messageID, es, err)
	}
	return string(es[0].Content), es[0].Purged
}

// A hold on ann's messages in one channel keeps them on the record through
// self-destruct (with the record set to drop expired messages), deletion
// by the author and moderation; bob's are not held and go; a hold whose
// date range ended covers nothing new; releasing deletes nothing.
func TestALegalHoldKeepsWhatItCoversAndReleasingDeletesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		ann, bob := s.Person("ann"), s.Person("bob")
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "vertrieb", "member_ids": []string{bob.ID}}).JSON(t, &ch)
		base := "/api/v1/channels/" + ch.ID + "/messages"
		comp.Must(http.StatusOK, "PATCH", "/api/v1/chat/settings", map[string]any{"expired_kept_on_record": false})

		// Who may, and bad input.
		if r := adm.Do("POST", "/api/v1/compliance/holds", map[string]any{"matter": "M-1"}); r.Status != http.StatusForbidden || r.Problem().Code != "compliance_required" {
			t.Errorf("an admin makes a hold: %d %s", r.Status, r.Body)
		}
		for name, body := range map[string]map[string]any{
			"no matter":       {"matter": " "},
			"junk custodian":  {"matter": "M", "custodian_ids": []string{"x'; DROP TABLE legal_holds; --"}},
			"ends too early":  {"matter": "M", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"},
			"matter too long": {"matter": strings.Repeat("m", compliance.MaxMatter+1)},
		} {
			if r := comp.Do("POST", "/api/v1/compliance/holds", body); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		if r := comp.Must(http.StatusOK, "GET", "/api/v1/compliance/holds", nil); strings.Contains(string(r.Body), `"matter"`) {
			t.Fatalf("bad input made a hold: %s", r.Body)
		}
		comp.Must(http.StatusNotFound, "GET", "/api/v1/compliance/holds/01arz3ndektsv4rrffq69g5fav", nil)

		var hold compliance.Hold
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "Müller ./. Kontor",
			"custodian_ids": []string{ann.ID}, "channel_ids": []string{ch.ID}}).JSON(t, &hold)
		// A hold on bob whose range ended an hour ago covers nothing new.
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "Altfall",
			"custodian_ids": []string{bob.ID}, "ends_at": s.Clock.Now().Add(-time.Hour).Format(time.RFC3339)})

		post := func(p *apptest.Person, body map[string]any) chat.Message {
			var m chat.Message
			p.Must(http.StatusCreated, "POST", base, body).JSON(t, &m)
			return m
		}
		annGone := post(ann, map[string]any{"text": "Rabatt 40 Prozent", "expires_in_seconds": 60})
		bobGone := post(bob, map[string]any{"text": "Bob sagt ja", "expires_in_seconds": 60})
		annDeleted := post(ann, map[string]any{"text": "Preisabsprache"})
		annModerated := post(ann, map[string]any{"text": "Schwarze Kasse"})
		ann.Must(http.StatusNoContent, "DELETE", base+"/"+annDeleted.ID, nil)
		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/messages/"+annModerated.ID+"/moderate", map[string]any{"reason": "Ermittlung"})
		s.Clock.Advance(time.Minute + time.Second)
		if _, err := s.App.Chat.ExpireDue(ctx); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{annGone.ID: "Rabatt 40 Prozent", annDeleted.ID: "Preisabsprache", annModerated.ID: "Schwarze Kasse"} {
			if c, purged := content(t, s, id); purged || !strings.Contains(c, want) {
				t.Errorf("held %q left the record: purged=%v %q", want, purged, c)
			}
		}
		if c, purged := content(t, s, bobGone.ID); !purged || strings.Contains(c, "Bob sagt ja") {
			t.Errorf("bob's message is not held but stayed on the record: %q", c)
		}

		var got compliance.Hold
		comp.Must(http.StatusOK, "GET", "/api/v1/compliance/holds/"+hold.ID, nil).JSON(t, &got)
		if got.Covers == nil || *got.Covers != 3 || got.Matter != "Müller ./. Kontor" {
			t.Errorf("the hold covers: %+v", got)
		}

		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/holds/"+hold.ID+"/release", nil).JSON(t, &got)
		if got.ReleasedAt == nil || got.ReleasedBy != comp.ID {
			t.Errorf("released: %+v", got)
		}
		if r := comp.Do("POST", "/api/v1/compliance/holds/"+hold.ID+"/release", nil); r.Status != http.StatusConflict || r.Problem().Code != "hold_released" {
			t.Errorf("released twice: %d %s", r.Status, r.Body)
		}
		// Releasing deleted nothing.
		for _, id := range []string{annGone.ID, annDeleted.ID, annModerated.ID} {
			if _, purged := content(t, s, id); purged {
				t.Errorf("the release purged %s", id)
			}
		}
		// Without the hold, ann's next self-destructing message goes.
		later := post(ann, map[string]any{"text": "Nach der Freigabe", "expires_in_seconds": 60})
		s.Clock.Advance(time.Minute + time.Second)
		if _, err := s.App.Chat.ExpireDue(ctx); err != nil {
			t.Fatal(err)
		}
		if _, purged := content(t, s, later.ID); !purged {
			t.Errorf("a released hold still holds")
		}

		// Holds and releases are on the journal and the trail.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: hold.ID})
		if err != nil || len(es) != 2 || es[0].Kind != "hold.created" || es[1].Kind != "hold.released" || es[0].Meta["custodians"] != ann.ID {
			t.Errorf("journal of the hold: %+v %v", es, err)
		}
		tr := readTrail(t, comp, url.Values{"target_id": {hold.ID}})
		if strings.Join(actions(tr), " ") != "hold.release hold.create" {
			t.Errorf("trail of the hold: %v", actions(tr))
		}
		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
	})
}
