package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

func dial(t *testing.T, p *apptest.Person, cursor int64) *rtclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rtclient.Dial(ctx, p.Base(), p.Header(), cursor)
	if err != nil {
		t.Fatalf("%s dials: %v", p.Username, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// next waits for the next frame of one of the given types.
func next(t *testing.T, c *rtclient.Client, types ...string) realtime.ServerFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := c.NextOf(ctx, types...)
	if err != nil {
		t.Fatalf("waiting for %v: %v", types, err)
	}
	return f
}

// nothingBefore asserts that no frame of the given types arrives on c
// before the frame that marks the end of the check (which the caller
// causes after the events that must not arrive). It waits for an event,
// not for a while: a busy machine cannot make it pass without checking.
func nothingBefore(t *testing.T, c *rtclient.Client, isMarker func(realtime.ServerFrame) bool, types ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		f, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for the marker: %v", err)
		}
		if isMarker(f) {
			return
		}
		for _, ty := range types {
			if f.Type == ty {
				t.Fatalf("unexpected %s frame: %s", f.Type, f.Payload)
			}
		}
	}
}

// messageMarker marks a check's end at the message.created with text.
func messageMarker(text string) func(realtime.ServerFrame) bool {
	return func(f realtime.ServerFrame) bool {
		if f.Type != "message.created" {
			return false
		}
		var m chat.Message
		return json.Unmarshal(f.Payload, &m) == nil && m.Text == text
	}
}

func createChannel(t *testing.T, p *apptest.Person, body map[string]any) chat.Channel {
	t.Helper()
	var c chat.Channel
	p.Must(http.StatusCreated, "POST", "/api/v1/channels", body).JSON(t, &c)
	return c
}

func say(t *testing.T, p *apptest.Person, channelID, text string) chat.Message {
	t.Helper()
	var m chat.Message
	p.Must(http.StatusCreated, "POST", "/api/v1/channels/"+channelID+"/messages", map[string]any{"text": text}).JSON(t, &m)
	return m
}

func messageText(t *testing.T, f realtime.ServerFrame) string {
	t.Helper()
	var m chat.Message
	if err := json.Unmarshal(f.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m.Text
}

func TestMembersReceiveLiveAndOthersDoNot(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, eve := s.Person("ann"), s.Person("bob"), s.Person("eve")
		priv := createChannel(t, ann, map[string]any{"name": "intern", "private": true, "member_ids": []string{bob.ID}})
		var dm chat.Channel
		ann.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{bob.ID}}).JSON(t, &dm)
		evesOwn := createChannel(t, eve, map[string]any{"name": "eves-own", "private": true})
		bc, ec := dial(t, bob, rtclient.Fresh), dial(t, eve, rtclient.Fresh)
		say(t, ann, priv.ID, "nur für uns")
		say(t, ann, dm.ID, "unter vier Augen")
		if got := messageText(t, next(t, bc, "message.created")); got != "nur für uns" {
			t.Fatalf("bob got %q", got)
		}
		if got := messageText(t, next(t, bc, "message.created")); got != "unter vier Augen" {
			t.Fatalf("bob got %q", got)
		}
		// Events go out in order: once eve has her own later message, the
		// others would have come first.
		say(t, eve, evesOwn.ID, "marker")
		// (Eve may see her own channel's creation: it committed just before
		// she connected, and the hub may hand it out after she registered.)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for isMarker := messageMarker("marker"); ; {
			f, err := ec.Next(ctx)
			if err != nil {
				t.Fatalf("waiting for the marker: %v", err)
			}
			if isMarker(f) {
				break
			}
			if f.ChannelID == priv.ID || f.ChannelID == dm.ID || strings.Contains(string(f.Payload), priv.ID) || strings.Contains(string(f.Payload), dm.ID) {
				t.Fatalf("eve got a %s frame about a conversation she is not in: %s", f.Type, f.Payload)
			}
		}
	})
}

