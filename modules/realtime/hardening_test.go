package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/identity/ldapdir/ldaptest"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// eachWith is apptest.Each with a changed configuration.
func eachWith(t *testing.T, change func(*app.Config), fn func(t *testing.T, s *apptest.Stack)) {
	t.Helper()
	t.Run(string(db.SQLite), func(t *testing.T) { fn(t, apptest.NewWith(t, "", change)) })
	t.Run(string(db.Postgres), func(t *testing.T) { fn(t, apptest.NewWith(t, dbtest.PostgresURL(t), change)) })
}

// untilClosed reads c until the server closes it and returns the close
// code and the types of the frames that came first.
func untilClosed(t *testing.T, c *rtclient.Client) (int, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var types []string
	for {
		f, err := c.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("the websocket was not closed (frames meanwhile: %v)", types)
			}
			return rtclient.CloseStatus(err), types
		}
		types = append(types, f.Type)
	}
}

// session is a second sign-in of p (a cookie session of its own) with the
// id of that session.
func session(t *testing.T, s *apptest.Stack, p *apptest.Person, password string) (*apptest.Person, string) {
	t.Helper()
	c := apitest.New(t, s.URL)
	c.Login(p.Username, password)
	var ss struct {
		Items []struct {
			ID      string
			Current bool
		}
	}
	c.Must(200, "GET", "/api/v1/auth/sessions", nil).JSON(t, &ss)
	for _, x := range ss.Items {
		if x.Current {
			return &apptest.Person{Client: c, ID: p.ID, Username: p.Username}, x.ID
		}
	}
	t.Fatal("no current session in the list")
	return nil, ""
}

// Every way a session ends closes the websockets it opened with 4000, on
// the spot: a message posted right after the session ended never reaches
// them. Sockets of sessions that did not end stay open.
func TestEveryEndOfASessionClosesItsWebsockets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		admin, ann := s.Person("root", authn.RoleAdmin), s.Person("ann")
		cases := []struct {
			name string
			// end opens the doomed socket(s) and the surviving one, then ends
			// the session(s).
			end func(t *testing.T, p *apptest.Person) (doomed []*rtclient.Client, survivor *rtclient.Client)
		}{
			{"sign-out", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				other, _ := session(t, s, p, "password-of-"+p.Username)
				d, keep := dial(t, p, rtclient.Fresh), dial(t, other, rtclient.Fresh)
				p.Must(204, "POST", "/api/v1/auth/logout", nil)
				return []*rtclient.Client{d}, keep
			}},
			{"session revoked", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				other, id := session(t, s, p, "password-of-"+p.Username)
				d, keep := dial(t, other, rtclient.Fresh), dial(t, p, rtclient.Fresh)
				p.Must(204, "DELETE", "/api/v1/auth/sessions/"+id, nil)
				return []*rtclient.Client{d}, keep
			}},
			{"API token revoked", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				var tok struct{ ID, Token string }
				p.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "script"}).JSON(t, &tok)
				tc := apitest.New(t, s.URL)
				tc.Bearer = tok.Token
				d := dial(t, &apptest.Person{Client: tc, ID: p.ID, Username: p.Username}, rtclient.Fresh)
				keep := dial(t, p, rtclient.Fresh)
				p.Must(204, "DELETE", "/api/v1/auth/tokens/"+tok.ID, nil)
				return []*rtclient.Client{d}, keep
			}},
			{"password changed", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				o1, _ := session(t, s, p, "password-of-"+p.Username)
				o2, _ := session(t, s, p, "password-of-"+p.Username)
				d1, d2, d3 := dial(t, o1, rtclient.Fresh), dial(t, o1, rtclient.Fresh), dial(t, o2, rtclient.Fresh)
				keep := dial(t, p, rtclient.Fresh)
				p.Must(204, "POST", "/api/v1/auth/password", map[string]any{"current_password": "password-of-" + p.Username,
					"new_password": "a new and long password"})
				return []*rtclient.Client{d1, d2, d3}, keep
			}},
			{"account disabled", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				o, _ := session(t, s, p, "password-of-"+p.Username)
				d1, d2 := dial(t, p, rtclient.Fresh), dial(t, o, rtclient.Fresh)
				admin.Must(200, "PATCH", "/api/v1/admin/users/"+p.Username, map[string]any{"status": "disabled"})
				return []*rtclient.Client{d1, d2}, nil
			}},
			{"all sessions revoked by an admin", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				d := dial(t, p, rtclient.Fresh)
				admin.Must(204, "POST", "/api/v1/admin/users/"+p.Username+"/revoke-sessions", nil)
				return []*rtclient.Client{d}, nil
			}},
			{"password reset by an admin", func(t *testing.T, p *apptest.Person) ([]*rtclient.Client, *rtclient.Client) {
				d := dial(t, p, rtclient.Fresh)
				admin.Must(200, "POST", "/api/v1/admin/users/"+p.Username+"/password", map[string]any{"password": "reset by the admin 1"})
				return []*rtclient.Client{d}, nil
			}},
		}
		for i, tc := range cases {
			t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				p := s.Person(fmt.Sprintf("user%d", i))
				ch := createChannel(t, ann, map[string]any{"name": fmt.Sprintf("room%d", i), "member_ids": []string{p.ID}})
				doomed, survivor := tc.end(t, p)
				say(t, ann, ch.ID, "after the end")
				for n, d := range doomed {
					code, frames := untilClosed(t, d)
					if code != realtime.CloseSessionEnded {
						t.Fatalf("socket %d closed with %d, want %d", n, code, realtime.CloseSessionEnded)
					}
					for _, f := range frames {
						if f == "message.created" {
							t.Fatalf("socket %d received a message after its session ended (frames %v)", n, frames)
						}
					}
				}
				if survivor != nil {
					if got := messageText(t, next(t, survivor, "message.created")); got != "after the end" {
						t.Fatalf("the socket of a session that did not end got %q", got)
					}
				}
			})
		}
	})
}

