package compliance_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

type trail struct {
	Items []audit.Entry `json:"items"`
	Next  int64         `json:"next"`
}

func readTrail(t *testing.T, p *apptest.Person, query url.Values) trail {
	t.Helper()
	var tr trail
	p.Must(http.StatusOK, "GET", "/api/v1/compliance/audit-trail?"+query.Encode(), nil).JSON(t, &tr)
	return tr
}

func actions(tr trail) []string {
	var out []string
	for _, e := range tr.Items {
		out = append(out, e.Action)
	}
	return out
}

// What a compliance officer must find on the trail: sign-ins, failed
// sign-ins, sign-outs, token creation and revocation, session revocation,
// role changes; each also a journal entry; filters by who, what and when.
func TestTheAuditTrailHoldsSignInsSessionsTokensAndRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		comp := s.Person("comp", authn.RoleCompliance)
		adm := s.Person("adm", authn.RoleAdmin)
		ann := s.Person("ann") // a sign-in

		// A wrong password, and a name that has no account (typed by
		// someone who put a password into the username field).
		anon := apitest.New(t, s.URL)
		if r := anon.Do("POST", "/api/v1/auth/login", map[string]any{"username": "ann", "password": "wrong-password-1"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", r.Status)
		}
		if r := anon.Do("POST", "/api/v1/auth/login", map[string]any{"username": "Geheim-Passwort-99", "password": "x-password"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("unknown user: %d", r.Status)
		}
		var tok struct{ ID string }
		ann.Must(http.StatusCreated, "POST", "/api/v1/auth/tokens", map[string]any{"name": "skript"}).JSON(t, &tok)
		ann.Must(http.StatusNoContent, "DELETE", "/api/v1/auth/tokens/"+tok.ID, nil)
		second := apitest.New(t, s.URL)
		second.Login("ann", "password-of-ann")
		var sessions struct {
			Items []struct {
				ID      string
				Current bool
			}
		}
		ann.Must(http.StatusOK, "GET", "/api/v1/auth/sessions", nil).JSON(t, &sessions)
		for _, ss := range sessions.Items {
			if !ss.Current {
				ann.Must(http.StatusNoContent, "DELETE", "/api/v1/auth/sessions/"+ss.ID, nil)
			}
		}
		adm.Must(http.StatusOK, "PATCH", "/api/v1/admin/users/"+ann.ID, map[string]any{"roles": []string{"admin"}})
		ann.Must(http.StatusNoContent, "POST", "/api/v1/auth/logout", nil)

		mine := readTrail(t, comp, url.Values{"actor_id": {ann.ID}, "limit": {"100"}})
		for _, want := range []string{"auth.sign_in", "auth.token_create", "auth.token_revoke", "auth.session_revoke", "auth.sign_out"} {
			if !strings.Contains(strings.Join(actions(mine), " "), want) {
				t.Errorf("ann's trail lacks %s: %v", want, actions(mine))
			}
		}
		for _, e := range mine.Items {
			if e.ActorID != ann.ID {
				t.Errorf("filter by actor let through %+v", e)
			}
		}
		failed := readTrail(t, comp, url.Values{"action": {"auth.sign_in_failed"}})
		if len(failed.Items) != 2 {
			t.Fatalf("failed sign-ins: %+v", failed.Items)
		}
		var annFail, unknownFail bool
		for _, e := range failed.Items {
			switch e.TargetID {
			case ann.ID:
				annFail = e.Details["reason"] == "wrong password"
			case "":
				unknownFail = e.Details["reason"] == "unknown user"
			}
			if strings.Contains(string(mustJSON(t, e)), "Geheim-Passwort-99") {
				t.Errorf("the trail keeps what was typed as an unknown username: %+v", e)
			}
		}
		if !annFail || !unknownFail {
			t.Errorf("failed sign-ins: %+v", failed.Items)
		}
		roles := readTrail(t, comp, url.Values{"action": {"user.set_roles"}, "target_id": {ann.ID}})
		if len(roles.Items) != 1 || roles.Items[0].ActorID != adm.ID {
			t.Errorf("role change: %+v", roles.Items)
		}
		// When: nothing before the test began, nothing after now.
		if tr := readTrail(t, comp, url.Values{"until": {time.Now().Add(-time.Hour).Format(time.RFC3339)}}); len(tr.Items) != 0 {
			t.Errorf("entries before the test: %+v", tr.Items)
		}
		if tr := readTrail(t, comp, url.Values{"since": {time.Now().Add(time.Hour).Format(time.RFC3339)}}); len(tr.Items) != 0 {
			t.Errorf("entries after now: %+v", tr.Items)
		}
		r := comp.Do("GET", "/api/v1/compliance/audit-trail?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", nil)
		if r.Status != http.StatusUnprocessableEntity || r.Problem().Code != "bad_time_range" {
			t.Errorf("until before since: %d %s", r.Status, r.Body)
		}

		// Every entry of the trail is an entry of the journal that commits
		// to it.
		all, err := audit.List(context.Background(), s.App.DB, audit.Filter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			js, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: e.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(js) != 1 || js[0].Kind != "audit.recorded" || js[0].Meta["action"] != e.Action || js[0].ActorID != e.ActorID {
				t.Errorf("audit entry %s (%s) has no journal entry: %+v", e.ID, e.Action, js)
			}
		}
		rep, err := s.App.Journal.Verify(context.Background(), nil)
		if err != nil || !rep.OK() {
			t.Errorf("the journal does not verify: %+v %v", rep, err)
		}

		// Admins read it too; members do not.
		readTrail(t, adm, url.Values{})
		ann2 := s.Person("bea")
		if r := ann2.Do("GET", "/api/v1/compliance/audit-trail", nil); r.Status != http.StatusForbidden {
			t.Errorf("a member reads the trail: %d", r.Status)
		}
	})
}

