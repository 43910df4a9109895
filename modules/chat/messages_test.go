package chat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

func TestMessagesOrderAndPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann := s.Person("ann")
		c := createChannel(t, ann, map[string]any{"name": "zahlen"})
		for i := 1; i <= 30; i++ {
			say(t, ann, c.ID, fmt.Sprint(i))
		}
		base := "/api/v1/channels/" + c.ID + "/messages"
		for _, tc := range []struct{ query, want string }{
			{"?limit=3", "28,29,30"},
			{"?before=5&limit=3", "2,3,4"},
			{"?after=27", "28,29,30"},
			{"?around=15&limit=4", "13,14,15,16"},
			{"?before=2", "1"},
			{"?after=30", ""},
		} {
			if got := texts(list(t, ann, base+tc.query)); got != tc.want {
				t.Errorf("%s: got %s, want %s", tc.query, got, tc.want)
			}
		}
		ms := list(t, ann, base+"?limit=200")
		for i := 1; i < len(ms); i++ {
			if ms[i].Seq != ms[i-1].Seq+1 {
				t.Fatalf("sequence has a gap or disorder at %d: %d after %d", i, ms[i].Seq, ms[i-1].Seq)
			}
		}
	})
}

func TestEditDeleteAndTheRecord(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		officer := s.Person("officer", authn.RoleCompliance)
		c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID, officer.ID}})
		m := say(t, ann, c.ID, "Angebot: 100 €")
		path := "/api/v1/channels/" + c.ID + "/messages/" + m.ID
		var edited chat.Message
		ann.Must(200, "PATCH", path, map[string]any{"text": "Angebot: 120 €"}).JSON(t, &edited)
		ann.Must(200, "PATCH", path, map[string]any{"text": "Angebot: 125 €"}).JSON(t, &edited)
		if edited.Version != 3 || edited.EditedAt == nil || edited.Text != "Angebot: 125 €" {
			t.Fatalf("edited: %+v", edited)
		}
		if r := bob.Do("PATCH", path, map[string]any{"text": "Angebot: 1 €"}); r.Status != 403 || code(r) != "not_author" {
			t.Fatalf("editing someone else's message: %d %s", r.Status, r.Body)
		}
		if r := bob.Do("GET", path+"/versions", nil); r.Status != 403 {
			t.Fatalf("a member reads someone else's edit history: %d", r.Status)
		}
		var vs struct{ Items []chat.Version }
		officer.Must(200, "GET", path+"/versions", nil).JSON(t, &vs)
		if len(vs.Items) != 2 || vs.Items[0].Text != "Angebot: 100 €" || vs.Items[1].Text != "Angebot: 120 €" {
			t.Fatalf("versions for compliance: %+v", vs.Items)
		}
		if r := bob.Do("DELETE", path, nil); r.Status != 403 {
			t.Fatalf("deleting someone else's message: %d", r.Status)
		}
		ann.Must(204, "DELETE", path, nil)
		if got := texts(list(t, bob, "/api/v1/channels/"+c.ID+"/messages")); got != "" {
			t.Fatalf("deleted message still listed: %q", got)
		}
		if r := bob.Do("GET", path, nil); r.Status != 404 {
			t.Fatalf("deleted message fetched: %d", r.Status)
		}
		if k := journalKinds(t, s, m.ID); k != "message.created message.edited message.edited message.deleted" {
			t.Fatalf("record of the message: %s", k)
		}
		verifyJournal(t, s)
	})
}

