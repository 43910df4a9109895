package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// helpers shared by the chat tests

func createChannel(t *testing.T, p *apptest.Person, body map[string]any) chat.Channel {
	t.Helper()
	var c chat.Channel
	p.Must(http.StatusCreated, "POST", "/api/v1/channels", body).JSON(t, &c)
	return c
}

func post(t *testing.T, p *apptest.Person, channelID string, body map[string]any) chat.Message {
	t.Helper()
	var m chat.Message
	p.Must(http.StatusCreated, "POST", "/api/v1/channels/"+channelID+"/messages", body).JSON(t, &m)
	return m
}

func say(t *testing.T, p *apptest.Person, channelID, text string) chat.Message {
	t.Helper()
	return post(t, p, channelID, map[string]any{"text": text})
}

func list(t *testing.T, p *apptest.Person, path string) []chat.Message {
	t.Helper()
	var out struct{ Items []chat.Message }
	p.Must(200, "GET", path, nil).JSON(t, &out)
	return out.Items
}

func texts(ms []chat.Message) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Text)
	}
	return strings.Join(s, ",")
}

func sidebar(t *testing.T, p *apptest.Person) map[string]chat.Channel {
	t.Helper()
	var out struct{ Items []chat.Channel }
	p.Must(200, "GET", "/api/v1/channels", nil).JSON(t, &out)
	m := map[string]chat.Channel{}
	for _, c := range out.Items {
		m[c.ID] = c
	}
	return m
}

func verifyJournal(t *testing.T, s *apptest.Stack) {
	t.Helper()
	rep, err := s.App.Journal.Verify(context.Background(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("journal does not verify: %+v %v", rep, err)
	}
}

func journalKinds(t *testing.T, s *apptest.Stack, subject string) string {
	t.Helper()
	es, err := s.App.Journal.Entries(context.Background(), journalFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, e := range es {
		ks = append(ks, e.Kind)
	}
	return strings.Join(ks, " ")
}

func code(r *apitest.Response) string { return r.Problem().Code }

func TestChannelsLifecycle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, cem := s.Person("ann"), s.Person("bob"), s.Person("cem")
		pub := createChannel(t, ann, map[string]any{"name": "einkauf", "display_name": "Einkauf", "topic": "Bestellungen"})
		if pub.Kind != "public" || pub.Membership == nil || pub.Membership.Role != "admin" || pub.MemberCount != 1 {
			t.Fatalf("created channel %+v", pub)
		}
		if r := bob.Do("POST", "/api/v1/channels", map[string]any{"name": "Einkauf"}); r.Status != 409 || code(r) != "channel_name_taken" {
			t.Fatalf("duplicate name (case-insensitive): %d %s", r.Status, r.Body)
		}
		for _, bad := range []string{"", "has space", "ümlaut", "-dash", strings.Repeat("x", 65), "a/b"} {
			if r := bob.Do("POST", "/api/v1/channels", map[string]any{"name": bad}); r.Status != 422 {
				t.Errorf("channel name %q: %d", bad, r.Status)
			}
		}
		// Browse and join a public channel.
		var browse struct{ Items []chat.Channel }
		bob.Must(200, "GET", "/api/v1/channels/browse?q=eink", nil).JSON(t, &browse)
		if len(browse.Items) != 1 || browse.Items[0].ID != pub.ID {
			t.Fatalf("browse: %+v", browse.Items)
		}
		if r := bob.Do("GET", "/api/v1/channels/"+pub.ID+"/messages", nil); r.Status != 403 || code(r) != "not_member" {
			t.Fatalf("reading a public channel before joining: %d %s", r.Status, r.Body)
		}
		bob.Must(200, "POST", "/api/v1/channels/"+pub.ID+"/join", nil)
		say(t, bob, pub.ID, "hallo")

		// A private channel: invite, remove (channel admins only), leave.
		priv := createChannel(t, ann, map[string]any{"name": "vorstand", "private": true, "member_ids": []string{bob.ID}})
		if r := cem.Do("GET", "/api/v1/channels/"+priv.ID, nil); r.Status != 404 {
			t.Fatalf("outsider sees a private channel: %d", r.Status)
		}
		if r := cem.Do("POST", "/api/v1/channels/"+priv.ID+"/join", nil); r.Status != 404 {
			t.Fatalf("outsider joins a private channel: %d", r.Status)
		}
		bob.Must(200, "POST", "/api/v1/channels/"+priv.ID+"/members", map[string]any{"user_ids": []string{cem.ID}})
		if r := bob.Do("DELETE", "/api/v1/channels/"+priv.ID+"/members/"+cem.ID, nil); r.Status != 403 {
			t.Fatalf("non-admin removes someone: %d", r.Status)
		}
		ann.Must(204, "DELETE", "/api/v1/channels/"+priv.ID+"/members/"+cem.ID, nil)
		if r := cem.Do("GET", "/api/v1/channels/"+priv.ID+"/messages", nil); r.Status != 404 {
			t.Fatalf("removed member still reads: %d", r.Status)
		}
		bob.Must(204, "POST", "/api/v1/channels/"+priv.ID+"/leave", nil)
		if _, ok := sidebar(t, bob)[priv.ID]; ok {
			t.Fatal("left channel still in the sidebar")
		}
		// The last admin leaving hands the channel to the longest-standing member.
		ann.Must(200, "POST", "/api/v1/channels/"+priv.ID+"/members", map[string]any{"user_ids": []string{cem.ID}})
		ann.Must(204, "POST", "/api/v1/channels/"+priv.ID+"/leave", nil)
		if sidebar(t, cem)[priv.ID].Membership.Role != "admin" {
			t.Fatal("a channel was left without an admin")
		}

		// Archive: readable, not writable.
		if r := bob.Do("POST", "/api/v1/channels/"+pub.ID+"/archive", nil); r.Status != 403 {
			t.Fatalf("non-admin archives: %d", r.Status)
		}
		ann.Must(200, "POST", "/api/v1/channels/"+pub.ID+"/archive", nil)
		if got := texts(list(t, bob, "/api/v1/channels/"+pub.ID+"/messages")); got != "hallo" {
			t.Fatalf("archived channel history: %q", got)
		}
		for _, w := range []struct {
			method, path string
			body         map[string]any
		}{
			{"POST", "/api/v1/channels/" + pub.ID + "/messages", map[string]any{"text": "x"}},
			{"PATCH", "/api/v1/channels/" + pub.ID, map[string]any{"topic": "x"}},
			{"POST", "/api/v1/channels/" + pub.ID + "/members", map[string]any{"user_ids": []string{cem.ID}}},
		} {
			if r := bob.Do(w.method, w.path, w.body); r.Status != 403 || code(r) != "channel_archived" {
				t.Errorf("%s %s in an archived channel: %d %s", w.method, w.path, r.Status, r.Body)
			}
		}
		ann.Must(200, "POST", "/api/v1/channels/"+pub.ID+"/unarchive", nil)
		say(t, bob, pub.ID, "wieder da")
		if k := journalKinds(t, s, pub.ID); !strings.Contains(k, "channel.created") || !strings.Contains(k, "channel.archived") || !strings.Contains(k, "channel.unarchived") {
			t.Fatalf("channel changes on record: %s", k)
		}
		verifyJournal(t, s)
	})
}