func mustJSON(t *testing.T, e audit.Entry) []byte {
	t.Helper()
	return []byte(strings.Join([]string{e.ActorName, e.TargetID, e.UserAgent, func() string {
		var b strings.Builder
		for k, v := range e.Details {
			b.WriteString(k)
			b.WriteString("=")
			if s, ok := v.(string); ok {
				b.WriteString(s)
			}
		}
		return b.String()
	}()}, "|"))
}

// The CSV export holds the filtered trail, neutralises spreadsheet
// formulas, and is itself on the trail.
func TestTheAuditTrailExportsAsCSV(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		comp := s.Person("comp", authn.RoleCompliance)
		anon := apitest.New(t, s.URL)
		anon.Headers = map[string]string{"User-Agent": "=HYPERLINK(\"http://evil\")"}
		anon.Do("POST", "/api/v1/auth/login", map[string]any{"username": "comp", "password": "wrong-password-1"})

		r := comp.Must(http.StatusOK, "GET", "/api/v1/compliance/audit-trail/export?action=auth.sign_in_failed", nil)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][5] != "action" || rows[1][5] != "auth.sign_in_failed" || rows[1][7] != comp.ID {
			t.Fatalf("csv: %q", rows)
		}
		if ua := rows[1][10]; !strings.HasPrefix(ua, "'=") {
			t.Errorf("a formula in the user agent reaches the spreadsheet as %q", ua)
		}
		exp := readTrail(t, comp, url.Values{"action": {"audit.export"}})
		if len(exp.Items) != 1 || exp.Items[0].ActorID != comp.ID || exp.Items[0].Details["action"] != "auth.sign_in_failed" {
			t.Errorf("the export is not on the trail: %+v", exp.Items)
		}
		eve := s.Person("eve")
		if r := eve.Do("GET", "/api/v1/compliance/audit-trail/export", nil); r.Status != http.StatusForbidden {
			t.Errorf("a member exports the trail: %d", r.Status)
		}
	})
}
