package compliance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// caughtUp brings both indexes up to the journal's end now, so that what
// a test asserts next does not depend on the indexers' timing.
func caughtUp(t *testing.T, s *apptest.Stack) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.App.Discovery.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Search.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

func discover(t *testing.T, p *apptest.Person, body map[string]any) compliance.DiscoveryResults {
	t.Helper()
	var r compliance.DiscoveryResults
	p.Must(http.StatusOK, "POST", "/api/v1/compliance/ediscovery/search", body).JSON(t, &r)
	return r
}

// auditOf reads the audit trail entries of action by actor, newest first.
func auditOf(t *testing.T, p *apptest.Person, actorID, action string) []audit.Entry {
	t.Helper()
	var out struct {
		Items []audit.Entry `json:"items"`
	}
	p.Must(http.StatusOK, "GET", "/api/v1/compliance/audit-trail?actor_id="+actorID+"&action="+action, nil).JSON(t, &out)
	return out.Items
}

// The "done when", e-discovery part: a compliance officer who is
// in none of the conversations finds every message of one custodian
// about a subject across a private channel and a DM — the edited one in
// both versions, the deleted one, the moderated one — and nothing of
// anyone else; members' search shows none of what was deleted or
// replaced; she opens the conversation around a hit, read-only; and she
// sees her own searches and readings in the audit trail.
func TestComplianceOfficerFindsACustodiansMessagesAcrossConversations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, carl := s.Person("ann"), s.Person("bob"), s.Person("carl")
		comp := s.Person("comp", authn.RoleCompliance)
		var sales, dm chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "vertrieb", "private": true,
			"member_ids": []string{bob.ID}}).JSON(t, &sales)
		ann.Must(http.StatusOK, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{carl.ID}}).JSON(t, &dm)
		post := func(p *apptest.Person, ch, text string) chat.Message {
			var m chat.Message
			p.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch+"/messages", map[string]any{"text": text}).JSON(t, &m)
			return m
		}
		before := post(bob, sales.ID, "Guten Morgen")
		edited := post(ann, sales.ID, "Angebot Müller: 15 Prozent Rabatt")
		ann.Must(http.StatusOK, "PATCH", "/api/v1/channels/"+sales.ID+"/messages/"+edited.ID, map[string]any{"text": "Angebot Müller: 12 Prozent Rabatt"})
		deleted := post(ann, sales.ID, "Angebot Müller bitte nicht weitersagen")
		ann.Must(http.StatusNoContent, "DELETE", "/api/v1/channels/"+sales.ID+"/messages/"+deleted.ID, nil)
		post(bob, sales.ID, "Angebot Müller von Bob") // another custodian
		post(ann, sales.ID, "Mittagessen?")           // another subject
		private := post(ann, dm.ID, "Angebot Müller unter uns")
		taken := post(ann, dm.ID, "Angebot Müller Passwort hunter2")
		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/messages/"+taken.ID+"/moderate", map[string]any{"reason": "Passwort"})
		caughtUp(t, s)

		// She is in neither conversation.
		for _, ch := range []string{sales.ID, dm.ID} {
			if r := comp.Do("GET", "/api/v1/channels/"+ch+"/messages", nil); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
				t.Fatalf("the officer reads %s as a member would: %d", ch, r.Status)
			}
		}

		res := discover(t, comp, map[string]any{"query": "Angebot", "filters": map[string]any{"custodian_ids": []string{ann.ID}}, "sort": "oldest"})
		type seen struct {
			id, channel, state, text string
			version                  int
		}
		var got []seen
		for _, h := range res.Items {
			if h.AuthorID != ann.ID || h.AuthorUsername != "ann" || h.Kind != "message" || h.At.IsZero() || h.Seq == 0 {
				t.Errorf("hit %+v", h)
			}
			got = append(got, seen{h.MessageID, h.ChannelID, h.State, h.Text, h.Version})
		}
		want := []seen{
			{edited.ID, sales.ID, "edited", "Angebot Müller: 15 Prozent Rabatt", 1},
			{edited.ID, sales.ID, "edited", "Angebot Müller: 12 Prozent Rabatt", 2},
			{deleted.ID, sales.ID, "deleted", "Angebot Müller bitte nicht weitersagen", 1},
			{private.ID, dm.ID, "live", "Angebot Müller unter uns", 1},
			{taken.ID, dm.ID, "moderated", "Angebot Müller Passwort hunter2", 1},
		}
		if res.Total != uint64(len(want)) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("found %d:\n%v\nwant:\n%v", res.Total, got, want)
		}
		if res.Items[0].ChannelName != "vertrieb" || res.Items[0].Versions != 2 || res.Indexed != res.Head {
			t.Errorf("first hit %+v, index %d of %d", res.Items[0], res.Indexed, res.Head)
		}

		// The query language works too: from:, in:, a phrase, filters by state.
		for _, tc := range []struct {
			name string
			body map[string]any
			want []string
		}{
			{"from and in", map[string]any{"query": "from:@ann in:~vertrieb Müller"}, []string{edited.ID, edited.ID, deleted.ID}},
			{"phrase", map[string]any{"query": `"12 Prozent"`}, []string{edited.ID}},
			{"deleted only", map[string]any{"query": "Angebot", "filters": map[string]any{"states": []string{"deleted", "moderated"}}}, []string{deleted.ID, taken.ID}},
			{"channel filter", map[string]any{"filters": map[string]any{"channel_ids": []string{dm.ID}}}, []string{private.ID, taken.ID}},
			{"excluded", map[string]any{"query": "Angebot -Rabatt", "filters": map[string]any{"custodian_ids": []string{ann.ID}}}, []string{deleted.ID, private.ID, taken.ID}},
		} {
			tc.body["sort"] = "oldest"
			r := discover(t, comp, tc.body)
			var ids []string
			for _, h := range r.Items {
				ids = append(ids, h.MessageID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
			}
		}

		// Members' search does not start returning what was deleted or replaced.
		for q, gone := range map[string]string{"weitersagen": deleted.ID, "15": edited.ID + "15"} {
			r := bob.Must(http.StatusOK, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil)
			if strings.Contains(string(r.Body), "weitersagen") || strings.Contains(string(r.Body), "15 Prozent") {
				t.Errorf("a member's search for %q shows what is gone (%s): %s", q, gone, r.Body)
			}
		}

		// The conversation around the deleted message, read-only.
		var conv compliance.Conversation
		comp.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/compliance/ediscovery/channels/%s/conversation?around=%d&before=2&after=1",
			sales.ID, res.Items[2].Seq), nil).JSON(t, &conv)
		var lines []string
		for _, m := range conv.Items {
			var vs []string
			for _, v := range m.Versions {
				vs = append(vs, fmt.Sprintf("v%d:%s", v.Version, v.Text))
			}
			lines = append(lines, fmt.Sprintf("%s %s %v %s", m.AuthorUsername, m.State, m.Anchor, strings.Join(vs, " | ")))
		}
		wantLines := []string{
			"bob live false v1:Guten Morgen",
			"ann edited false v1:Angebot Müller: 15 Prozent Rabatt | v2:Angebot Müller: 12 Prozent Rabatt",
			"ann deleted true v1:Angebot Müller bitte nicht weitersagen",
			"bob live false v1:Angebot Müller von Bob",
		}
		if conv.ChannelName != "vertrieb" || strings.Join(lines, "\n") != strings.Join(wantLines, "\n") || conv.MoreBefore || !conv.MoreAfter {
			t.Errorf("conversation (more before %v, after %v):\n%s\nwant:\n%s", conv.MoreBefore, conv.MoreAfter,
				strings.Join(lines, "\n"), strings.Join(wantLines, "\n"))
		}
		if conv.Items[2].EndedBy != ann.ID || conv.Items[2].EndedAt == nil || conv.Items[0].MessageID != before.ID {
			t.Errorf("the deletion is not marked with who and when: %+v", conv.Items[2])
		}

		// Her own searches and readings are on the audit trail, with the
		// query, the filters and the hit count, the channel and the window.
		searches := auditOf(t, comp, comp.ID, "ediscovery.search")
		if len(searches) != 6 {
			t.Fatalf("%d searches on the trail, want 6", len(searches))
		}
		first := searches[len(searches)-1]
		if first.Details["query"] != "Angebot" || first.Details["hits"] != float64(5) || first.ActorName != "comp" ||
			!strings.Contains(fmt.Sprint(first.Details["filters"]), ann.ID) {
			t.Errorf("the first search on the trail: %+v", first)
		}
		opens := auditOf(t, comp, comp.ID, "ediscovery.open")
		if len(opens) != 1 || opens[0].TargetID != sales.ID || opens[0].Details["messages"] != float64(4) ||
			opens[0].Details["from_seq"] != float64(conv.Items[0].Seq) {
			t.Errorf("the opening on the trail: %+v", opens)
		}
	})
}

