package search

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	cjournal "github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

// serve puts the module behind the real HTTP edge. Sign-in belongs to the
// identity module; here a bearer token "user:<id>" or "admin:<id>" stands
// for a signed-in user, which is all search reads from the request.
func serve(t *testing.T, m *Module) string {
	signIn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
				role, id, _ := strings.Cut(tok, ":")
				p := &authn.Principal{UserID: id, Username: strings.TrimPrefix(id, "u-")}
				if role == "admin" {
					p.Roles = []authn.Role{authn.RoleAdmin}
				}
				r = r.WithContext(authn.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	}
	s := httpapi.New(httpapi.Options{Log: logtest.New(t), Middleware: []func(http.Handler) http.Handler{signIn}})
	m.Register(s.API())
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestSearchOverHTTP(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	id := f.post(ch, ann, "Die Häuser an der Straße")
	f.sync()
	base := serve(t, f.m)
	c := apitest.New(t, base)
	c.Bearer = "user:" + ann

	var res Results
	c.Must(http.StatusOK, http.MethodGet, "/api/v1/search?q="+url.QueryEscape("haus in:~general")+"&sort=newest&per_page=5", nil).JSON(t, &res)
	if res.Total != 1 || len(res.Items) != 1 || res.Items[0].ID != id || res.Items[0].Snippet != "Die <mark>Häuser</mark> an der Straße" || res.PerPage != 5 {
		t.Fatalf("results %+v", res)
	}

	for _, tc := range []struct {
		name, query string
		status      int
		want        string // in the problem detail
	}{
		// A query that does not parse is a malformed request (400); a
		// well-formed one naming what does not exist is unprocessable (422).
		{"unbalanced quote", "q=" + url.QueryEscape(`"an der`), 400, "unbalanced quotation mark"},
		{"unknown operator", "q=" + url.QueryEscape("title:Haus"), 400, "unknown operator title:"},
		{"injection", "q=" + url.QueryEscape("+channel_id:*"), 400, "unknown operator channel_id:"},
		{"impossible date", "q=" + url.QueryEscape("haus before:2026-02-30"), 400, "there is no such day"},
		{"operators without values", "q=" + url.QueryEscape("from: in:"), 400, "from: needs a value"},
		{"only exclusions", "q=" + url.QueryEscape("-haus"), 400, "only leaves words out"},
		{"only punctuation", "q=" + url.QueryEscape("!!! ??"), 400, "nothing to search for"},
		{"10,000 characters", "q=" + strings.Repeat("a", 10000), 422, "expected length <= 1000"},
		{"missing q", "", 422, "required query parameter is missing"},
		{"unknown user", "q=" + url.QueryEscape("from:@nobody"), 422, "there is no user with that name"},
		{"unknown time zone", "q=haus&tz=Mars/Olympus", 422, "not a known time zone"},
		{"page 0", "q=haus&page=0", 422, "expected number >= 1"},
		{"page too far", "q=haus&page=101", 422, "expected number <= 100"},
		{"per_page too big", "q=haus&per_page=1000", 422, "expected number <= 100"},
		{"unknown sort", "q=haus&sort=oldest", 422, "expected value to be one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Do(http.MethodGet, "/api/v1/search?"+tc.query, nil)
			p := r.Problem()
			text := p.Detail
			for _, e := range p.Errors {
				text += " | " + e.Message
			}
			if r.Status != tc.status || !strings.Contains(text, tc.want) {
				t.Errorf("status %d, problem %q; want %d saying %q", r.Status, text, tc.status, tc.want)
			}
		})
	}

	anon := apitest.New(t, base)
	if r := anon.Do(http.MethodGet, "/api/v1/search?q=haus", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("signed out: status %d", r.Status)
	}
}

func TestIndexAdminOverHTTP(t *testing.T) {
	f := newFixture(t)
	d := dbtest.SQLite(t)
	f.m.db = d
	j, err := cjournal.New(d, cjournal.Options{Log: logtest.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	f.m.audit = audit.New(j)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	f.post(ch, ann, "Wartung")
	f.sync()
	base := serve(t, f.m)

	member := apitest.New(t, base)
	member.Bearer = "user:" + ann
	member.Must(http.StatusForbidden, http.MethodGet, "/api/v1/search/index", nil)
	member.Must(http.StatusForbidden, http.MethodPost, "/api/v1/search/index/rebuild", nil)

	admin := apitest.New(t, base)
	admin.Bearer = "admin:u-root"
	var st IndexStatus
	admin.Must(http.StatusOK, http.MethodGet, "/api/v1/search/index", nil).JSON(t, &st)
	if st.Cursor != 1 || st.Documents != 1 || st.Reindex.Running {
		t.Errorf("status %+v", st)
	}
	admin.Must(http.StatusAccepted, http.MethodPost, "/api/v1/search/index/rebuild", nil).JSON(t, &st)
	if st.Reindex.StartedAt == nil {
		t.Errorf("rebuild status %+v", st)
	}
	waitFor(t, func() bool {
		admin.Must(http.StatusOK, http.MethodGet, "/api/v1/search/index", nil).JSON(t, &st)
		return !st.Reindex.Running
	})
	if st.Reindex.Error != "" || st.Reindex.FinishedAt == nil || st.Documents != 1 || st.Reindex.Progress.Seq != 1 {
		t.Errorf("after the rebuild: %+v", st)
	}
	entries, err := audit.List(context.Background(), d, audit.Filter{Action: "search.reindex"})
	if err != nil || len(entries) != 1 || entries[0].ActorID != "u-root" {
		t.Errorf("audit: %v %+v", err, entries)
	}
}
