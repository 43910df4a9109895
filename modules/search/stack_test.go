package search_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/search"
)

func find(t *testing.T, p *apptest.Person, q string) search.Results {
	t.Helper()
	var r search.Results
	p.Must(200, "GET", "/api/v1/search?q="+url.QueryEscape(q), nil).JSON(t, &r)
	return r
}

// eventually retries until the search gives want hits (the index follows
// the journal within a moment, not inside the posting transaction).
func eventually(t *testing.T, p *apptest.Person, q string, want int) search.Results {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := find(t, p, q)
		if len(r.Items) == want || time.Now().After(deadline) {
			if len(r.Items) != want {
				t.Fatalf("%s searching %q: %d hits, want %d: %+v", p.Username, q, len(r.Items), want, r.Items)
			}
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The whole stack: what chat records reaches the index through the
// journal, in German, English and Chinese, files included, and never
// anyone who may not read it.
func TestSearchThroughTheStack(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, eve := s.Person("ann"), s.Person("bob"), s.Person("eve")
		var ch chat.Channel
		ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "einkauf", "private": true, "member_ids": []string{bob.ID}}).JSON(t, &ch)
		post := func(text string, fileIDs ...string) chat.Message {
			var m chat.Message
			body := map[string]any{"text": text}
			if len(fileIDs) > 0 {
				body["file_ids"] = fileIDs
			}
			ann.Must(http.StatusCreated, "POST", "/api/v1/channels/"+ch.ID+"/messages", body).JSON(t, &m)
			return m
		}
		de := post("Die Häuser am Hafen brauchen neue Fenster")
		post("我们明天下午开会讨论新项目")
		post("Please review the quarterly budget proposal")
		var notes files.File
		ann.Must(http.StatusCreated, "POST", "/api/v1/files?name=notizen.txt", []byte("Lieferantenliste und Quartalszahlen")).JSON(t, &notes)
		post("Notizen anbei", notes.ID)

		eventually(t, bob, "Haus", 1)
		eventually(t, bob, "开会", 1)
		eventually(t, bob, `"quarterly budget"`, 1)
		eventually(t, bob, "Quartalszahlen", 1)
		r := eventually(t, bob, "Fenster from:@ann in:~einkauf", 1)
		if h := r.Items[0]; h.MessageID != de.ID || h.AuthorUsername != "ann" || !strings.Contains(h.Snippet, "<mark>") {
			t.Fatalf("hit: %+v", h)
		}
		for _, q := range []string{"Haus", "Quartalszahlen", "开会"} {
			if n := len(find(t, eve, q).Items); n != 0 {
				t.Fatalf("eve (never a member) finds %d for %q", n, q)
			}
		}
		// Naming the private channel does not confirm it exists.
		if r := eve.Do("GET", "/api/v1/search?q="+url.QueryEscape("in:~einkauf Haus"), nil); r.Status != 422 || r.Problem().Code != "unknown_channel" {
			t.Fatalf("eve names the private channel: %d %s", r.Status, r.Body)
		}
		// Removed: stops finding at once. Deleted: gone for everyone.
		ann.Must(204, "DELETE", "/api/v1/channels/"+ch.ID+"/members/"+bob.ID, nil)
		if n := len(find(t, bob, "Haus").Items); n != 0 {
			t.Fatalf("a removed member still finds %d", n)
		}
		ann.Must(204, "DELETE", "/api/v1/channels/"+ch.ID+"/messages/"+de.ID, nil)
		eventually(t, ann, "Haus", 0)
	})
}