func TestThreadsReactionsPins(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
		root := say(t, ann, c.ID, "Wer kommt zum Meeting?")
		post(t, bob, c.ID, map[string]any{"text": "ich", "root_id": root.ID})
		reply := post(t, ann, c.ID, map[string]any{"text": "super", "root_id": root.ID})
		if r := bob.Do("POST", "/api/v1/channels/"+c.ID+"/messages", map[string]any{"text": "x", "root_id": reply.ID}); r.Status != 422 {
			t.Fatalf("reply to a reply: %d", r.Status)
		}
		thread := list(t, bob, "/api/v1/channels/"+c.ID+"/messages/"+root.ID+"/thread")
		if texts(thread) != "Wer kommt zum Meeting?,ich,super" || thread[0].ReplyCount != 2 || thread[0].LastReplyAt == nil {
			t.Fatalf("thread: %q %+v", texts(thread), thread[0])
		}
		if got := texts(list(t, bob, "/api/v1/channels/"+c.ID+"/messages")); got != "Wer kommt zum Meeting?" {
			t.Fatalf("replies leak into the channel list: %q", got)
		}
		var fol struct {
			UserIDs []string `json:"user_ids"`
		}
		// Both who wrote in the thread follow it.
		bob.Must(200, "GET", "/api/v1/channels/"+c.ID+"/messages/"+root.ID+"/follow", nil).JSON(t, &fol)
		if len(fol.UserIDs) != 2 {
			t.Fatalf("followers of a thread with two writers: %v", fol.UserIDs)
		}
		bob.Must(200, "DELETE", "/api/v1/channels/"+c.ID+"/messages/"+root.ID+"/follow", nil).JSON(t, &fol)
		if len(fol.UserIDs) != 1 || fol.UserIDs[0] != ann.ID {
			t.Fatalf("followers after bob unfollows: %v", fol.UserIDs)
		}
		// Reactions toggle; junk is refused.
		rpath := "/api/v1/channels/" + c.ID + "/messages/" + root.ID + "/reactions"
		var m chat.Message
		for _, e := range []string{"👍", "👍🏽", ":tada:", "🇩🇪", "👨‍👩‍👧", "1️⃣"} {
			bob.Must(200, "POST", rpath, map[string]any{"emoji": e}).JSON(t, &m)
		}
		ann.Must(200, "POST", rpath, map[string]any{"emoji": "👍"}).JSON(t, &m)
		thumbs := 0
		for _, r := range m.Reactions {
			if r.Emoji == "👍" {
				thumbs = r.Count
			}
		}
		if len(m.Reactions) != 6 || thumbs != 2 {
			t.Fatalf("reactions: %+v", m.Reactions)
		}
		bob.Must(200, "POST", rpath, map[string]any{"emoji": "👍"}).JSON(t, &m)
		for _, r := range m.Reactions {
			if r.Emoji == "👍" && (r.Count != 1 || r.UserIDs[0] != ann.ID) {
				t.Fatalf("toggle off: %+v", r)
			}
		}
		for _, junk := range []string{"", "a", "<script>", "👍 and text", ":bad code:", strings.Repeat("👍", 40), "\u0000", "::"} {
			if r := bob.Do("POST", rpath, map[string]any{"emoji": junk}); r.Status != 422 {
				t.Errorf("reaction %q: %d %s", junk, r.Status, r.Body)
			}
		}
		// Pins.
		bob.Must(200, "POST", "/api/v1/channels/"+c.ID+"/messages/"+root.ID+"/pin", nil)
		pins := list(t, ann, "/api/v1/channels/"+c.ID+"/pins")
		if len(pins) != 1 || pins[0].PinnedBy != bob.ID {
			t.Fatalf("pins: %+v", pins)
		}
		ann.Must(200, "DELETE", "/api/v1/channels/"+c.ID+"/messages/"+root.ID+"/pin", nil)
		if len(list(t, ann, "/api/v1/channels/"+c.ID+"/pins")) != 0 {
			t.Fatal("unpinned message still pinned")
		}
		verifyJournal(t, s)
	})
}