// Every compliance read — a search, opening a conversation, downloading a
// file (a live one, and a deleted one while its bytes exist) — is on the
// audit trail and in the journal before its answer is sent, and a
// download of bytes that are gone says so and is not a read.
func TestEveryComplianceReadAppearsInTheAuditTrail(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		ann, bob := s.Person("ann"), s.Person("bob")
		comp := s.Person("comp", authn.RoleCompliance)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "einkauf", "private": true,
			"member_ids": []string{bob.ID}}).JSON(t, &ch)
		var f, gone files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=vertrag.txt", []byte("Vertragsentwurf Kaufpreis 4242\n")).JSON(t, &f)
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=alt.txt", []byte("alte Fassung\n")).JSON(t, &gone)
		var m chat.Message
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Der Vertrag",
			"file_ids": []string{f.ID, gone.ID}}).JSON(t, &m)
		ann.Must(http.StatusNoContent, "DELETE", "/api/v1/files/"+gone.ID, nil)
		caughtUp(t, s)

		res := discover(t, comp, map[string]any{"query": "Kaufpreis"})
		if res.Total != 1 || res.Items[0].Kind != "file" || res.Items[0].FileID != f.ID || res.Items[0].FileName != "vertrag.txt" ||
			res.Items[0].MessageID != m.ID || res.Items[0].FileSHA256 != f.SHA256 {
			t.Fatalf("the file's text is not found: %+v", res)
		}
		if r := discover(t, comp, map[string]any{"query": "alt.txt"}); r.Total != 1 || r.Items[0].State != "deleted" {
			t.Errorf("the deleted file by name: %+v", r.Items)
		}
		var conv compliance.Conversation
		comp.Must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/compliance/ediscovery/channels/%s/conversation?around=%d", ch.ID, res.Items[0].Seq),
			nil).JSON(t, &conv)
		if len(conv.Items) != 1 || len(conv.Items[0].Files) != 2 || conv.Items[0].Files[0].FileID != f.ID || conv.Items[0].Files[1].State != "deleted" {
			t.Errorf("the conversation with its files: %+v", conv.Items)
		}
		r := comp.Must(http.StatusOK, "GET", "/api/v1/compliance/ediscovery/files/"+f.ID+"/content", nil)
		if string(r.Body) != "Vertragsentwurf Kaufpreis 4242\n" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") ||
			r.Header.Get("X-Kontor-SHA256") != f.SHA256 {
			t.Errorf("download: %q %v", r.Body, r.Header)
		}
		// The deleted file's bytes were discarded with it: 410, no read.
		if r := comp.Do("GET", "/api/v1/compliance/ediscovery/files/"+gone.ID+"/content", nil); r.Status != http.StatusGone ||
			r.Problem().Code != "file_deleted" {
			t.Errorf("download of a deleted file without bytes: %d %s", r.Status, r.Body)
		}

		want := map[string]string{"ediscovery.search": "", "ediscovery.open": ch.ID, "ediscovery.download": f.ID}
		for action, target := range want {
			es := auditOf(t, comp, comp.ID, action)
			n := 1
			if action == "ediscovery.search" {
				n = 2
			}
			if len(es) != n || es[0].TargetID != target || es[0].ActorID != comp.ID {
				t.Errorf("%s on the trail: %+v", action, es)
			}
		}
		// ... and each is a journal entry too.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		onRecord := map[string]int{}
		for _, e := range es {
			if e.Kind == "audit.recorded" && e.ActorID == comp.ID {
				onRecord[e.Meta["action"]]++
			}
		}
		if onRecord["ediscovery.search"] != 2 || onRecord["ediscovery.open"] != 1 || onRecord["ediscovery.download"] != 1 {
			t.Errorf("compliance reads in the journal: %v", onRecord)
		}
		if rep, err := s.App.Journal.Verify(ctx, nil); err != nil || rep.FirstBroken != 0 {
			t.Errorf("the journal does not verify: %v %+v", err, rep)
		}
	})
}

