package compliance_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// What names the departing person; none of it may stay in the record
// outside what a legal hold keeps.
const (
	leaverName  = "annikaweber"
	leaverFull  = "Annika Weber-Sonnenschein"
	leaverEmail = "annika.weber@example.com"
)

// names returns which of the leaver's names s contains.
func names(s string) []string {
	var out []string
	for _, n := range []string{leaverName, leaverFull, leaverEmail} {
		if strings.Contains(strings.ToLower(s), strings.ToLower(n)) {
			out = append(out, n)
		}
	}
	return out
}

// GDPR erasure of a departed employee: the dry run lists what goes and
// what a hold keeps; the erasure removes exactly that (messages with every
// version, files with their bytes), leaves the held message whole,
// pseudonymises the account and the audit entries by and about her, and
// leaves the journal verifying, agreeing with the tables and with the
// audit log; afterwards no journal meta, no journal content outside the
// held message, no audit row and no account row names her.
func TestErasurePurgesContentPseudonymisesAndKeepsTheJournalVerifying(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ctx := context.Background()
		ann, bob, eve := s.Person(leaverName), s.Person("bob"), s.Person("eve")
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		adm.Must(http.StatusOK, "PATCH", "/api/v1/admin/users/"+ann.ID, map[string]any{"display_name": leaverFull, "email": leaverEmail})
		// A role change puts her on the journal by id (its content names her).
		adm.Must(http.StatusOK, "PATCH", "/api/v1/admin/users/"+ann.ID, map[string]any{"roles": []string{"admin"}})
		var open, held chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "allgemein-x", "member_ids": []string{bob.ID}}).JSON(t, &open)
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "prozess-x", "member_ids": []string{bob.ID}}).JSON(t, &held)
		var hold compliance.Hold
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "Klage Weber",
			"custodian_ids": []string{ann.ID}, "channel_ids": []string{held.ID}}).JSON(t, &hold)

		post := func(p *apptest.Person, ch string, body map[string]any) chat.Message {
			var m chat.Message
			p.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch+"/messages", body).JSON(t, &m)
			return m
		}
		var shared, draft files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=lebenslauf.txt", []byte("qqlebenslaufqq\n")).JSON(t, &shared)
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=entwurf.txt", []byte("qqentwurfqq\n")).JSON(t, &draft)
		m1 := post(ann, open.ID, map[string]any{"text": "qqerstensqq", "file_ids": []string{shared.ID}})
		m2 := post(ann, open.ID, map[string]any{"text": "qqzweitensqq"})
		ann.Must(http.StatusOK, "PATCH", "/api/v1/channels/"+open.ID+"/messages/"+m2.ID, map[string]any{"text": "qqzweitens bearbeitetqq"})
		kept := post(ann, held.ID, map[string]any{"text": "qqbeweisqq"})
		bobs := post(bob, open.ID, map[string]any{"text": "qqbobsagtqq"})
		ann.Must(http.StatusOK, "POST", "/api/v1/channels/"+open.ID+"/messages/"+bobs.ID+"/reactions", map[string]any{"emoji": "👍"})
		searchUntil(t, bob, "qqerstensqq", func(b string) bool { return strings.Contains(b, m1.ID) })

		path := "/api/v1/compliance/users/" + ann.ID + "/erasure"
		// Only compliance officers; not admins, not the person, not colleagues.
		for _, p := range []*apptest.Person{adm, ann, eve} {
			if r := p.Do("GET", path, nil); r.Status != http.StatusForbidden {
				t.Errorf("%s reads the dry run: %d", p.Username, r.Status)
			}
			if r := p.Do("POST", path, map[string]any{"reason": "x", "confirm": "x"}); r.Status != http.StatusForbidden {
				t.Errorf("%s erases: %d", p.Username, r.Status)
			}
		}
		// An active account cannot be erased: the admin disables it first.
		var plan compliance.Erasure
		comp.Must(http.StatusOK, "GET", path, nil).JSON(t, &plan)
		if plan.Blocker != "account_active" || plan.Erased {
			t.Errorf("dry run of an active account: %+v", plan)
		}
		if r := comp.Do("POST", path, map[string]any{"reason": "Art. 17", "confirm": plan.Pseudonym}); r.Status != http.StatusConflict || r.Problem().Code != "account_active" {
			t.Errorf("erasing an active account: %d %s", r.Status, r.Body)
		}
		adm.Must(http.StatusOK, "PATCH", "/api/v1/admin/users/"+ann.ID, map[string]any{"status": "disabled", "roles": []string{}})

		// The dry run: what goes and what the hold keeps.
		plan = compliance.Erasure{}
		comp.Must(http.StatusOK, "GET", path, nil).JSON(t, &plan)
		wantUser, wantName := identity.Pseudonym(ann.ID)
		if !plan.DryRun || plan.Blocker != "" || plan.Pseudonym != wantName || plan.PseudonymUsername != wantUser ||
			plan.Messages != (compliance.ErasureCount{Purged: 2, Held: 1}) || plan.Files != (compliance.ErasureCount{Purged: 2}) ||
			len(plan.HoldIDs) != 1 || plan.HoldIDs[0] != hold.ID || len(plan.HeldIDs) != 1 || plan.HeldIDs[0] != kept.ID ||
			plan.AuditEntries.Purged == 0 {
			t.Fatalf("dry run: %+v", plan)
		}
		// Bad input changes nothing.
		for name, body := range map[string]map[string]any{
			"no reason":     {"reason": " ", "confirm": plan.Pseudonym},
			"no confirm":    {"reason": "Art. 17"},
			"wrong confirm": {"reason": "Art. 17", "confirm": "Former member ffff"},
			"control char":  {"reason": "a\x00b", "confirm": plan.Pseudonym},
		} {
			if r := comp.Do("POST", path, body); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		for _, junk := range []string{"x'; DROP TABLE users; --", "01arz3ndektsv4rrffq69g5fav"} {
			if r := comp.Do("GET", "/api/v1/compliance/users/"+url.PathEscape(junk)+"/erasure", nil); r.Status != http.StatusNotFound {
				t.Errorf("dry run of %q: %d %s", junk, r.Status, r.Body)
			}
		}
		if n := count(t, s, `SELECT COUNT(*) FROM messages WHERE user_id = ?`, ann.ID); n != 3 {
			t.Fatalf("bad input changed the messages: %d", n)
		}

		var done compliance.Erasure
		comp.Must(http.StatusOK, "POST", path, map[string]any{"reason": "Art. 17 request, ticket 4711", "confirm": plan.Pseudonym}).JSON(t, &done)
		if done.DryRun || !done.Erased || done.Messages != plan.Messages || done.Files != plan.Files || done.AuditEntries != plan.AuditEntries {
			t.Errorf("erasure did not do what the dry run said: %+v vs %+v", done, plan)
		}
		if r := comp.Do("POST", path, map[string]any{"reason": "nochmal", "confirm": plan.Pseudonym}); r.Status != http.StatusConflict || r.Problem().Code != "account_erased" {
			t.Errorf("erasing twice: %d %s", r.Status, r.Body)
		}

		// Her content is gone, the held message stays whole.
		if n := count(t, s, `SELECT COUNT(*) FROM messages WHERE user_id = ?`, ann.ID); n != 1 {
			t.Errorf("%d of her messages are left, want the held one", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM message_versions WHERE message_id = ?`, m2.ID); n != 0 {
			t.Errorf("%d earlier versions are left", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM files WHERE owner_id = ?`, ann.ID); n != 0 {
			t.Errorf("%d of her files are left", n)
		}
		var page struct{ Items []chat.Message }
		bob.Must(http.StatusOK, "GET", "/api/v1/channels/"+held.ID+"/messages", nil).JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != kept.ID || page.Items[0].Text != "qqbeweisqq" {
			t.Errorf("the held message: %+v", page.Items)
		}
		bob.Must(http.StatusOK, "GET", "/api/v1/channels/"+open.ID+"/messages", nil).JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].ID != bobs.ID {
			t.Errorf("the open channel: %+v", page.Items)
		}
		if r := bob.Do("GET", "/api/v1/files/"+shared.ID+"/content", nil); r.Status != http.StatusNotFound {
			t.Errorf("her file: %d", r.Status)
		}
		searchUntil(t, bob, "qqerstensqq", func(b string) bool { return !strings.Contains(b, m1.ID) })

		// The account is a pseudonym now, and stays one.
		var prof identity.Profile
		bob.Must(http.StatusOK, "GET", "/api/v1/users/"+ann.ID, nil).JSON(t, &prof)
		if prof.Username != wantUser || prof.DisplayName != wantName || prof.Email != "" || prof.Active || prof.AvatarURL != "" {
			t.Errorf("profile after erasure: %+v", prof)
		}
		if r := adm.Do("PATCH", "/api/v1/admin/users/"+ann.ID, map[string]any{"status": "active"}); r.Status != http.StatusConflict || r.Problem().Code != "account_erased" {
			t.Errorf("enabling an erased account: %d %s", r.Status, r.Body)
		}
		if r := apitest.New(t, s.URL).Do("POST", "/api/v1/auth/login", map[string]any{"username": leaverName, "password": "password-of-" + leaverName}); r.Status != http.StatusUnauthorized {
			t.Errorf("she signs in after erasure: %d", r.Status)
		}

		// Nothing names her any more: account, audit log, journal meta and
		// the journal's content (but the held message's).
		var row string
		if err := s.App.DB.QueryRowContext(ctx, `SELECT username || ' ' || display_name || ' ' || email || ' ' || ldap_dn || ' ' || search_text FROM users WHERE id = ?`, ann.ID).Scan(&row); err != nil {
			t.Fatal(err)
		}
		if n := names(row); len(n) > 0 {
			t.Errorf("the account still names her: %v %q", n, row)
		}
		rows, err := s.App.DB.QueryContext(ctx, `SELECT id, actor_name || ' ' || details || ' ' || ip || ' ' || user_agent FROM audit_log`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, text string
			if err := rows.Scan(&id, &text); err != nil {
				t.Fatal(err)
			}
			if n := names(text); len(n) > 0 {
				t.Errorf("audit entry %s still names her: %v %s", id, n, text)
			}
		}
		rows.Close()
		rows, err = s.App.DB.QueryContext(ctx, `SELECT e.seq, e.kind, e.subject_id, e.meta, COALESCE(c.content, '') FROM journal_entries e
			LEFT JOIN journal_content c ON c.seq = e.seq ORDER BY e.seq`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var seq int64
			var kind, subject, meta string
			var content []byte
			if err := rows.Scan(&seq, &kind, &subject, &meta, &content); err != nil {
				t.Fatal(err)
			}
			if n := names(meta); len(n) > 0 {
				t.Errorf("journal entry %d (%s) names her in its meta: %v %s", seq, kind, n, meta)
			}
			if n := names(string(content)); len(n) > 0 && subject != kept.ID {
				t.Errorf("journal entry %d (%s) names her in its content: %v %s", seq, kind, n, content)
			}
			for _, gone := range []string{"qqerstensqq", "qqzweitens", "qqlebenslaufqq", "qqentwurfqq", "lebenslauf.txt"} {
				if strings.Contains(string(content), gone) {
					t.Errorf("journal entry %d (%s) keeps her content %q", seq, kind, gone)
				}
			}
		}
		rows.Close()
		if s.hasBlob(t, shared.ID) || s.hasBlob(t, draft.ID) {
			t.Errorf("her files' bytes are still in the store")
		}

		// On the record: the erasure, the dry run, who did it and why.
		tr := readTrail(t, comp, url.Values{"target_id": {ann.ID}, "action": {"user.erase"}})
		if len(tr.Items) != 1 || tr.Items[0].ActorID != comp.ID || tr.Items[0].Details["reason"] != "Art. 17 request, ticket 4711" {
			t.Errorf("trail: %+v", tr.Items)
		}
		if tr := readTrail(t, comp, url.Values{"target_id": {ann.ID}, "action": {"user.erasure_preview"}}); len(tr.Items) != 2 {
			t.Errorf("dry runs on the trail: %+v", tr.Items)
		}
		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
		recs, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || !recs.OK() {
			t.Errorf("journal and tables disagree: %+v %v", recs.Mismatches, err)
		}
		aud, err := s.App.Journal.CheckAuditTrail(ctx)
		if err != nil || !aud.OK() || aud.Purged == 0 {
			t.Errorf("journal and audit log disagree: %+v %v", aud, err)
		}
	})
}