// A session that expires closes its websockets with 4000: one that only
// receives (the periodic check), one that sends a frame (refused before it
// is handled), and nothing is delivered after the expiry.
func TestExpiredSessionsWebsocketsClose(t *testing.T) {
	t.Run("idle socket, periodic check", func(t *testing.T) {
		eachWith(t, func(c *app.Config) { c.Realtime.SessionCheck = 10 * time.Millisecond }, func(t *testing.T, s *apptest.Stack) {
			bob := s.Person("bob")
			bc := dial(t, bob, rtclient.Fresh)
			bc.Send(context.Background(), realtime.ClientFrame{Type: "ping", ID: "before"})
			next(t, bc, "pong")
			s.Clock.Advance(24*time.Hour + time.Second) // the test session TTL is 24 h
			if code, frames := untilClosed(t, bc); code != realtime.CloseSessionEnded {
				t.Fatalf("closed with %d after expiry (frames %v)", code, frames)
			}
		})
	})
	t.Run("frames after expiry", func(t *testing.T) {
		// The periodic check is out of the picture: an hour.
		eachWith(t, func(c *app.Config) { c.Realtime.SessionCheck = time.Hour }, func(t *testing.T, s *apptest.Stack) {
			ann, bob := s.Person("ann"), s.Person("bob")
			ch := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
			sender, receiver := dial(t, bob, rtclient.Fresh), dial(t, bob, rtclient.Fresh)
			s.Clock.Advance(24*time.Hour + time.Second)
			// bob's expired socket sends a ping: no pong, a close. (The
			// channel's creation may still come first: the hub hands out
			// events after the request that made them returns.)
			sender.Send(context.Background(), realtime.ClientFrame{Type: "ping", ID: "after"})
			if code, frames := untilClosed(t, sender); code != realtime.CloseSessionEnded || slices.Contains(frames, "pong") {
				t.Fatalf("a frame on an expired session: closed with %d after %v", code, frames)
			}
			// A message for bob's other expired socket is not delivered.
			ann.Login("ann", "password-of-ann")
			say(t, ann, ch.ID, "too late")
			if code, frames := untilClosed(t, receiver); code != realtime.CloseSessionEnded || slices.Contains(frames, "message.created") {
				t.Fatalf("an expired session's socket: closed with %d after %v", code, frames)
			}
		})
	})
}

