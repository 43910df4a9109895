package compliance_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/record"
)

const year = 365 * 24 * time.Hour

// later moves the clock and signs everyone in again (sessions last a day).
func later(s stack, d time.Duration, ps ...*apptest.Person) {
	s.Clock.Advance(d)
	for _, p := range ps {
		p.Login(p.Username, "password-of-"+p.Username)
	}
}

// dryRunAll reads every page of a dry run as of asOf (nil: now), two
// items a page.
func dryRunAll(t *testing.T, p *apptest.Person, asOf string) (compliance.DryRun, []compliance.RetentionItem) {
	t.Helper()
	var first compliance.DryRun
	var items []compliance.RetentionItem
	for cursor, i := 0, 0; ; i++ {
		q := url.Values{"limit": {"2"}, "cursor": {strconv.Itoa(cursor)}}
		if asOf != "" {
			q.Set("as_of", asOf)
		}
		var d compliance.DryRun
		p.Must(http.StatusOK, "GET", "/api/v1/compliance/retention/dry-run?"+q.Encode(), nil).JSON(t, &d)
		if i == 0 {
			first = d
		}
		items = append(items, d.Items...)
		if d.Next == 0 || i > 100 {
			return first, items
		}
		cursor = d.Next
	}
}

func messageIDs(t *testing.T, s stack) []string {
	t.Helper()
	rows, err := s.App.DB.QueryContext(context.Background(), `SELECT id FROM messages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// The done-when of issue 11, across years with a fake clock: a 6-year
// global policy for messages (1 year for files), a 10-year policy on one
// channel, 1 year for DMs, and a legal hold on bob. Seven years on, the
// 7-year-old message goes and the 5-year-old stays; the file (shorter
// file period) goes although its message stays; the channel's longer
// policy keeps its message; the DM goes under the kind policy; a
// self-destructed message kept on record goes like any other; bob's held
// messages (one of them self-destructed) stay. A run with the dry run's
// clock deletes exactly what the dry run listed; the journal verifies.
func TestRetentionAcrossYearsDeletesExactlyWhatTheDryRunListed(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ctx := context.Background()
		ann, bob := s.Person("ann"), s.Person("bob")
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		everyone := []*apptest.Person{ann, bob, comp, adm}
		var ch, legal, dm chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "vertrieb", "member_ids": []string{bob.ID}}).JSON(t, &ch)
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "recht", "private": true}).JSON(t, &legal)
		bob.Must(http.StatusOK, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{ann.ID}}).JSON(t, &dm)
		post := func(p *apptest.Person, channelID string, body map[string]any) chat.Message {
			var m chat.Message
			p.Must(http.StatusCreated, "POST", "/api/v1/channels/"+channelID+"/messages", body).JSON(t, &m)
			return m
		}

		// Year 0.
		old := post(ann, ch.ID, map[string]any{"text": "Sieben Jahre alt"})
		heldOld := post(bob, ch.ID, map[string]any{"text": "Bob, gehalten"})
		legalOld := post(ann, legal.ID, map[string]any{"text": "Vertrag, zehn Jahre"})
		expired := post(ann, ch.ID, map[string]any{"text": "Selbstzerstörung", "expires_in_seconds": 60})
		heldExpired := post(bob, ch.ID, map[string]any{"text": "Bob zerstört", "expires_in_seconds": 60})
		later(s, 2*time.Minute, everyone...)
		if _, err := s.App.Chat.ExpireDue(ctx); err != nil {
			t.Fatal(err)
		}
		// Year 2: a message with a file.
		later(s, 2*year, everyone...)
		var fileB files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=preise.txt", []byte("Preisliste\n")).JSON(t, &fileB)
		mid := post(ann, ch.ID, map[string]any{"text": "Fünf Jahre alt", "file_ids": []string{fileB.ID}})
		// Year 5: a DM.
		later(s, 3*year, everyone...)
		dmMsg := post(ann, dm.ID, map[string]any{"text": "Zwei Jahre alte DM"})
		// Year 7.
		later(s, 2*year, everyone...)
		fresh := post(ann, ch.ID, map[string]any{"text": "Neu"})

		var global, legalPol, dmPol compliance.Policy
		comp.Must(http.StatusOK, "PUT", "/api/v1/compliance/retention/policies", map[string]any{"scope": "global", "message_days": 6 * 365, "file_days": 365}).JSON(t, &global)
		comp.Must(http.StatusOK, "PUT", "/api/v1/compliance/retention/policies", map[string]any{"scope": "channel", "target": legal.ID, "message_days": 10 * 365}).JSON(t, &legalPol)
		comp.Must(http.StatusOK, "PUT", "/api/v1/compliance/retention/policies", map[string]any{"scope": "kind", "target": "dm", "message_days": 365}).JSON(t, &dmPol)
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "M-11", "custodian_ids": []string{bob.ID}})

		dry, items := dryRunAll(t, comp, "")
		want := map[string]string{old.ID: global.ID, expired.ID: global.ID, fileB.ID: global.ID, dmMsg.ID: dmPol.ID}
		wantHeld := []string{heldOld.ID, heldExpired.ID}
		listed := map[string]string{}
		var held []string
		for _, it := range items {
			if it.Held {
				held = append(held, it.ID)
				continue
			}
			listed[it.ID] = it.PolicyID
		}
		slices.Sort(held)
		slices.Sort(wantHeld)
		if len(listed) != len(want) || !slices.Equal(held, wantHeld) {
			t.Fatalf("dry run lists %v, held %v; want %v, held %v", listed, held, want, wantHeld)
		}
		for id, pol := range want {
			if listed[id] != pol {
				t.Errorf("dry run: %s under policy %q, want %q", id, listed[id], pol)
			}
		}
		if dry.Messages != 3 || dry.Files != 1 || dry.Held != 2 || len(dry.ByPolicy) != 2 || len(dry.ByChannel) != 2 {
			t.Errorf("dry run counts: %+v", dry)
		}
		// The dry run changed nothing.
		before := messageIDs(t, s)
		if !slices.Contains(before, old.ID) || !s.hasBlob(t, fileB.ID) {
			t.Fatal("the dry run removed something")
		}

		// Time passes between the preview and the run; the run looks from
		// the dry run's clock.
		later(s, 30*24*time.Hour, comp)
		var run compliance.RetentionRun
		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/retention/run", map[string]any{"as_of": dry.AsOf}).JSON(t, &run)
		if run.Messages != 3 || run.Files != 1 || run.Held != 2 || run.Tombstones != 3 {
			t.Errorf("run: %+v", run)
		}
		after := messageIDs(t, s)
		var removed []string
		for _, id := range before {
			if !slices.Contains(after, id) {
				removed = append(removed, id)
			}
		}
		var wantRemoved []string
		for id := range listed {
			if id != fileB.ID {
				wantRemoved = append(wantRemoved, id)
			}
		}
		slices.Sort(removed)
		slices.Sort(wantRemoved)
		if !slices.Equal(removed, wantRemoved) {
			t.Errorf("the run removed %v, the dry run listed %v", removed, wantRemoved)
		}
		for _, id := range []string{mid.ID, fresh.ID, legalOld.ID, heldOld.ID, heldExpired.ID} {
			if !slices.Contains(after, id) {
				t.Errorf("message %s should have stayed", id)
			}
		}
		if s.hasBlob(t, fileB.ID) || count(t, s, `SELECT COUNT(*) FROM files WHERE id = ?`, fileB.ID) != 0 {
			t.Errorf("the file outlived its shorter file period")
		}
		if c, purged := content(t, s.Stack, heldExpired.ID); purged || !strings.Contains(c, "Bob zerstört") {
			t.Errorf("the held self-destructed message left the record: %v %q", purged, c)
		}
		// A second run finds nothing more.
		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/retention/run", map[string]any{"as_of": dry.AsOf}).JSON(t, &run)
		if run.Messages != 0 || run.Files != 0 || run.Held != 2 {
			t.Errorf("second run: %+v", run)
		}

		// Tombstones name the policy; the run and the policies are on the trail.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		policiesNamed := map[string]bool{}
		for _, e := range es {
			if e.Kind == string(record.RetentionPurged) {
				policiesNamed[e.Meta["policy"]] = true
			}
		}
		if !policiesNamed[global.ID] || !policiesNamed[dmPol.ID] || policiesNamed[legalPol.ID] {
			t.Errorf("tombstones name policies %v", policiesNamed)
		}
		tr := readTrail(t, comp, url.Values{"action": {"retention.run"}})
		if len(tr.Items) != 2 {
			t.Errorf("retention runs on the trail: %v", actions(tr))
		}
		if tr := readTrail(t, comp, url.Values{"action": {"retention.policy_set"}}); len(tr.Items) != 3 {
			t.Errorf("policy changes on the trail: %v", actions(tr))
		}
		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
		recs, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || !recs.OK() {
			t.Errorf("records: %+v %v", recs, err)
		}
	})
}

// Admins bound the periods; policies outside are refused and change
// nothing, as is bad input; admins set limits but not policies,
// compliance officers policies but not limits; removing a policy is
// journaled.
func TestRetentionLimitsAndBadInput(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		const pol = "/api/v1/compliance/retention/policies"
		if r := comp.Do("PUT", "/api/v1/compliance/retention/limits", map[string]any{"min_days": 1}); r.Status != http.StatusForbidden {
			t.Errorf("a compliance officer sets limits: %d", r.Status)
		}
		if r := adm.Do("PUT", pol, map[string]any{"scope": "global", "message_days": 400}); r.Status != http.StatusForbidden {
			t.Errorf("an admin sets a policy: %d", r.Status)
		}
		if r := adm.Do("PUT", "/api/v1/compliance/retention/limits", map[string]any{"min_days": 500, "max_days": 100}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("min above max: %d %s", r.Status, r.Body)
		}
		adm.Must(http.StatusOK, "PUT", "/api/v1/compliance/retention/limits", map[string]any{"min_days": 365, "max_days": 3653})
		var l compliance.Limits
		comp.Must(http.StatusOK, "GET", "/api/v1/compliance/retention/limits", nil).JSON(t, &l)
		if l.MinDays != 365 || l.MaxDays != 3653 || l.UpdatedBy != adm.ID {
			t.Errorf("limits: %+v", l)
		}
		for name, tc := range map[string]struct {
			body map[string]any
			code string
		}{
			"too short":       {map[string]any{"scope": "global", "message_days": 30}, "retention_outside_limits"},
			"too long":        {map[string]any{"scope": "global", "file_days": 4000}, "retention_outside_limits"},
			"no scope":        {map[string]any{"scope": "bogus", "message_days": 400}, ""},
			"bad kind":        {map[string]any{"scope": "kind", "target": "secret", "message_days": 400}, ""},
			"global target":   {map[string]any{"scope": "global", "target": "x", "message_days": 400}, ""},
			"unknown channel": {map[string]any{"scope": "channel", "target": "01arz3ndektsv4rrffq69g5fav", "message_days": 400}, "unknown_channel"},
			"junk channel":    {map[string]any{"scope": "channel", "target": "'; DROP TABLE messages; --", "message_days": 400}, ""},
			"nothing set":     {map[string]any{"scope": "global"}, ""},
			"negative":        {map[string]any{"scope": "global", "message_days": -1}, ""},
		} {
			r := comp.Do("PUT", pol, tc.body)
			if r.Status != http.StatusUnprocessableEntity || (tc.code != "" && r.Problem().Code != tc.code) {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		var ps struct{ Items []compliance.Policy }
		comp.Must(http.StatusOK, "GET", pol, nil).JSON(t, &ps)
		if len(ps.Items) != 0 {
			t.Fatalf("bad input made policies: %+v", ps.Items)
		}
		var p compliance.Policy
		comp.Must(http.StatusOK, "PUT", pol, map[string]any{"scope": "global", "message_days": 6 * 365}).JSON(t, &p)
		// Limits that would leave it outside are refused.
		if r := adm.Do("PUT", "/api/v1/compliance/retention/limits", map[string]any{"min_days": 365, "max_days": 1000}); r.Status != http.StatusConflict ||
			r.Problem().Code != "retention_outside_limits" {
			t.Errorf("limits leaving a policy outside: %d %s", r.Status, r.Body)
		}
		// A run cannot look from the future.
		if r := comp.Do("POST", "/api/v1/compliance/retention/run", map[string]any{"as_of": s.Clock.Now().Add(time.Hour)}); r.Status != http.StatusUnprocessableEntity ||
			r.Problem().Code != "retention_as_of_future" {
			t.Errorf("a run from the future: %d %s", r.Status, r.Body)
		}
		comp.Must(http.StatusNotFound, "DELETE", pol+"/01arz3ndektsv4rrffq69g5fav", nil)
		comp.Must(http.StatusNoContent, "DELETE", pol+"/"+p.ID, nil)
		es, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: p.ID})
		if err != nil || len(es) != 2 || es[0].Kind != string(record.RetentionPolicySet) || es[1].Kind != string(record.RetentionPolicyRemoved) {
			t.Errorf("journal of the policy: %+v %v", es, err)
		}
	})
}

// The daily job runs on the module's clock: the first tick with a policy
// runs, a tick the same day does not, a tick a day later does (and
// purges what became due in between).
func TestTheDailyRetentionJobFollowsTheClock(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ctx := context.Background()
		ann, comp := s.Person("ann"), s.Person("comp", authn.RoleCompliance)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "taeglich"}).JSON(t, &ch)
		if err := s.App.Compliance.RetentionTick(ctx); err != nil {
			t.Fatal(err)
		}
		runs := func() int { return count(t, s, `SELECT COUNT(*) FROM retention_runs`) }
		if runs() != 0 {
			t.Fatal("the job ran without any policy")
		}
		comp.Must(http.StatusOK, "PUT", "/api/v1/compliance/retention/policies", map[string]any{"scope": "global", "message_days": 2})
		var m chat.Message
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "bald weg"}).JSON(t, &m)
		tick := func() {
			t.Helper()
			if err := s.App.Compliance.RetentionTick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		tick()
		tick()
		if runs() != 1 {
			t.Errorf("%d runs on the first day, want 1", runs())
		}
		s.Clock.Advance(25 * time.Hour)
		tick()
		if runs() != 2 || count(t, s, `SELECT COUNT(*) FROM messages WHERE id = ?`, m.ID) != 1 {
			t.Errorf("day 2: %d runs, message there: %d", runs(), count(t, s, `SELECT COUNT(*) FROM messages WHERE id = ?`, m.ID))
		}
		s.Clock.Advance(25 * time.Hour)
		tick()
		if runs() != 3 || count(t, s, `SELECT COUNT(*) FROM messages WHERE id = ?`, m.ID) != 0 {
			t.Errorf("day 3: %d runs, the 2-day-old message is still there", runs())
		}
	})
}