// What the record no longer holds, e-discovery no longer finds: a purge
// drops the hit at once (the desk reads hits back from the journal) and
// from the index when it catches up.
func TestPurgedContentLeavesEDiscovery(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		ann := s.Person("ann")
		comp := s.Person("comp", authn.RoleCompliance)
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "archiv"}).JSON(t, &ch)
		var keep, purge chat.Message
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Altlast bleibt"}).JSON(t, &keep)
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Altlast verjährt"}).JSON(t, &purge)
		ann.Must(http.StatusOK, "PATCH", "/api/v1/channels/"+ch.ID+"/messages/"+purge.ID, map[string]any{"text": "Altlast verjährt, korrigiert"})
		caughtUp(t, s)
		if r := discover(t, comp, map[string]any{"query": "Altlast"}); r.Total != 3 {
			t.Fatalf("before the purge: %+v", r)
		}
		err := s.App.DB.WithTx(ctx, func(tx *db.Tx) error {
			return s.App.Journal.PurgeSubject(ctx, tx, purge.ID, "", "retention")
		})
		if err != nil {
			t.Fatal(err)
		}
		// Not caught up yet: the index still has it, the desk drops it.
		r := discover(t, comp, map[string]any{"query": "Altlast"})
		if len(r.Items) != 1 || r.Items[0].MessageID != keep.ID {
			t.Errorf("purged versions are shown before the index caught up: %+v", r.Items)
		}
		caughtUp(t, s)
		r = discover(t, comp, map[string]any{"query": "verjährt"})
		if r.Total != 0 || len(r.Items) != 0 {
			t.Errorf("the index still finds purged content: %+v", r)
		}
		var conv compliance.Conversation
		comp.Must(http.StatusOK, "GET", "/api/v1/compliance/ediscovery/channels/"+ch.ID+"/conversation", nil).JSON(t, &conv)
		if len(conv.Items) != 2 || len(conv.Items[1].Versions) != 2 || !conv.Items[1].Versions[0].Purged || conv.Items[1].Versions[1].Text != "" {
			t.Errorf("the conversation shows purged text or hides that it existed: %+v", conv.Items)
		}

		// Retention's batch purge (one tombstone for many messages): what
		// it purged goes, what a legal hold kept stays findable.
		bob := s.Person("bob")
		bob.Must(http.StatusOK, "POST", "/api/v1/channels/"+ch.ID+"/join", nil)
		var old, held chat.Message
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Frist abgelaufen"}).JSON(t, &old)
		bob.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Frist gehalten"}).JSON(t, &held)
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "M-1", "custodian_ids": []string{bob.ID}})
		caughtUp(t, s)
		err = s.App.DB.WithTx(ctx, func(tx *db.Tx) error {
			_, err := s.App.Compliance.PurgeContent(ctx, tx, compliance.Purge{Kind: record.RetentionPurged, Reason: "retention",
				Messages: []string{old.ID, held.ID}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		caughtUp(t, s)
		r = discover(t, comp, map[string]any{"query": "Frist"})
		if r.Total != 1 || len(r.Items) != 1 || r.Items[0].MessageID != held.ID {
			t.Errorf("after retention's batch purge: %+v", r)
		}
	})
}

// A rebuilt index finds what the old one found.
func TestEDiscoveryRebuildsFromTheJournal(t *testing.T) {
	s := apptest.New(t, "")
	ann := s.Person("ann")
	comp := s.Person("comp", authn.RoleCompliance)
	var ch chat.Channel
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "neu"}).JSON(t, &ch)
	var m chat.Message
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Wiederaufbau eins"}).JSON(t, &m)
	ann.Must(http.StatusNoContent, "DELETE", "/api/v1/channels/"+ch.ID+"/messages/"+m.ID, nil)
	caughtUp(t, s)
	if err := s.App.Discovery.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := discover(t, comp, map[string]any{"query": "Wiederaufbau"})
	if r.Total != 1 || r.Items[0].State != "deleted" || r.Indexed != r.Head {
		t.Errorf("after a rebuild: %+v", r)
	}
}