// Client frames are budgeted per connection and per person, counted on the
// module's clock: over the budget an error frame says so once, a flood is
// closed with 1008, and the budget comes back with time.
func TestClientFramesAreRateLimited(t *testing.T) {
	eachWith(t, func(c *app.Config) {
		c.Realtime.FrameRate, c.Realtime.FrameBurst = 1, 5
		c.Realtime.PersonFrameRate, c.Realtime.PersonFrameBurst = 1, 8
		c.Realtime.FrameAbuse = 4
	}, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		bob, carl := s.Person("bob"), s.Person("carl")
		ping := func(c *rtclient.Client, id string) { c.Send(ctx, realtime.ClientFrame{Type: "ping", ID: id}) }
		// pongOrLimit waits for the answer to one ping.
		answer := func(c *rtclient.Client) string {
			f := next(t, c, "pong", "error")
			if f.Type == "error" {
				var e realtime.ErrorPayload
				json.Unmarshal(f.Payload, &e)
				return string(e.Code)
			}
			return "pong"
		}
		bc := dial(t, bob, rtclient.Fresh)
		for i := 0; i < 5; i++ {
			ping(bc, fmt.Sprint(i))
			if a := answer(bc); a != "pong" {
				t.Fatalf("frame %d within the burst: %s", i, a)
			}
		}
		ping(bc, "over")
		if a := answer(bc); a != "rate_limited" {
			t.Fatalf("the sixth frame at once: %s", a)
		}
		// A second later there is room for one more.
		s.Clock.Advance(time.Second)
		ping(bc, "later")
		if a := answer(bc); a != "pong" {
			t.Fatalf("after a second: %s", a)
		}
		// Flooding on: error once, then closed after FrameAbuse refusals.
		for i := 0; i < 4; i++ {
			ping(bc, fmt.Sprint("flood", i))
		}
		code, frames := untilClosed(t, bc)
		if code != int(websocket.StatusPolicyViolation) || strings.Join(frames, ",") != "error" {
			t.Fatalf("a flood: closed with %d after %v", code, frames)
		}

		// Two connections of one person share the person's budget of 8.
		c1, c2 := dial(t, carl, rtclient.Fresh), dial(t, carl, rtclient.Fresh)
		for i := 0; i < 5; i++ {
			ping(c1, fmt.Sprint(i))
			if a := answer(c1); a != "pong" {
				t.Fatalf("carl's first tab, frame %d: %s", i, a)
			}
		}
		for i := 0; i < 3; i++ {
			ping(c2, fmt.Sprint(i))
			if a := answer(c2); a != "pong" {
				t.Fatalf("carl's second tab, frame %d: %s", i, a)
			}
		}
		ping(c2, "ninth")
		if a := answer(c2); a != "rate_limited" {
			t.Fatalf("carl's ninth frame across two tabs: %s", a)
		}
	})
}

// Typing is throttled per person: two tabs typing in one channel reach the
// others once per interval, not once per tab.
func TestTypingIsThrottledPerPerson(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		ch := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
		other := createChannel(t, ann, map[string]any{"name": "other", "member_ids": []string{bob.ID}})
		tab1, tab2 := dial(t, ann, rtclient.Fresh), dial(t, ann, rtclient.Fresh)
		bc := dial(t, bob, rtclient.Fresh)
		ctx := context.Background()
		tab1.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: ch.ID})
		if f := next(t, bc, "typing"); f.ChannelID != ch.ID {
			t.Fatalf("typing from tab 1: %+v", f)
		}
		// The second tab types in the same channel, then in another one
		// (a marker: handled after the first on the same connection).
		tab2.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: ch.ID})
		tab2.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: other.ID})
		if f := next(t, bc, "typing"); f.ChannelID != other.ID {
			t.Fatalf("ann typed in two tabs of one channel within the interval and bob got a second signal: %+v", f)
		}
		// After the interval, typing goes through again.
		s.Clock.Advance(3 * time.Second)
		tab2.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: ch.ID})
		if f := next(t, bc, "typing"); f.ChannelID != ch.ID {
			t.Fatalf("typing after the interval: %+v", f)
		}
	})
}

// The per-person connection cap holds for simultaneous upgrades: of 150
// at once exactly the cap is accepted, the rest get 429; a refused or
// failed upgrade gives its slot back.
func TestConnectionCapHoldsForSimultaneousUpgrades(t *testing.T) {
	s := apptest.New(t, "")
	bob := s.Person("bob")
	max := realtime.DefaultConfig().MaxPerUser
	const tries = 150
	var (
		mu       sync.Mutex
		accepted []*rtclient.Client
		refused  int
		other    []error
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c, err := rtclient.Dial(ctx, bob.Base(), bob.Header(), rtclient.Fresh)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				accepted = append(accepted, c)
			case strings.Contains(err.Error(), "429"):
				refused++
			default:
				other = append(other, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range accepted {
			c.CloseNow()
		}
	})
	if len(other) > 0 {
		t.Fatalf("%d dials failed otherwise, first: %v", len(other), other[0])
	}
	if len(accepted) != max || refused != tries-max {
		t.Fatalf("%d simultaneous upgrades: %d accepted, %d refused; want %d accepted", tries, len(accepted), refused, max)
	}
	// Closing one frees its slot (once the server has seen it go).
	accepted[0].Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		c, err := rtclient.Dial(ctx, bob.Base(), bob.Header(), rtclient.Fresh)
		if err == nil {
			accepted = append(accepted, c)
			break
		}
		if !strings.Contains(err.Error(), "429") || ctx.Err() != nil {
			t.Fatalf("after closing one: %v", err)
		}
	}
}

