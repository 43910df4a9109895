package identity_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// guess is one sign-in attempt for loginAll.
type guess struct {
	url, username, password, from string
}

// loginAll sends every guess at the same moment, each as its own client
// without cookies, and returns the statuses in order. Nothing is decided
// by timing: the goroutines all wait on one channel, then race.
func loginAll(t *testing.T, gs []guess) []int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: len(gs)}}
	defer client.CloseIdleConnections()
	statuses := make([]int, len(gs))
	errs := make([]error, len(gs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, g := range gs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]string{"username": g.username, "password": g.password})
			req, err := http.NewRequest("POST", g.url+"/api/v1/auth/login", bytes.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			if g.from != "" {
				req.Header.Set("X-Forwarded-For", g.from)
			}
			<-start
			resp, err := client.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	return statuses
}

func tally(statuses []int) map[int]int {
	n := map[int]int{}
	for _, s := range statuses {
		n[s]++
	}
	return n
}

// Guesses sent at once must not get past the limit: each reserves its
// place before the password is checked. Two nodes share the database.
func TestSimultaneousGuessesStopAtTheLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		nodes := []string{e.url, e.node()}

		// 100 wrong guesses for one user, at once, over two nodes.
		var gs []guess
		for i := range 100 {
			gs = append(gs, guess{url: nodes[i%2], username: "admin", password: "guess-" + strconv.Itoa(i)})
		}
		n := tally(loginAll(t, gs))
		if n[401] > 5 || n[401] == 0 || n[401]+n[429] != 100 {
			t.Fatalf("100 simultaneous wrong guesses (limit 5): %v", n)
		}
		// The right password beyond the limit is held back like the rest,
		// alone or among another burst.
		if r := e.client().Do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPW}); r.Status != 429 {
			t.Fatalf("right password after the flood: %d", r.Status)
		}
		gs = gs[:0]
		for i := range 50 {
			gs = append(gs, guess{url: nodes[i%2], username: "admin", password: adminPW})
		}
		if n := tally(loginAll(t, gs)); n[429] != 50 {
			t.Fatalf("50 simultaneous right passwords after the limit: %v", n)
		}

		// 150 from one address with the right password among them: at
		// most five wrong ones are looked at. The right one signs in only
		// if it came before the limit was reached (then it gives its own
		// place back, which may let one more guess be checked: the guesser
		// holds the password by then anyway).
		e.clock.Advance(5*time.Minute + time.Second)
		gs = gs[:0]
		for i := range 150 {
			pw := "again-" + strconv.Itoa(i)
			if i == 149 {
				pw = adminPW
			}
			gs = append(gs, guess{url: nodes[i%2], username: "admin", password: pw})
		}
		st := loginAll(t, gs)
		n = tally(st)
		if n[401] > 5 || n[200] > 1 || n[401]+n[200]+n[429] != 150 {
			t.Fatalf("150 simultaneous guesses with the right one among them: %v", n)
		}
		t.Logf("150 simultaneous guesses: %v (the right one: %d)", n, st[149])
	})
}

// A wrong current password on the password change is a guess too: a
// stolen session cannot try many at once.
func TestSimultaneousWrongCurrentPasswordsStopAtTheLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{})
		a := e.admin()
		var wg sync.WaitGroup
		statuses := make([]int, 60)
		start := make(chan struct{})
		client := &http.Client{}
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, _ := json.Marshal(map[string]string{"current_password": "guess-" + strconv.Itoa(i), "new_password": "a-new-password-1"})
				req, _ := http.NewRequest("POST", e.url+"/api/v1/auth/password", bytes.NewReader(body))
				for k, v := range a.Header() {
					req.Header[k] = v
				}
				req.Header.Set("X-CSRF-Token", a.CSRF)
				req.Header.Set("Content-Type", "application/json")
				<-start
				resp, err := client.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		n := tally(statuses)
		if n[422] > 5 || n[422] == 0 || n[422]+n[429] != len(statuses) {
			t.Fatalf("60 simultaneous wrong current passwords (limit 5): %v", n)
		}
		if r := a.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": adminPW, "new_password": "a-new-password-1"}); r.Status != 429 {
			t.Fatalf("right current password after the flood: %d", r.Status)
		}
	})
}

// from returns a client without cookies speaking from addr.
func (e *env) from(addr string) *apitest.Client {
	c := e.client()
	c.Headers["X-Forwarded-For"] = addr
	return c
}

