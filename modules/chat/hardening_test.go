package chat_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
)

// Whether a private channel called "layoffs-2027" exists is known to its
// members only: an outsider creating or renaming a channel to that name is
// not refused (a refusal would answer the question), while a member, who
// can see the channel, is told the name is taken.
func TestPrivateChannelNamesCannotBeProbed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, cem := s.Person("ann"), s.Person("bob"), s.Person("cem")
		secret := createChannel(t, ann, map[string]any{"name": "layoffs-2027", "private": true, "member_ids": []string{cem.ID}})

		// bob and dan know nothing of it: every way of asking for the name succeeds.
		own := createChannel(t, bob, map[string]any{"name": "layoffs-2027", "private": true})
		if own.ID == secret.ID {
			t.Fatal("bob's channel is ann's")
		}
		dan := s.Person("dan")
		pub := createChannel(t, dan, map[string]any{"name": "planning"})
		var renamed chat.Channel
		dan.Must(http.StatusOK, "PATCH", "/api/v1/channels/"+pub.ID, map[string]any{"name": "layoffs-2027"}).JSON(t, &renamed)
		if renamed.Name != "layoffs-2027" {
			t.Fatalf("renamed to %q", renamed.Name)
		}
		// Public names stay unique: now that a public channel has the name,
		// anyone is told so (it is visible to everyone anyway).
		if r := s.Person("eve").Do("POST", "/api/v1/channels", map[string]any{"name": "layoffs-2027"}); r.Status != 409 || code(r) != "channel_name_taken" {
			t.Fatalf("second public channel of the same name: %d %s", r.Status, r.Body)
		}
		// cem is in the private one and sees it: he is told it is taken.
		if r := cem.Do("POST", "/api/v1/channels", map[string]any{"name": "layoffs-2027", "private": true}); r.Status != 409 || code(r) != "channel_name_taken" {
			t.Fatalf("a member re-using the name of a channel he is in: %d %s", r.Status, r.Body)
		}
		other := createChannel(t, cem, map[string]any{"name": "cem-notes", "private": true})
		if r := cem.Do("PATCH", "/api/v1/channels/"+other.ID, map[string]any{"name": "layoffs-2027"}); r.Status != 409 || code(r) != "channel_name_taken" {
			t.Fatalf("a member renaming to the name of a channel he is in: %d %s", r.Status, r.Body)
		}
		// Renaming a channel to its own name is no clash.
		ann.Must(http.StatusOK, "PATCH", "/api/v1/channels/"+secret.ID, map[string]any{"name": "layoffs-2027", "topic": "x"})

		// in:layoffs-2027 means the channel the person is in first.
		for _, tc := range []struct {
			who  string
			want string
		}{{ann.ID, secret.ID}, {bob.ID, own.ID}, {dan.ID, pub.ID}, {s.Person("fay").ID, pub.ID}} {
			id, ok, err := s.App.Chat.ChannelByName(t.Context(), tc.who, "Layoffs-2027")
			if err != nil || !ok || id != tc.want {
				t.Errorf("ChannelByName for %s = %s %v %v, want %s", tc.who, id, ok, err, tc.want)
			}
		}
	})
}

// Invisible format characters (bidirectional overrides, zero-width space,
// byte order mark) make one name look like another; they are refused in
// channel display names and topics and in people's names, and nobody but
// an admin takes a name like "Administrator".
func TestNamesWithInvisibleCharactersAreRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		c := createChannel(t, ann, map[string]any{"name": "einkauf"})
		for _, tc := range []struct {
			method, path string
			body         map[string]any
		}{
			{"POST", "/api/v1/channels", map[string]any{"name": "x1", "display_name": "Einkauf\u202E"}},
			{"POST", "/api/v1/channels", map[string]any{"name": "x2", "topic": "Budget\u200B"}},
			{"PATCH", "/api/v1/channels/" + c.ID, map[string]any{"display_name": "\u2066Einkauf\u2069"}},
			{"PATCH", "/api/v1/users/me", map[string]any{"display_name": "Ann\uFEFF"}},
			{"PATCH", "/api/v1/users/me", map[string]any{"title": "IT\u202Etroppus"}},
		} {
			if r := ann.Do(tc.method, tc.path, tc.body); r.Status != 422 || code(r) != "invisible_character" {
				t.Errorf("%s %s %v: %d %s", tc.method, tc.path, tc.body, r.Status, r.Body)
			}
		}
		var got chat.Channel
		ann.Must(http.StatusOK, "GET", "/api/v1/channels/"+c.ID, nil).JSON(t, &got)
		if got.DisplayName != "einkauf" || got.Topic != "" {
			t.Fatalf("a refused change changed the channel: %+v", got)
		}
		if _, ok, _ := s.App.Chat.ChannelByName(t.Context(), ann.ID, "x1"); ok {
			t.Fatal("a refused channel was created")
		}
		// Names that belong to the system.
		for _, name := range []string{"Administrator", "ADMIN", "Compliance Officer", "S.y.s.t.e.m"} {
			if r := ann.Do("PATCH", "/api/v1/users/me", map[string]any{"display_name": name}); r.Status != 422 || code(r) != "reserved_name" {
				t.Errorf("display name %q: %d %s", name, r.Status, r.Body)
			}
		}
		// Names people really have pass, joiners in emoji and scripts included.
		for _, name := range []string{"Anna Admin-Koch", "Ann 👩\u200D💻", "李伟"} {
			ann.Must(http.StatusOK, "PATCH", "/api/v1/users/me", map[string]any{"display_name": name})
		}
	})
}