func TestMentionsUnreadAndReadPositions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, cem := s.Person("ann"), s.Person("bob"), s.Person("cem")
		c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
		say(t, ann, c.ID, "Hallo @bob und @cem (nicht im Kanal), schau mal")
		say(t, ann, c.ID, "noch was")
		m3 := say(t, ann, c.ID, "@channel Achtung")
		say(t, bob, c.ID, "gelesen")
		st := sidebar(t, bob)[c.ID].Membership
		// bob's own post moved his read position past everything.
		if st.UnreadCount != 0 || st.MentionCount != 0 {
			t.Fatalf("after posting, bob has %+v", st)
		}
		var ms chat.Membership
		bob.Must(200, "POST", "/api/v1/channels/"+c.ID+"/unread", map[string]any{"seq": 1}).JSON(t, &ms)
		if ms.UnreadCount != 3 || ms.MentionCount != 2 || ms.LastReadSeq != 0 {
			t.Fatalf("marked unread from the first message: %+v", ms)
		}
		bob.Must(200, "POST", "/api/v1/channels/"+c.ID+"/read", map[string]any{"seq": m3.Seq - 1}).JSON(t, &ms)
		if ms.UnreadCount != 1 || ms.MentionCount != 1 {
			t.Fatalf("read up to the second: %+v", ms)
		}
		if r := bob.Do("POST", "/api/v1/channels/"+c.ID+"/read", map[string]any{"seq": 999}); r.Status != 422 {
			t.Fatalf("reading past the end: %d", r.Status)
		}
		first := list(t, bob, "/api/v1/channels/"+c.ID+"/messages?before=2")[0]
		if len(first.Mentions) != 1 || first.Mentions[0] != bob.ID {
			t.Fatalf("mentions of a non-member are kept: %v", first.Mentions)
		}
		_ = cem
	})
}

func TestReadReceipts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob, cem := s.Person("ann"), s.Person("bob"), s.Person("cem")
		var dm chat.Channel
		ann.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{bob.ID}}).JSON(t, &dm)
		m := say(t, ann, dm.ID, "Hast du Zeit?")
		if m2 := list(t, ann, "/api/v1/channels/"+dm.ID+"/messages")[0]; m2.Read == nil || *m2.Read {
			t.Fatalf("unread DM shows %+v", m2.Read)
		}
		bob.Must(200, "POST", "/api/v1/channels/"+dm.ID+"/read", map[string]any{"seq": m.Seq})
		if m2 := list(t, ann, "/api/v1/channels/"+dm.ID+"/messages")[0]; m2.Read == nil || !*m2.Read {
			t.Fatal("the sender does not see 'read'")
		}
		// In a channel: how many and who.
		c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID, cem.ID}})
		cm := say(t, ann, c.ID, "Neue Preise")
		bob.Must(200, "POST", "/api/v1/channels/"+c.ID+"/read", map[string]any{"seq": cm.Seq})
		got := list(t, ann, "/api/v1/channels/"+c.ID+"/messages")[0]
		if got.ReadCount == nil || *got.ReadCount != 1 {
			t.Fatalf("read count: %v", got.ReadCount)
		}
		var readers struct {
			UserIDs []string `json:"user_ids"`
		}
		ann.Must(200, "GET", "/api/v1/channels/"+c.ID+"/messages/"+cm.ID+"/readers", nil).JSON(t, &readers)
		if len(readers.UserIDs) != 1 || readers.UserIDs[0] != bob.ID {
			t.Fatalf("readers: %v", readers.UserIDs)
		}
		// Bob turns receipts off: ann no longer learns what he read, and he sees none.
		bob.Must(200, "PATCH", "/api/v1/chat/my-settings", map[string]any{"read_receipts": "off"})
		if got := list(t, ann, "/api/v1/channels/"+c.ID+"/messages")[0]; got.ReadCount == nil || *got.ReadCount != 0 {
			t.Fatalf("bob's read still counted after opting out: %v", got.ReadCount)
		}
		if got := list(t, bob, "/api/v1/channels/"+c.ID+"/messages")[0]; got.ReadCount != nil {
			t.Fatal("bob sees receipts after opting out")
		}
		if r := bob.Do("GET", "/api/v1/channels/"+c.ID+"/messages/"+cm.ID+"/readers", nil); r.Status != 403 {
			t.Fatalf("readers for someone who opted out: %d", r.Status)
		}
		// Admins set the default; a member cannot.
		if r := ann.Do("PATCH", "/api/v1/chat/settings", map[string]any{"read_receipts_default": false}); r.Status != 403 {
			t.Fatalf("member changes the default: %d", r.Status)
		}
		admin := s.Person("root", authn.RoleAdmin)
		admin.Must(200, "PATCH", "/api/v1/chat/settings", map[string]any{"read_receipts_default": false})
		if got := list(t, ann, "/api/v1/channels/"+c.ID+"/messages")[0]; got.ReadCount != nil {
			t.Fatal("receipts still shown with the default off")
		}
	})
}