func wrong(t *testing.T, c *apitest.Client, user string, n int) {
	t.Helper()
	for i := range n {
		r := c.Do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": fmt.Sprintf("wrong-%d", i)})
		if r.Status != 401 && r.Status != 429 {
			t.Fatalf("wrong password for %s: %d %s", user, r.Status, r.Body)
		}
	}
}

func loginStatus(c *apitest.Client, user, pw string) int {
	return c.Do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pw}).Status
}

// Nobody can lock anyone out: the limits are per (user, address) pair,
// per known device, and (much higher) per user over unknown devices and
// per address over all users.
func TestStrangersCannotLockPeopleOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{trustProxy: true})
		e.createUser(e.admin(), "bob", "bob-password-1")
		e.createUser(e.admin(), "carol", "carol-password-1")

		// The admin's laptop signed in before: it is a known device.
		laptop := e.from("198.51.100.10")
		laptop.Login("admin", adminPW)
		laptop.Must(204, "POST", "/api/v1/auth/logout", nil)

		t.Run("one address guessing is held back, nobody else is", func(t *testing.T) {
			stranger := e.from("203.0.113.66")
			wrong(t, stranger, "admin", 5)
			if s := loginStatus(stranger, "admin", adminPW); s != 429 {
				t.Fatalf("the stranger's sixth try (right password): %d, want 429", s)
			}
			// The admin, from a new browser elsewhere, and from the laptop.
			if s := loginStatus(e.from("192.0.2.7"), "admin", adminPW); s != 200 {
				t.Fatalf("admin from a new device while a stranger is throttled: %d", s)
			}
			laptop.Login("admin", adminPW)
		})

		t.Run("many addresses guessing hold back new devices, never known ones", func(t *testing.T) {
			for i := range 10 { // 10 addresses x 5 = the per-user limit for unknown devices (50)
				wrong(t, e.from(fmt.Sprintf("203.0.113.%d", 100+i)), "bob", 5)
			}
			if s := loginStatus(e.from("192.0.2.8"), "bob", "bob-password-1"); s != 429 {
				t.Fatalf("bob from a new device after 50 failures from 10 addresses: %d, want 429", s)
			}
			// The admin is not bob: his name is untouched.
			if s := loginStatus(e.from("192.0.2.9"), "admin", adminPW); s != 200 {
				t.Fatalf("admin while bob is attacked: %d", s)
			}
			// Now the same against the admin: his laptop still signs in.
			for i := range 10 {
				wrong(t, e.from(fmt.Sprintf("203.0.113.%d", 150+i)), "admin", 5)
			}
			if s := loginStatus(e.from("192.0.2.10"), "admin", adminPW); s != 429 {
				t.Fatalf("admin from a new device during a distributed attack: %d, want 429", s)
			}
			laptop.Login("admin", adminPW)
			laptop.Must(200, "GET", "/api/v1/users/me", nil)
		})

		t.Run("a known device has its own limit", func(t *testing.T) {
			// Someone with the laptop (or its cookie) gets five guesses, no more.
			laptop.Must(204, "POST", "/api/v1/auth/logout", nil)
			wrong(t, laptop, "admin", 5)
			if s := loginStatus(laptop, "admin", adminPW); s != 429 {
				t.Fatalf("known device after five failures: %d, want 429", s)
			}
		})

		t.Run("an office behind one address keeps working", func(t *testing.T) {
			office := "198.51.100.200"
			// One person there mistypes a lot, for several names: 25 failures.
			for _, u := range []string{"bob", "nobody", "carl", "dave", "erin"} {
				wrong(t, e.from(office), u, 5)
			}
			if s := loginStatus(e.from(office), "carol", "carol-password-1"); s != 200 {
				t.Fatalf("carol from the office after 25 failures there by someone else: %d", s)
			}
		})
	})
}

// An address spraying many names hits the per-address limit; a known
// device behind that address still signs in.
func TestAddressLimitSparesKnownDevices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d, options{trustProxy: true})
		e.createUser(e.admin(), "carol", "carol-password-1")
		office := "198.51.100.200"
		desk := e.from(office)
		desk.Login("carol", "carol-password-1")
		for i := range 20 { // 20 names x 5 = the per-address limit (100)
			wrong(t, e.from(office), fmt.Sprintf("name%d", i), 5)
		}
		if s := loginStatus(e.from(office), "admin", adminPW); s != 429 {
			t.Fatalf("new device at an address that failed 100 times: %d, want 429", s)
		}
		if s := loginStatus(desk, "carol", "carol-password-1"); s != 200 {
			t.Fatalf("carol's known desk at that address: %d", s)
		}
	})
}