// A self-destructing message takes its thread with it: replies inherit the
// first message's lifetime (or keep a shorter one of their own) and are
// gone when it goes, read directly or through the thread.
func TestRepliesGoWithTheirSelfDestructingThread(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "geheim", "member_ids": []string{bob.ID}})
		root := post(t, ann, c.ID, map[string]any{"text": "Der Tresorcode folgt", "expires_in_seconds": 600})
		reply := post(t, bob, c.ID, map[string]any{"text": "Code 4711", "root_id": root.ID})
		short := post(t, bob, c.ID, map[string]any{"text": "kurz", "root_id": root.ID, "expires_in_seconds": 60})
		if reply.ExpiresAt == nil || !reply.ExpiresAt.Equal(*root.ExpiresAt) {
			t.Fatalf("the reply does not go with its thread: expires %v, thread %v", reply.ExpiresAt, root.ExpiresAt)
		}
		if short.ExpiresAt == nil || !short.ExpiresAt.Before(*root.ExpiresAt) {
			t.Fatalf("a shorter lifetime of the reply's own was lost: %v", short.ExpiresAt)
		}
		path := "/api/v1/channels/" + c.ID + "/messages/"
		bob.Must(http.StatusOK, "GET", path+reply.ID, nil)
		s.Clock.Advance(10*time.Minute + time.Second)
		// Gone at once, before the job runs.
		for _, id := range []string{root.ID, reply.ID} {
			if r := bob.Do("GET", path+id, nil); r.Status != 404 {
				t.Fatalf("GET %s after the thread expired: %d %s", id, r.Status, r.Body)
			}
		}
		if _, err := s.App.Chat.ExpireDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r := bob.Do("GET", path+reply.ID, nil); r.Status != 404 {
			t.Fatalf("reply after the expiry job: %d %s", r.Status, r.Body)
		}
		if kinds := journalKinds(t, s, reply.ID); kinds != "message.created message.expired" {
			t.Fatalf("the record of the reply: %s", kinds)
		}
		verifyJournal(t, s)
	})
}

// A reply posted before replies inherited the thread's lifetime (or kept a
// longer one) still goes when the thread does: the expiry job takes the
// whole thread.
func TestExpiryJobTakesLongerLivedReplies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "geheim", "member_ids": []string{bob.ID}})
		root := post(t, ann, c.ID, map[string]any{"text": "Der Tresorcode folgt", "expires_in_seconds": 60})
		reply := post(t, bob, c.ID, map[string]any{"text": "Code 4711", "root_id": root.ID})
		// As an older server stored it: a reply without the thread's lifetime.
		if _, err := s.App.DB.ExecContext(t.Context(), `UPDATE messages SET expires_at = 0 WHERE id = ?`, reply.ID); err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(time.Minute + time.Second)
		if _, err := s.App.Chat.ExpireDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		if r := bob.Do("GET", "/api/v1/channels/"+c.ID+"/messages/"+reply.ID, nil); r.Status != 404 {
			t.Fatalf("a reply of an expired thread: %d %s", r.Status, r.Body)
		}
		if kinds := journalKinds(t, s, reply.ID); kinds != "message.created message.expired" {
			t.Fatalf("the record of the reply: %s", kinds)
		}
	})
}