func TestSelfDestructingMessages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "geheim", "member_ids": []string{bob.ID}})
		kept := post(t, ann, c.ID, map[string]any{"text": "Code 4711", "expires_in_seconds": 3600})
		if kept.ExpiresAt == nil {
			t.Fatal("no expiry on the message")
		}
		if got := texts(list(t, bob, "/api/v1/channels/"+c.ID+"/messages")); got != "Code 4711" {
			t.Fatalf("before expiry: %q", got)
		}
		s.Clock.Advance(time.Hour + time.Second)
		// Gone for people at once, even before the job runs.
		if got := texts(list(t, bob, "/api/v1/channels/"+c.ID+"/messages")); got != "" {
			t.Fatalf("after expiry: %q", got)
		}
		if n, err := s.App.Chat.ExpireDue(t.Context()); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		es, _ := s.App.Journal.Entries(t.Context(), journalFilter(kept.ID))
		if len(es) != 2 || es[1].Kind != "message.expired" || es[0].Purged || !strings.Contains(string(es[0].Content), "Code 4711") {
			t.Fatalf("by default the record keeps it: %+v", es)
		}
		// The compliance officer decides the record drops them.
		officer := s.Person("officer", authn.RoleCompliance)
		if r := ann.Do("PATCH", "/api/v1/chat/settings", map[string]any{"expired_kept_on_record": false}); r.Status != 403 {
			t.Fatalf("a member changes the record policy: %d", r.Status)
		}
		officer.Must(200, "PATCH", "/api/v1/chat/settings", map[string]any{"expired_kept_on_record": false})
		gone := post(t, ann, c.ID, map[string]any{"text": "Passwort hunter2", "expires_in_seconds": 60})
		s.Clock.Advance(time.Minute + time.Second)
		if _, err := s.App.Chat.ExpireDue(t.Context()); err != nil {
			t.Fatal(err)
		}
		es, _ = s.App.Journal.Entries(t.Context(), journalFilter(gone.ID))
		if len(es) < 1 || !es[0].Purged || es[0].Content != nil {
			t.Fatalf("purged from the record: %+v", es)
		}
		verifyJournal(t, s)
		// Admins can switch the feature off.
		admin := s.Person("root", authn.RoleAdmin)
		admin.Must(200, "PATCH", "/api/v1/chat/settings", map[string]any{"self_destruct_enabled": false})
		if r := ann.Do("POST", "/api/v1/channels/"+c.ID+"/messages", map[string]any{"text": "x", "expires_in_seconds": 60}); r.Status != 422 || code(r) != "self_destruct_disabled" {
			t.Fatalf("self-destruct while off: %d %s", r.Status, r.Body)
		}
	})
}