func TestAnnouncementChannels(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		boss, staff := s.Person("boss"), s.Person("staff")
		news := createChannel(t, boss, map[string]any{"name": "news", "announcement": true, "member_ids": []string{staff.ID}})
		m := say(t, boss, news.ID, "Betriebsausflug am Freitag")
		if r := staff.Do("POST", "/api/v1/channels/"+news.ID+"/messages", map[string]any{"text": "cool"}); r.Status != 403 || code(r) != "announcement_only" {
			t.Fatalf("member posts in an announcement channel: %d %s", r.Status, r.Body)
		}
		staff.Must(200, "POST", "/api/v1/channels/"+news.ID+"/messages/"+m.ID+"/reactions", map[string]any{"emoji": "🎉"})
		if got := texts(list(t, staff, "/api/v1/channels/"+news.ID+"/messages")); got != "Betriebsausflug am Freitag" {
			t.Fatalf("members read: %q", got)
		}
	})
}

func TestDirectMessages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		var people []*apptest.Person
		for i := 0; i < 8; i++ {
			people = append(people, s.Person(fmt.Sprintf("p%d", i)))
		}
		var dm1, dm2 chat.Channel
		ann.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{bob.ID}}).JSON(t, &dm1)
		bob.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{ann.ID, ann.ID}}).JSON(t, &dm2)
		if dm1.ID != dm2.ID || dm1.Kind != "dm" || len(dm1.MemberIDs) != 2 {
			t.Fatalf("the same pair opened twice: %+v vs %+v", dm1, dm2)
		}
		group := []string{bob.ID}
		for _, p := range people[:6] {
			group = append(group, p.ID)
		}
		var g chat.Channel
		ann.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": group}).JSON(t, &g)
		if g.Kind != "group" || g.MemberCount != 8 {
			t.Fatalf("group of 8: %+v", g)
		}
		if r := ann.Do("POST", "/api/v1/channels/direct", map[string]any{"user_ids": append(group, people[6].ID)}); r.Status != 422 || code(r) != "group_too_large" {
			t.Fatalf("group of 9: %d %s", r.Status, r.Body)
		}
		if r := ann.Do("POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{"01jdxyzabcdefghjkmnpqrstvw"}}); r.Status != 422 {
			t.Fatalf("DM with a stranger id: %d", r.Status)
		}
		say(t, ann, dm1.ID, "privat")
		for _, p := range people[:1] {
			for _, path := range []string{"/api/v1/channels/" + dm1.ID, "/api/v1/channels/" + dm1.ID + "/messages", "/api/v1/channels/" + dm1.ID + "/members"} {
				if r := p.Do("GET", path, nil); r.Status != 404 {
					t.Fatalf("third person GET %s: %d", path, r.Status)
				}
			}
		}
		if r := ann.Do("POST", "/api/v1/channels/"+dm1.ID+"/leave", nil); r.Status != 422 {
			t.Fatalf("leaving a DM: %d", r.Status)
		}
	})
}
