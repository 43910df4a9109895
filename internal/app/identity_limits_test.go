package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// Two whole stacks on one PostgreSQL (two nodes of a cluster) count the
// same failures, also when the guesses arrive at both at once.
func TestSimultaneousGuessesOnTwoNodesStopAtTheLimit(t *testing.T) {
	url := dbtest.PostgresURL(t)
	five := func(c *app.Config) { c.Identity.LoginMaxFailures = 5 }
	a := apptest.NewWith(t, url, five)
	b := apptest.NewWith(t, url, five)
	a.Person("victim")
	nodes := []string{a.URL, b.URL}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 200}}
	defer client.CloseIdleConnections()
	const n = 150
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		pw := "guess-" + strconv.Itoa(i)
		if i == n-1 {
			pw = "password-of-victim"
		}
		body, _ := json.Marshal(map[string]string{"username": "victim", "password": pw})
		req, err := http.NewRequest("POST", nodes[i%2]+"/api/v1/auth/login", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := client.Do(req)
			if err != nil {
				return // status 0: counted below as neither checked nor refused
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	// At most five wrong passwords are checked; the right one signs in only
	// if it came before the limit was reached.
	if count[401] > 5 || count[200] > 1 || count[401]+count[200]+count[429] != n {
		t.Fatalf("%d simultaneous guesses over two nodes (limit 5): %v", n, count)
	}
	t.Logf("%d simultaneous guesses over two nodes: %v (the right one: %d)", n, count, statuses[n-1])
}

// A made-up bearer token or session cookie is refused after the API rate
// limit has counted the request, not before: guessing tokens is as slow
// as anything else, and signed-in people are not slowed by it.
func TestMadeUpCredentialsAreRateLimited(t *testing.T) {
	for _, url := range []string{"", dbtest.PostgresURL(t)} {
		t.Run(map[bool]string{true: "sqlite", false: "postgres"}[url == ""], func(t *testing.T) {
			// A bucket of 5 that (practically) never refills.
			s := apptest.NewWith(t, url, func(c *app.Config) { c.RateLimit, c.RateBurst = 0.0001, 5 })
			p := s.Person("ann")
			for _, tc := range []struct {
				name string
				set  func(c *apitest.Client, i int)
			}{
				{"bearer", func(c *apitest.Client, i int) { c.Bearer = "kt_made-up-token-number-" + strconv.Itoa(i) }},
				{"cookie", func(c *apitest.Client, i int) {
					c.Headers["Cookie"] = "kontor_session=ks_made-up-session-" + strconv.Itoa(i)
				}},
			} {
				limited := 0
				for i := range 12 {
					c := apitest.New(t, s.URL)
					tc.set(c, i)
					switch r := c.Do("GET", "/api/v1/users/me", nil); r.Status {
					case 429:
						limited++
					case 401:
					default:
						t.Fatalf("%s %d: %d %s", tc.name, i, r.Status, r.Body)
					}
				}
				if limited == 0 {
					t.Fatalf("12 requests with made-up %s credentials from one address, burst 5: none was rate limited", tc.name)
				}
			}
			// The person signed in is counted apart (by who they are).
			p.Must(200, "GET", "/api/v1/users/me", nil)
		})
	}
}

// A change of roles is on the compliance record (the real journal), in the
// same transaction as the change.
func TestRoleChangesAreOnTheRecord(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		boss := s.Person("boss", authn.RoleAdmin)
		carla := s.Person("carla", authn.RoleCompliance) // made by the system, as on the command line
		bob := s.Person("bob")
		if r := boss.Do("PATCH", "/api/v1/admin/users/bob", map[string]any{"roles": []string{"compliance"}}); r.Status != 403 {
			t.Fatalf("admin granting compliance: %d %s", r.Status, r.Body)
		}
		carla.Must(200, "PATCH", "/api/v1/admin/users/bob", map[string]any{"roles": []string{"compliance"}})
		es, err := s.App.Journal.Entries(context.Background(), journal.Filter{SubjectID: bob.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 1 || es[0].Kind != identity.KindRolesChanged || es[0].ActorID != carla.ID || es[0].Meta["to"] != "compliance" {
			t.Fatalf("journal for bob: %+v", es)
		}
	})
}
