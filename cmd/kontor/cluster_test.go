package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

func natsURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("KONTOR_TEST_NATS_URL")
	if u == "" {
		t.Fatalf("nats-server is not available: KONTOR_TEST_NATS_URL is not set; %s", dbtest.HowToStart)
	}
	return u
}

func wsNext(t *testing.T, c *rtclient.Client, types ...string) realtime.ServerFrame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	f, err := c.NextOf(ctx, types...)
	if err != nil {
		t.Fatalf("waiting for %v: %v", types, err)
	}
	return f
}

func wsDial(t *testing.T, base string, c *apitest.Client, cursor int64) *rtclient.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := rtclient.Dial(ctx, base, c.Header(), cursor)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ws
}

func frameText(t *testing.T, f realtime.ServerFrame) string {
	t.Helper()
	var m chat.Message
	if err := json.Unmarshal(f.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m.Text
}

// twoNodes starts two Kontor nodes on one PostgreSQL and one NATS, with a
// shared journal key, and makes the users (password "password-of-NAME")
// through node A. It returns the nodes and the users' ids.
func twoNodes(t *testing.T, users ...string) (a, b *server, ids map[string]string) {
	t.Helper()
	shared := []string{
		"KONTOR_DATABASE_URL=" + dbtest.PostgresURL(t),
		"KONTOR_NATS_URL=" + natsURL(t),
		"KONTOR_JOURNAL_KEY_FILE=" + filepath.Join(t.TempDir(), "journal.key"),
		"KONTOR_ADMIN_PASSWORD=chosen-by-ops-123",
	}
	a = startServer(t, append([]string{"KONTOR_DATA_DIR=" + t.TempDir()}, shared...)...)
	b = startServer(t, append([]string{"KONTOR_DATA_DIR=" + t.TempDir()}, shared...)...)
	admin := apitest.New(t, a.URL)
	admin.Login("admin", "chosen-by-ops-123")
	ids = map[string]string{}
	for _, u := range users {
		var out struct{ User struct{ ID string } }
		admin.Must(201, "POST", "/api/v1/admin/users", map[string]any{"username": u, "password": "password-of-" + u}).JSON(t, &out)
		ids[u] = out.User.ID
	}
	return a, b, ids
}

// Two nodes on one PostgreSQL and one NATS: a message posted through A
// reaches a websocket on B, presence and typing are the same on both, and
// a client that moves from B to A resumes without a gap or a duplicate.
func TestClusterOfTwoNodes(t *testing.T) {
	a, b, ids := twoNodes(t, "ann", "bob")
	ann := apitest.New(t, a.URL)
	ann.Login("ann", "password-of-ann")
	bob := apitest.New(t, b.URL) // bob's browser talks to node B
	bob.Login("bob", "password-of-bob")
	var ch chat.Channel
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "cluster", "member_ids": []string{ids["bob"]}}).JSON(t, &ch)

	bobWS := wsDial(t, b.URL, bob, rtclient.Fresh)
	annWS := wsDial(t, a.URL, ann, rtclient.Fresh)
	if bobWS.Hello.Node == annWS.Hello.Node {
		t.Fatal("both websockets are on the same node")
	}
	// Presence of ann (on A) as seen on B.
	bobWS.Send(context.Background(), realtime.ClientFrame{Type: "presence_sub", UserIDs: []string{ids["ann"]}})
	for {
		f := wsNext(t, bobWS, "presence")
		var p realtime.Presence
		json.Unmarshal(f.Payload, &p)
		if p.UserID == ids["ann"] && p.Status == "active" {
			break
		}
	}
	for _, node := range []string{a.URL, b.URL} {
		c := apitest.New(t, node)
		c.Login("bob", "password-of-bob")
		var ps struct{ Items []realtime.Presence }
		c.Must(200, "GET", "/api/v1/presence?user_ids="+ids["ann"]+","+ids["bob"], nil).JSON(t, &ps)
		if ps.Items[0].Status != "active" || ps.Items[1].Status != "active" {
			t.Fatalf("presence on %s: %+v", node, ps.Items)
		}
	}
	// A message through A reaches B; typing too.
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "über Knoten A"})
	if got := frameText(t, wsNext(t, bobWS, "message.created")); got != "über Knoten A" {
		t.Fatalf("bob on B got %q", got)
	}
	annWS.Send(context.Background(), realtime.ClientFrame{Type: "typing", ChannelID: ch.ID})
	if f := wsNext(t, bobWS, "typing"); f.ChannelID != ch.ID {
		t.Fatalf("typing on B: %+v", f)
	}
	// bob moves from B to A while ann keeps writing.
	cursor := bobWS.Cursor
	bobWS.Close()
	for i := 1; i <= 5; i++ {
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": fmt.Sprint(i)})
	}
	moved := wsDial(t, a.URL, bob, cursor)
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "6"})
	var got []string
	for len(got) < 6 {
		got = append(got, frameText(t, wsNext(t, moved, "message.created")))
	}
	if strings.Join(got, ",") != "1,2,3,4,5,6" {
		t.Fatalf("after moving to A, bob got %v", got)
	}
	// No duplicate: the next message after 6 is the next one posted
	// (events arrive in order, so a duplicate would come first).
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "7"})
	if got := frameText(t, wsNext(t, moved, "message.created")); got != "7" {
		t.Fatalf("after moving, the message after 6 is %q", got)
	}
	a.stop()
	b.stop()
}
