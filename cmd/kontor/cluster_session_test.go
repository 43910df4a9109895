package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// wsClosed waits until the server closes c and returns the close code.
func wsClosed(t *testing.T, c *rtclient.Client) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		if _, err := c.Next(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("the websocket was not closed")
			}
			return rtclient.CloseStatus(err)
		}
	}
}

// A session that ends through node A closes its websockets on node B with
// 4000: a sign-out, and a password change that ends the other sessions.
// The session that changed the password keeps its socket.
func TestClusterSessionEndClosesSocketsOnEveryNode(t *testing.T) {
	a, b, ids := twoNodes(t, "ann", "bob")
	ann := apitest.New(t, a.URL)
	ann.Login("ann", "password-of-ann")
	var ch chat.Channel
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "cluster", "member_ids": []string{ids["bob"]}}).JSON(t, &ch)

	// Sign-out through A of a session whose socket is on B.
	viaA := apitest.New(t, a.URL)
	token := viaA.LoginBearer("bob", "password-of-bob")
	onB := apitest.New(t, b.URL)
	onB.Bearer = token
	ws := wsDial(t, b.URL, onB, rtclient.Fresh)
	viaA.Must(204, "POST", "/api/v1/auth/logout", nil)
	if code := wsClosed(t, ws); code != realtime.CloseSessionEnded {
		t.Fatalf("after signing out through A, the socket on B closed with %d", code)
	}

	// A password change through A ends bob's session on B.
	main := apitest.New(t, a.URL)
	main.LoginBearer("bob", "password-of-bob")
	other := apitest.New(t, b.URL)
	other.LoginBearer("bob", "password-of-bob")
	otherWS, keepWS := wsDial(t, b.URL, other, rtclient.Fresh), wsDial(t, b.URL, main, rtclient.Fresh)
	main.Must(204, "POST", "/api/v1/auth/password", map[string]any{"current_password": "password-of-bob", "new_password": "a new and long password"})
	if code := wsClosed(t, otherWS); code != realtime.CloseSessionEnded {
		t.Fatalf("after a password change through A, the other session's socket on B closed with %d", code)
	}
	ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "still here"})
	if got := frameText(t, wsNext(t, keepWS, "message.created")); got != "still here" {
		t.Fatalf("the socket of the session that changed the password got %q", got)
	}
	a.stop()
	b.stop()
}