func TestResumeDeliversEverythingMissedOnceAndInOrder(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
		bc := dial(t, bob, rtclient.Fresh)
		say(t, ann, c.ID, "0")
		next(t, bc, "message.created")
		cursor := bc.Cursor
		bc.Close()
		for i := 1; i <= 25; i++ {
			say(t, ann, c.ID, fmt.Sprint(i))
		}
		// Reconnect; while the catch-up is read, more arrive live.
		bc2 := dial(t, bob, cursor)
		if !bc2.Hello.Resumed {
			t.Fatal("not resumed")
		}
		go func() {
			for i := 26; i <= 40; i++ {
				say(t, ann, c.ID, fmt.Sprint(i))
			}
		}()
		var got []string
		last := cursor
		for len(got) < 40 {
			f := next(t, bc2, "message.created")
			if f.Cursor <= last {
				t.Fatalf("cursor went from %d to %d", last, f.Cursor)
			}
			last = f.Cursor
			got = append(got, messageText(t, f))
		}
		for i, g := range got {
			if g != fmt.Sprint(i+1) {
				t.Fatalf("message %d is %q; all: %v", i, g, got)
			}
		}
		say(t, ann, c.ID, "marker")
		nothingBefore(t, bc2, messageMarker("marker"), "message.created")
		// A deletion says where the message was, so clients can fix unread counts.
		m := say(t, ann, c.ID, "gleich weg")
		ann.Must(204, "DELETE", "/api/v1/channels/"+c.ID+"/messages/"+m.ID, nil)
		d := next(t, bc2, "message.deleted")
		if !strings.Contains(string(d.Payload), fmt.Sprintf(`"seq":%d`, m.Seq)) || !strings.Contains(string(d.Payload), ann.ID) {
			t.Fatalf("message.deleted: %s", d.Payload)
		}
	})
}

func TestStaleCursorGetsResync(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		c := createChannel(t, ann, map[string]any{"name": "team"})
		for i := 0; i < 3; i++ {
			say(t, ann, c.ID, "x")
		}
		s.Clock.Advance(8 * 24 * time.Hour)
		ann.Login("ann", "password-of-ann")
		say(t, ann, c.ID, "new")
		if _, err := s.App.Events.Prune(context.Background(), s.Clock.Now().Add(-7*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ac := dial(t, ann, 1)
		if ac.Resync == nil || ac.Resync.Cursor < 2 {
			t.Fatalf("stale cursor: resync %+v", ac.Resync)
		}
	})
}

func TestCursorAheadOfTheServerGetsResync(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		c := createChannel(t, ann, map[string]any{"name": "team"})
		say(t, ann, c.ID, "before")
		// A cursor this server never handed out (its data was restored from
		// an older backup): resuming from it would swallow the next events.
		ac := dial(t, ann, 1_000_000)
		if ac.Resync == nil || ac.Resync.Cursor >= 1_000_000 {
			t.Fatalf("cursor ahead of the server: resync %+v, hello %+v", ac.Resync, ac.Hello)
		}
		say(t, ann, c.ID, "after")
		// New events arrive again ("before" may come too: the resync cursor is
		// where this node's stream stood, and the client reloads anyway).
		for {
			if messageText(t, next(t, ac, "message.created")) == "after" {
				break
			}
		}
	})
}

func TestHeartbeatPingsAreNotActivity(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, carl := s.Person("ann"), s.Person("carl")
		cc := dial(t, carl, rtclient.Fresh)
		ctx := context.Background()
		status := func() string {
			var ps struct{ Items []realtime.Presence }
			ann.Must(200, "GET", "/api/v1/presence?user_ids="+carl.ID, nil).JSON(t, &ps)
			return ps.Items[0].Status
		}
		if got := status(); got != "active" {
			t.Fatalf("connected: %s", got)
		}
		// Eleven minutes of nothing but heartbeats: away.
		s.Clock.Advance(11 * time.Minute)
		ann.Login("ann", "password-of-ann")
		cc.Send(ctx, realtime.ClientFrame{Type: "ping", ID: "hb"})
		next(t, cc, "pong")
		if got := status(); got != "away" {
			t.Fatalf("after only pings for 11 minutes: %s", got)
		}
		// Using Kontor again makes him active.
		cc.Send(ctx, realtime.ClientFrame{Type: "presence", Status: "active"})
		cc.Send(ctx, realtime.ClientFrame{Type: "ping", ID: "hb2"})
		next(t, cc, "pong")
		if got := status(); got != "active" {
			t.Fatalf("after a presence frame: %s", got)
		}
	})
}

