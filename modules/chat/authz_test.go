package chat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// Every way to read or change a conversation, for people who are not in it.
func TestNobodyOutsideAConversationReachesIt(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		outsider := s.Person("outsider")
		admin := s.Person("root", authn.RoleAdmin, authn.RoleCompliance)
		former := s.Person("former")
		priv := createChannel(t, ann, map[string]any{"name": "vertraulich", "private": true, "member_ids": []string{bob.ID, former.ID}})
		ann.Must(204, "DELETE", "/api/v1/channels/"+priv.ID+"/members/"+former.ID, nil)
		var dm chat.Channel
		ann.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{bob.ID}}).JSON(t, &dm)
		var group chat.Channel
		ann.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{bob.ID, s.Person("third").ID}}).JSON(t, &group)

		for _, c := range []chat.Channel{priv, dm, group} {
			root := say(t, ann, c.ID, "geheim "+c.Kind)
			post(t, bob, c.ID, map[string]any{"text": "antwort", "root_id": root.ID})
			ann.Must(200, "POST", "/api/v1/channels/"+c.ID+"/messages/"+root.ID+"/pin", nil)
			ch := "/api/v1/channels/" + c.ID
			msg := ch + "/messages/" + root.ID
			paths := []struct{ method, path string }{
				{"GET", ch}, {"GET", ch + "/messages"}, {"GET", ch + "/messages?around=1"}, {"GET", ch + "/members"},
				{"GET", ch + "/pins"}, {"GET", msg}, {"GET", msg + "/thread"}, {"GET", msg + "/versions"},
				{"GET", msg + "/readers"}, {"GET", msg + "/follow"}, {"POST", ch + "/messages"}, {"PATCH", msg}, {"DELETE", msg},
				{"POST", msg + "/reactions"}, {"POST", msg + "/pin"}, {"POST", msg + "/follow"}, {"POST", ch + "/read"},
				{"POST", ch + "/join"}, {"POST", ch + "/members"}, {"PATCH", ch}, {"POST", ch + "/archive"},
			}
			bodies := map[string]any{"POST " + ch + "/messages": map[string]any{"text": "x"}, "PATCH " + msg: map[string]any{"text": "x"},
				"POST " + msg + "/reactions": map[string]any{"emoji": "👍"}, "POST " + ch + "/read": map[string]any{"seq": 1},
				"POST " + ch + "/members": map[string]any{"user_ids": []string{outsider.ID}}, "PATCH " + ch: map[string]any{"topic": "x"}}
			for _, who := range []*apptest.Person{outsider, admin, former} {
				for _, p := range paths {
					r := who.Do(p.method, p.path, bodies[p.method+" "+p.path])
					if r.Status != 404 {
						t.Errorf("%s %s %s (%s): %d %s", who.Username, p.method, p.path, c.Kind, r.Status, r.Body)
					}
					if strings.Contains(string(r.Body), "geheim") {
						t.Errorf("%s %s %s leaks the text", who.Username, p.method, p.path)
					}
				}
			}
			for _, who := range []*apptest.Person{outsider, admin, former} {
				if _, ok := sidebar(t, who)[c.ID]; ok {
					t.Errorf("%s has %s in the sidebar", who.Username, c.Kind)
				}
				if ok, _ := s.App.Chat.CanRead(context.Background(), who.ID, c.ID); ok {
					t.Errorf("CanRead(%s, %s) is true", who.Username, c.Kind)
				}
			}
		}
		var browse struct{ Items []chat.Channel }
		outsider.Must(200, "GET", "/api/v1/channels/browse?q=vertraulich", nil).JSON(t, &browse)
		if len(browse.Items) != 0 {
			t.Fatal("a private channel shows up in the public channel browser")
		}
		if r := outsider.Do("GET", "/api/v1/channels/not-an-id/messages", nil); r.Status != 404 {
			t.Fatalf("malformed channel id: %d", r.Status)
		}
	})
}

func TestBadMessagesAreRefusedAndChangeNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		c := createChannel(t, ann, map[string]any{"name": "team"})
		say(t, ann, c.ID, "eins")
		path := "/api/v1/channels/" + c.ID + "/messages"
		for _, tc := range []struct {
			name   string
			body   string
			status int
			code   string
		}{
			{"16001 characters", `{"text":"` + strings.Repeat("ä", 16001) + `"}`, 413, "message_too_long"},
			{"invalid UTF-8", "{\"text\":\"abc\xff\xfe\"}", 422, "invalid_utf8"},
			{"empty", `{"text":"   "}`, 422, "message_empty"},
			{"control characters", `{"text":"a\u0007b"}`, 422, ""},
			{"reply to an unknown message", `{"text":"x","root_id":"01jdxyzabcdefghjkmnpqrstvw"}`, 404, ""},
			{"files where none exist", `{"text":"x","file_ids":["01jdxyzabcdefghjkmnpqrstvw"]}`, 422, ""},
			{"unknown field", `{"text":"x","admin":true}`, 422, ""},
			{"too short a lifetime", `{"text":"x","expires_in_seconds":3}`, 422, ""},
			{"not JSON", `text=x`, 400, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := ann.Do("POST", path, tc.body)
				if r.Status != tc.status || (tc.code != "" && code(r) != tc.code) || r.Problem().Detail == "" {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		if r := ann.Do("POST", "/api/v1/channels/01jdxyzabcdefghjkmnpqrstvw/messages", map[string]any{"text": "x"}); r.Status != 404 {
			t.Fatalf("unknown channel: %d", r.Status)
		}
		ok := say(t, ann, c.ID, strings.Repeat("ß", 16000))
		if got := list(t, ann, path); len(got) != 2 || got[1].ID != ok.ID || ok.Seq != 2 {
			t.Fatalf("refused messages changed the channel: %d messages, last seq %d", len(got), ok.Seq)
		}
		verifyJournal(t, s)
	})
}