func TestFailedUpgradesGiveTheirSlotBack(t *testing.T) {
	s := apptest.NewWith(t, "", func(c *app.Config) { c.Realtime.MaxPerUser = 2 })
	bob := s.Person("bob")
	ctx := context.Background()
	// Refused by the upgrade itself (a foreign page's origin), after the
	// slot was taken.
	for i := 0; i < 5; i++ {
		h := bob.Header()
		h.Set("Origin", "https://evil.example")
		if _, err := rtclient.Dial(ctx, s.URL, h, rtclient.Fresh); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("cross-site upgrade %d: %v", i, err)
		}
	}
	dial(t, bob, rtclient.Fresh)
	dial(t, bob, rtclient.Fresh)
	if _, err := rtclient.Dial(ctx, bob.Base(), bob.Header(), rtclient.Fresh); err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("third connection with a cap of 2: %v", err)
	}
}

// presence_sub tells when offline people were last seen, not "now", and
// nothing for people never seen.
func TestPresenceSubReportsTheRealLastSeen(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, carl, dave := s.Person("ann"), s.Person("carl"), s.Person("dave")
		ac := dial(t, ann, rtclient.Fresh)
		ctx := context.Background()
		cc := dial(t, carl, rtclient.Fresh)
		ac.Send(ctx, realtime.ClientFrame{Type: "presence_sub", UserIDs: []string{carl.ID}})
		waitPresence(t, ac, carl.ID, "active")
		left := s.Clock.Now()
		cc.Close()
		waitPresence(t, ac, carl.ID, "offline")
		s.Clock.Advance(time.Hour)
		ac.Send(ctx, realtime.ClientFrame{Type: "presence_sub", UserIDs: []string{carl.ID, dave.ID}})
		got := map[string]realtime.Presence{}
		for len(got) < 2 {
			f := next(t, ac, "presence")
			var p realtime.Presence
			json.Unmarshal(f.Payload, &p)
			got[p.UserID] = p
		}
		if p := got[carl.ID]; p.Status != "offline" || p.LastSeenAt == nil || !p.LastSeenAt.Equal(left.Truncate(time.Millisecond)) {
			t.Fatalf("carl left at %s; presence_sub says %+v (last seen %v)", left, p, p.LastSeenAt)
		}
		if p := got[dave.ID]; p.Status != "offline" || p.LastSeenAt != nil {
			t.Fatalf("dave was never online; presence_sub says %+v (last seen %v)", p, p.LastSeenAt)
		}
	})
}

// A directory sync that disables someone (gone from the directory, or
// marked disabled) closes their websockets with 4000.
func TestDirectorySyncClosesDisabledPeoplesWebsockets(t *testing.T) {
	tr := ldaptest.NewTree(t)
	cfg := tr.Config()
	dn := tr.AddPerson(ldaptest.Person{UID: "block", Password: "block-pw-1", DisplayName: "Blocked Later"})
	gone := tr.AddPerson(ldaptest.Person{UID: "leave", Password: "leave-pw-1", DisplayName: "Leaving Soon"})
	tr.AddPerson(ldaptest.Person{UID: "keep", Password: "keep-pw-1", DisplayName: "Keep Me"})
	s := apptest.NewWith(t, "", func(c *app.Config) { c.LDAP = &cfg })
	var socks []*rtclient.Client
	for _, u := range []string{"block", "leave", "keep"} {
		c := apitest.New(t, s.URL)
		c.Login(u, u+"-pw-1")
		socks = append(socks, dial(t, &apptest.Person{Client: c, Username: u}, rtclient.Fresh))
	}
	tr.Replace(dn, "employeeType", "disabled")
	tr.Delete(gone)
	if _, err := s.App.Identity.SyncDirectory(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"disabled", "removed"} {
		if code, _ := untilClosed(t, socks[i]); code != realtime.CloseSessionEnded {
			t.Fatalf("the %s person's socket closed with %d", name, code)
		}
	}
	socks[2].Send(context.Background(), realtime.ClientFrame{Type: "ping", ID: "still"})
	next(t, socks[2], "pong")
}