func TestRemovedMembersStopReceiving(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "team", "private": true, "member_ids": []string{bob.ID}})
		bobsOwn := createChannel(t, bob, map[string]any{"name": "bobs-own", "private": true})
		bc := dial(t, bob, rtclient.Fresh)
		ann.Must(204, "DELETE", "/api/v1/channels/"+c.ID+"/members/"+bob.ID, nil)
		f := next(t, bc, "member.removed")
		if !strings.Contains(string(f.Payload), bob.ID) {
			t.Fatalf("removal: %s", f.Payload)
		}
		say(t, ann, c.ID, "ohne bob")
		say(t, bob, bobsOwn.ID, "marker")
		nothingBefore(t, bc, messageMarker("marker"), "message.created")
		// Added again: the channel's events come back.
		ann.Must(200, "POST", "/api/v1/channels/"+c.ID+"/members", map[string]any{"user_ids": []string{bob.ID}})
		next(t, bc, "member.added")
		say(t, ann, c.ID, "mit bob")
		if got := messageText(t, next(t, bc, "message.created")); got != "mit bob" {
			t.Fatalf("after re-adding: %q", got)
		}
		// Resuming from before the removal does not hand over what was said meanwhile... to a non-member.
		ann.Must(204, "DELETE", "/api/v1/channels/"+c.ID+"/members/"+bob.ID, nil)
		say(t, ann, c.ID, "wieder ohne bob")
		again := dial(t, bob, 1)
		// The catch-up comes before anything live, so it is complete when
		// bob's next message in his own channel arrives.
		say(t, bob, bobsOwn.ID, "marker 2")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			f, err := again.Next(ctx)
			if err != nil {
				t.Fatalf("waiting for the marker: %v", err)
			}
			if f.Type == "message.created" && f.ChannelID == c.ID {
				t.Fatalf("a non-member's catch-up contains %q", messageText(t, f))
			}
			if messageMarker("marker 2")(f) {
				break
			}
		}
	})
}

func TestTypingReadAndPresence(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, eve := s.Person("ann"), s.Person("bob"), s.Person("eve")
		c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
		ac, bc := dial(t, ann, rtclient.Fresh), dial(t, bob, rtclient.Fresh)
		bobTab2 := dial(t, bob, rtclient.Fresh)
		ctx := context.Background()
		if err := ac.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: c.ID}); err != nil {
			t.Fatal(err)
		}
		f := next(t, bc, "typing")
		var ty realtime.Typing
		json.Unmarshal(f.Payload, &ty)
		if f.ChannelID != c.ID || ty.UserID != ann.ID || ty.ExpiresMS <= 0 {
			t.Fatalf("typing frame %+v %+v", f, ty)
		}
		ec := dial(t, eve, rtclient.Fresh)
		ec.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: c.ID, ID: "t1"})
		if e := next(t, ec, "error"); !strings.Contains(string(e.Payload), "not_member") {
			t.Fatalf("outsider typing: %s", e.Payload)
		}
		// The marker: ann's typing in another channel, after eve's frame was
		// refused (eve has her error frame by now).
		c2 := createChannel(t, ann, map[string]any{"name": "team2", "member_ids": []string{bob.ID}})
		next(t, ac, "channel.created") // the gateway knows both are in c2
		next(t, bc, "channel.created")
		ac.Send(ctx, realtime.ClientFrame{Type: "typing", ChannelID: c2.ID})
		nothingBefore(t, bc, func(f realtime.ServerFrame) bool { return f.Type == "typing" && f.ChannelID == c2.ID }, "typing")

		// Read over the websocket: acked, and bob's other tab learns it.
		m := say(t, ann, c.ID, "lies mich")
		bc.Send(ctx, realtime.ClientFrame{Type: "read", ChannelID: c.ID, Seq: m.Seq, ID: "r1"})
		next(t, bc, "ack")
		rf := next(t, bobTab2, "read.updated")
		if !strings.Contains(string(rf.Payload), fmt.Sprintf(`"last_read_seq":%d`, m.Seq)) {
			t.Fatalf("read.updated: %s", rf.Payload)
		}
		next(t, ac, "receipt.updated")

		// Presence: ann watches bob; do not disturb sticks; offline when the last tab closes.
		ac.Send(ctx, realtime.ClientFrame{Type: "presence_sub", UserIDs: []string{bob.ID}})
		waitPresence(t, ac, bob.ID, "active")
		bc.Send(ctx, realtime.ClientFrame{Type: "presence", Status: "dnd"})
		waitPresence(t, ac, bob.ID, "dnd")
		bc.Close()
		bobTab2.Close()
		p := waitPresence(t, ac, bob.ID, "offline")
		if p.LastSeenAt == nil {
			t.Fatal("offline without last seen")
		}
		var ps struct{ Items []realtime.Presence }
		ann.Must(200, "GET", "/api/v1/presence?user_ids="+bob.ID+","+ann.ID, nil).JSON(t, &ps)
		if ps.Items[0].Status != "offline" || ps.Items[0].LastSeenAt == nil || ps.Items[1].Status != "active" {
			t.Fatalf("presence API: %+v", ps.Items)
		}
		back := dial(t, bob, rtclient.Fresh)
		_ = back
		waitPresence(t, ac, bob.ID, "dnd")
	})
}