// Saved searches: per matter, on the record, and bad input changes nothing.
func TestSavedSearchesPerMatter(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		ann := s.Person("ann")
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		base := "/api/v1/compliance/ediscovery/saved-searches"
		var a, b compliance.SavedSearch
		comp.Must(http.StatusCreated, "POST", base, map[string]any{"matter": "Müller ./. Kontor", "name": "Angebote",
			"query": "Angebot from:@ann", "filters": map[string]any{"custodian_ids": []string{ann.ID}, "states": []string{"deleted"}}}).JSON(t, &a)
		comp.Must(http.StatusCreated, "POST", base, map[string]any{"matter": "Andere Sache", "name": "Alles von ann",
			"filters": map[string]any{"custodian_ids": []string{ann.ID}}}).JSON(t, &b)
		if a.Sort != "newest" || a.CreatedBy != comp.ID || len(a.Filters.CustodianIDs) != 1 || a.Filters.States[0] != "deleted" {
			t.Errorf("saved: %+v", a)
		}
		var list struct {
			Items []compliance.SavedSearch `json:"items"`
		}
		comp.Must(http.StatusOK, "GET", base+"?matter="+url.QueryEscape("Müller ./. Kontor"), nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != a.ID || list.Items[0].Query != "Angebot from:@ann" {
			t.Errorf("list by matter: %+v", list.Items)
		}
		var got compliance.SavedSearch
		comp.Must(http.StatusOK, "GET", base+"/"+a.ID, nil).JSON(t, &got)
		if got.Filters.CustodianIDs[0] != ann.ID || got.Matter != a.Matter {
			t.Errorf("get: %+v", got)
		}

		// Bad input: a problem with a stable code, nothing saved.
		for _, tc := range []struct {
			name string
			body map[string]any
			code string
		}{
			{"no matter", map[string]any{"matter": " ", "name": "x", "query": "x"}, ""},
			{"query does not parse", map[string]any{"matter": "m", "name": "x", "query": `"offen`}, "bad_query"},
			{"nothing to find", map[string]any{"matter": "m", "name": "x"}, "bad_query"},
			{"unknown user", map[string]any{"matter": "m", "name": "x", "query": "from:@niemand"}, "unknown_user"},
			{"backwards time", map[string]any{"matter": "m", "name": "x", "query": "x", "filters": map[string]any{
				"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}}, "bad_time_range"},
			{"junk custodian", map[string]any{"matter": "m", "name": "x", "query": "x", "filters": map[string]any{"custodian_ids": []string{"x'--"}}}, ""},
			{"unknown state", map[string]any{"matter": "m", "name": "x", "query": "x", "filters": map[string]any{"states": []string{"gone"}}}, ""},
		} {
			r := comp.Do("POST", base, tc.body)
			if r.Status < 400 || r.Status >= 500 || r.Header.Get("Content-Type") != "application/problem+json" ||
				(tc.code != "" && r.Problem().Code != tc.code) {
				t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			}
		}
		// The same checks guard the search itself.
		for _, q := range []map[string]any{{"query": `"offen`}, {"query": "in:@ann x"}, {}, {"query": "x", "limit": 500}} {
			if r := comp.Do("POST", "/api/v1/compliance/ediscovery/search", q); r.Status < 400 || r.Status >= 500 {
				t.Errorf("search %v: %d %s", q, r.Status, r.Body)
			}
		}
		comp.Must(http.StatusOK, "GET", base, nil).JSON(t, &list)
		if len(list.Items) != 2 {
			t.Errorf("bad input saved something: %+v", list.Items)
		}

		// Only compliance officers: not admins, not the custodian.
		for _, p := range []*apptest.Person{ann, adm} {
			for _, c := range []struct{ method, path string }{{"GET", base}, {"GET", base + "/" + a.ID}, {"DELETE", base + "/" + a.ID}} {
				if r := p.Do(c.method, c.path, nil); r.Status != http.StatusForbidden || strings.Contains(string(r.Body), "Angebot") {
					t.Errorf("%s %s %s: %d %s", p.Username, c.method, c.path, r.Status, r.Body)
				}
			}
		}

		comp.Must(http.StatusNoContent, "DELETE", base+"/"+a.ID, nil)
		if r := comp.Do("GET", base+"/"+a.ID, nil); r.Status != http.StatusNotFound || r.Problem().Code != "saved_search_not_found" {
			t.Errorf("after delete: %d %s", r.Status, r.Body)
		}
		if r := comp.Do("DELETE", base+"/"+a.ID, nil); r.Status != http.StatusNotFound {
			t.Errorf("second delete: %d", r.Status)
		}
		// On the record: both saves and the deletion, with what was saved.
		es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 || es[0].Kind != "saved_search.created" || es[1].Kind != "saved_search.deleted" || es[0].Meta["matter"] != a.Matter {
			t.Fatalf("journal: %+v", es)
		}
		var onRecord compliance.SavedSearch
		if err := json.Unmarshal(es[0].Content, &onRecord); err != nil || onRecord.Query != a.Query || onRecord.Filters.CustodianIDs[0] != ann.ID {
			t.Errorf("the journal's copy: %+v %v", onRecord, err)
		}
		for _, action := range []string{"ediscovery.saved_search.create", "ediscovery.saved_search.delete"} {
			if es := auditOf(t, comp, comp.ID, action); len(es) == 0 {
				t.Errorf("%s is not on the audit trail", action)
			}
		}
	})
}