// A client that lost the answer to a post sends it again with the same
// client_id and gets the message it already posted, not a second one;
// also when the two tries are in flight at once.
func TestPostingAgainWithTheSameClientIDPostsOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "einmal", "member_ids": []string{bob.ID}})
		other := createChannel(t, ann, map[string]any{"name": "anderswo"})
		base := "/api/v1/channels/" + c.ID + "/messages"
		body := map[string]any{"text": "Nur einmal, bitte", "client_id": "2b1c6e0e-5f7e-4c4e-9a51-0d7f0c6b9e11"}
		first := post(t, ann, c.ID, body)
		again := post(t, ann, c.ID, body)
		if again.ID != first.ID || again.Seq != first.Seq {
			t.Fatalf("the retry made another message: %s then %s", first.ID, again.ID)
		}
		// The id is the client's: another person, or another channel, is another message.
		if m := post(t, bob, c.ID, body); m.ID == first.ID {
			t.Fatal("bob's post with ann's client_id returned ann's message")
		}
		if m := post(t, ann, other.ID, body); m.ID == first.ID {
			t.Fatal("the same client_id in another channel returned the first channel's message")
		}
		// Ten tries at once: one message.
		race := map[string]any{"text": "Zehnmal gesendet", "client_id": "race-1"}
		got := make(chan string, 10)
		for range 10 {
			go func() {
				r := ann.Do("POST", base, race)
				var m chat.Message
				if r.Status == 201 {
					r.JSON(t, &m)
				}
				got <- fmt.Sprintf("%d %s", r.Status, m.ID)
			}()
		}
		var answers []string
		for range 10 {
			answers = append(answers, <-got)
		}
		for _, a := range answers[1:] {
			if a != answers[0] || !strings.HasPrefix(a, "201 ") {
				t.Fatalf("ten tries at once: %v", answers)
			}
		}
		if got := texts(list(t, ann, base)); got != "Nur einmal, bitte,Nur einmal, bitte,Zehnmal gesendet" {
			t.Fatalf("messages: %s", got)
		}
		if k := journalKinds(t, s, first.ID); k != "message.created" {
			t.Fatalf("journal for the message posted twice: %s", k)
		}
		// Junk ids are refused, and a retry of a deleted message says so.
		for _, bad := range []string{"mit Leerzeichen", strings.Repeat("x", 65), "ü"} {
			if r := ann.Do("POST", base, map[string]any{"text": "x", "client_id": bad}); r.Status != 422 {
				t.Errorf("client_id %q: %d", bad, r.Status)
			}
		}
		ann.Must(204, "DELETE", base+"/"+first.ID, nil)
		if r := ann.Do("POST", base, body); r.Status != 410 || code(r) != "message_deleted" {
			t.Fatalf("retrying a deleted message: %d %s", r.Status, r.Body)
		}
		verifyJournal(t, s)
	})
}

// "on" says what the person wants, so a repeated request (a retry, a
// double click) changes nothing more; without it the request toggles.
func TestReactionsSaidTwiceCountOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ann, bob := s.Person("ann"), s.Person("bob")
		c := createChannel(t, ann, map[string]any{"name": "daumen", "member_ids": []string{bob.ID}})
		m := say(t, ann, c.ID, "Passt das so?")
		path := "/api/v1/channels/" + c.ID + "/messages/" + m.ID + "/reactions"
		react := func(body map[string]any) []chat.Reaction {
			t.Helper()
			var out chat.Message
			bob.Must(200, "POST", path, body).JSON(t, &out)
			return out.Reactions
		}
		for range 2 {
			if rs := react(map[string]any{"emoji": "👍", "on": true}); len(rs) != 1 || rs[0].Count != 1 {
				t.Fatalf("after on: %+v", rs)
			}
		}
		for range 2 {
			if rs := react(map[string]any{"emoji": "👍", "on": false}); len(rs) != 0 {
				t.Fatalf("after off: %+v", rs)
			}
		}
		if rs := react(map[string]any{"emoji": "👍"}); len(rs) != 1 {
			t.Fatalf("toggle on: %+v", rs)
		}
		if rs := react(map[string]any{"emoji": "👍"}); len(rs) != 0 {
			t.Fatalf("toggle off: %+v", rs)
		}
		if k := journalKinds(t, s, m.ID); k != "message.created reaction.added reaction.removed reaction.added reaction.removed" {
			t.Fatalf("journal: %s", k)
		}
	})
}