func waitPresence(t *testing.T, c *rtclient.Client, userID, status string) realtime.Presence {
	t.Helper()
	for {
		f := next(t, c, "presence")
		var p realtime.Presence
		json.Unmarshal(f.Payload, &p)
		if p.UserID == userID && p.Status == status {
			return p
		}
	}
}

func TestBadFramesAndStrangers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		ctx := context.Background()
		// No credentials: plain 401 before any upgrade.
		if _, err := rtclient.Dial(ctx, s.URL, http.Header{}, 0); err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("anonymous websocket: %v", err)
		}
		// A page on another site cannot use the session cookie.
		h := ann.Header()
		h.Set("Origin", "https://evil.example")
		if _, err := rtclient.Dial(ctx, s.URL, h, 0); err == nil {
			t.Fatal("cross-site websocket accepted")
		}
		if _, resp, err := websocket.Dial(ctx, strings.Replace(s.URL, "http", "ws", 1)+"/api/v1/ws?cursor=-5",
			&websocket.DialOptions{HTTPHeader: ann.Header()}); err == nil || resp.StatusCode != 422 {
			t.Fatalf("negative cursor: %v", err)
		}
		c := dial(t, ann, rtclient.Fresh)
		for _, raw := range []string{"not json", `{"type":"launch"}`, `{"type":"presence_sub","user_ids":["../x"]}`, `{"type":"presence","status":"invisible"}`, `{"type":"read","channel_id":"nope","seq":1}`, `[1,2]`} {
			c.SendRaw(ctx, websocket.MessageText, []byte(raw))
			if e := next(t, c, "error"); len(e.Payload) == 0 {
				t.Fatalf("no error for %q", raw)
			}
		}
		c.Send(ctx, realtime.ClientFrame{Type: "ping", ID: "p"})
		next(t, c, "pong")
		c.SendRaw(ctx, websocket.MessageBinary, []byte{1, 2, 3})
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for {
			if _, err := c.Next(rctx); err != nil {
				if code := rtclient.CloseStatus(err); code != int(websocket.StatusUnsupportedData) {
					t.Fatalf("binary frame: closed with %d (%v)", code, err)
				}
				break
			}
		}
		big := dial(t, ann, rtclient.Fresh)
		big.SendRaw(ctx, websocket.MessageText, []byte(`{"type":"ping","id":"`+strings.Repeat("x", 20000)+`"}`))
		for {
			if _, err := big.Next(rctx); err != nil {
				if code := rtclient.CloseStatus(err); code != int(websocket.StatusMessageTooBig) {
					t.Fatalf("oversized frame: closed with %d (%v)", code, err)
				}
				break
			}
		}
	})
}

func TestSigningOutClosesThatSessionsWebsocketOnly(t *testing.T) {
	s := apptest.New(t, "")
	bob := s.Person("bob")
	other := apitest.New(t, s.URL)
	other.LoginBearer("bob", "password-of-bob")
	leaving, staying := dial(t, bob, rtclient.Fresh), dial(t, &apptest.Person{Client: other, ID: bob.ID, Username: "bob"}, rtclient.Fresh)
	bob.Must(204, "POST", "/api/v1/auth/logout", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if _, err := leaving.Next(ctx); err != nil {
			if code := rtclient.CloseStatus(err); code != realtime.CloseSessionEnded {
				t.Fatalf("signed-out tab closed with %d (%v)", code, err)
			}
			break
		}
	}
	staying.Send(ctx, realtime.ClientFrame{Type: "ping"})
	next(t, staying, "pong")
}