// Officers erase the same account at once: one erases, the others are
// told it is erased (409), nobody gets a server error, and the record
// holds one erasure.
func TestConcurrentErasureErasesOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		adm := s.Person("adm", authn.RoleAdmin)
		officers := []*apptest.Person{s.Person("comp", authn.RoleCompliance), s.Person("comp2", authn.RoleCompliance),
			s.Person("comp3", authn.RoleCompliance)}
		for round := 0; round < 3; round++ {
			leaver := s.Person("weg" + string(rune('a'+round)))
			var ch chat.Channel
			leaver.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "kanal-" + leaver.Username}).JSON(t, &ch)
			for i := 0; i < 5; i++ {
				leaver.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Nachricht"})
			}
			adm.Must(http.StatusOK, "PATCH", "/api/v1/admin/users/"+leaver.ID, map[string]any{"status": "disabled"})
			_, pseudonym := identity.Pseudonym(leaver.ID)
			start := make(chan struct{})
			statuses := make(chan int, len(officers))
			for _, o := range officers {
				go func() {
					<-start
					statuses <- o.Do("POST", "/api/v1/compliance/users/"+leaver.ID+"/erasure",
						map[string]any{"reason": "Art. 17", "confirm": pseudonym}).Status
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
			tr := readTrail(t, officers[0], url.Values{"target_id": {leaver.ID}, "action": {"user.erase"}})
			if won != 1 || len(tr.Items) != 1 {
				t.Errorf("round %d: %d officers won, %d erasures on the trail", round, won, len(tr.Items))
			}
		}
	})
}