func TestConnectionsPerPersonAreBounded(t *testing.T) {
	s := apptest.NewWith(t, "", func(c *app.Config) { c.Realtime.MaxPerUser = 3 })
	bob := s.Person("bob")
	for i := 0; i < 3; i++ {
		dial(t, bob, rtclient.Fresh)
	}
	_, err := rtclient.Dial(context.Background(), bob.Base(), bob.Header(), rtclient.Fresh)
	if err == nil || !strings.Contains(err.Error(), "429") {
		t.Fatalf("fourth connection: %v", err)
	}
}

func TestDisabledUsersAreCutOff(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		admin, bob := s.Person("root", authn.RoleAdmin), s.Person("bob")
		bc := dial(t, bob, rtclient.Fresh)
		admin.Must(200, "PATCH", "/api/v1/admin/users/bob", map[string]any{"status": "disabled"})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for {
			if _, err := bc.Next(ctx); err != nil {
				if code := rtclient.CloseStatus(err); code != realtime.CloseSessionEnded {
					t.Fatalf("disabled user's websocket closed with %d (%v)", code, err)
				}
				return
			}
		}
	})
}

// A client that stops reading is cut off instead of growing the server's
// memory, and loses nothing: it resumes from its cursor.
//
// The test does not race the server's writer. The write timeout and the
// heartbeat are an hour, so the only way out is the queue limit: once the
// client's small receive buffer and the server's send buffer are full,
// the writer is stuck, and every further message adds one frame to the
// queue until it runs over. How fast the machine is changes when that
// happens, never whether it does. (With the default heartbeat, a machine
// slow enough that filling the buffers took over 25 s closed the socket
// on the unanswered ping instead: 1006 after 2,000 messages.)
func TestSlowClientIsCutOffAndResumes(t *testing.T) {
	s := apptest.NewWith(t, "", func(c *app.Config) {
		c.Realtime.QueueLen = 16
		c.Realtime.WriteTimeout = time.Hour
		c.Realtime.PingInterval = time.Hour
	})
	ann, bob := s.Person("ann"), s.Person("bob")
	c := createChannel(t, ann, map[string]any{"name": "flood", "member_ids": []string{bob.ID}})
	ctx := context.Background()
	u := strings.Replace(s.URL, "http", "ws", 1) + "/api/v1/ws"
	small := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	ws, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader:      bob.Header(),
		CompressionMode: websocket.CompressionDisabled,
		HTTPClient:      &http.Client{Transport: &http.Transport{DialContext: small.DialContext}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 20)
	_, hello, err := ws.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Payload realtime.Hello }
	json.Unmarshal(hello, &h)
	// bob reads nothing more while ann posts until the server has cut him
	// off (the counter is read in process, not timed). 2000 messages of
	// 14 KB are far more than the socket buffers on loopback hold.
	big := strings.Repeat("Lorem ipsum dolor sit amet. ", 500)
	cuts := slowCuts(t, s)
	n := 0
	for ; n < 2000 && cuts() == 0; n++ {
		say(t, ann, c.ID, fmt.Sprintf("%d %s", n, big))
	}
	t.Logf("cut off after %d messages", n)
	// Now bob reads again: what got through before the cut, then the
	// close frame that says why (the writer, unstuck, sends it).
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		if _, _, err := ws.Read(rctx); err != nil {
			if code := websocket.CloseStatus(err); code != realtime.CloseTooSlow {
				t.Fatalf("after %d messages of 14 KB the slow client's socket ended with %d (%v), want %d", n, code, err, realtime.CloseTooSlow)
			}
			break
		}
	}
	// Back, from the cursor of the hello: every message, in order.
	bc := dial(t, bob, h.Payload.Cursor)
	for i := 0; i < n; i++ {
		got := messageText(t, next(t, bc, "message.created"))
		if !strings.HasPrefix(got, fmt.Sprintf("%d ", i)) {
			t.Fatalf("message %d after resuming starts %.10q", i, got)
		}
	}
}

// slowCuts reads the gateway's counter of clients cut off for being slow.
func slowCuts(t *testing.T, s *apptest.Stack) func() float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.App.Realtime.Collectors()...)
	return func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "kontor_ws_slow_disconnects_total" {
				return mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatal("no kontor_ws_slow_disconnects_total among the gateway's metrics")
		return 0
	}
}
