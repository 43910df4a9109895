package compliance_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// The conflict matrix of issue 11: content a legal hold covers survives
// self-destruct, deletion by its author, moderation and GDPR erasure
// (retention is h-ret's TestRetention... tests). Each row acts on a message
// with a file by a held custodian and, as the control, on the same by
// someone no hold covers; what members see follows the action either way,
// what the record keeps follows the hold. Releasing the hold afterwards
// deletes nothing by itself.
func TestHeldContentSurvivesEveryWayOfRemovingIt(t *testing.T) {
	eachStack(t, func(t *testing.T, s stack) {
		ctx := context.Background()
		comp, adm := s.Person("comp", authn.RoleCompliance), s.Person("adm", authn.RoleAdmin)
		reader := s.Person("rita")
		comp.Must(http.StatusOK, "PATCH", "/api/v1/chat/settings", map[string]any{"expired_kept_on_record": false})

		// What members see after the action.
		const (
			seesNothing     = "nothing"     // the message is gone from the channel
			seesPlaceholder = "placeholder" // "removed by moderation", no text, no file
			seesIt          = "it"          // the message as it was
		)
		type item struct {
			author *apptest.Person
			ch     chat.Channel
			msg    chat.Message
			file   files.File
		}
		cases := []struct {
			name string
			// act removes the item the way the row says.
			act func(t *testing.T, it item)
			// member is what members see afterwards; purgedUnheld says
			// whether the record drops the content when no hold covers it.
			member       string
			purgedUnheld bool
		}{
			{"self-destruct", func(t *testing.T, it item) {
				s.Clock.Advance(time.Minute + time.Second)
				if _, err := s.App.Chat.ExpireDue(ctx); err != nil {
					t.Fatal(err)
				}
			}, seesNothing, true},
			{"deletion by its author", func(t *testing.T, it item) {
				it.author.Must(http.StatusNoContent, "DELETE", "/api/v1/channels/"+it.ch.ID+"/messages/"+it.msg.ID, nil)
				it.author.Must(http.StatusNoContent, "DELETE", "/api/v1/files/"+it.file.ID, nil)
			}, seesNothing, false},
			{"moderation", func(t *testing.T, it item) {
				comp.Must(http.StatusOK, "POST", "/api/v1/compliance/messages/"+it.msg.ID+"/moderate", map[string]any{"reason": "Verstoß"})
				adm.Must(http.StatusOK, "POST", "/api/v1/compliance/files/"+it.file.ID+"/moderate", map[string]any{"reason": "Verstoß"})
			}, seesPlaceholder, false},
			{"GDPR erasure", func(t *testing.T, it item) {
				adm.Must(http.StatusOK, "PATCH", "/api/v1/admin/users/"+it.author.ID, map[string]any{"status": "disabled"})
				var plan compliance.Erasure
				comp.Must(http.StatusOK, "GET", "/api/v1/compliance/users/"+it.author.ID+"/erasure", nil).JSON(t, &plan)
				comp.Must(http.StatusOK, "POST", "/api/v1/compliance/users/"+it.author.ID+"/erasure",
					map[string]any{"reason": "Art. 17", "confirm": plan.Pseudonym})
			}, seesIt, true},
		}

		// One held custodian and one free author per row (erasure takes
		// everything of its author).
		var held, free []item
		var custodians []string
		for i, tc := range cases {
			for _, isHeld := range []bool{true, false} {
				name := "frei"
				if isHeld {
					name = "gehalten"
				}
				p := s.Person(name + string(rune('a'+i)))
				var it item
				it.author = p
				p.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "k-" + p.Username,
					"member_ids": []string{reader.ID}}).JSON(t, &it.ch)
				p.Must(http.StatusCreated, "POST", "/api/v1/files?name=beleg.txt", []byte("Beleg "+tc.name+" "+name+"\n")).JSON(t, &it.file)
				body := map[string]any{"text": "Inhalt " + tc.name + " " + name, "file_ids": []string{it.file.ID}}
				if tc.name == "self-destruct" {
					body["expires_in_seconds"] = 60
				}
				p.Must(http.StatusCreated, "POST", "/api/v1/channels/"+it.ch.ID+"/messages", body).JSON(t, &it.msg)
				if isHeld {
					held = append(held, it)
					custodians = append(custodians, p.ID)
				} else {
					free = append(free, it)
				}
			}
		}
		var hold compliance.Hold
		comp.Must(http.StatusCreated, "POST", "/api/v1/compliance/holds", map[string]any{"matter": "Matrix",
			"custodian_ids": custodians}).JSON(t, &hold)

		// onRecord reports whether the journal still holds the message's
		// text and the file's entry, and the store the file's bytes.
		onRecord := func(t *testing.T, it item) (msg, file, bytes bool) {
			t.Helper()
			es, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: it.msg.ID})
			if err != nil {
				t.Fatal(err)
			}
			msg = len(es) > 0 && !es[0].Purged && strings.Contains(string(es[0].Content), it.msg.Text)
			fs, err := s.App.Journal.Entries(ctx, journal.Filter{SubjectID: it.file.ID})
			if err != nil {
				t.Fatal(err)
			}
			file = len(fs) > 0 && !fs[0].Purged
			return msg, file, s.hasBlob(t, it.file.ID)
		}
		memberSees := func(t *testing.T, it item) string {
			t.Helper()
			var page struct{ Items []chat.Message }
			reader.Must(http.StatusOK, "GET", "/api/v1/channels/"+it.ch.ID+"/messages", nil).JSON(t, &page)
			switch {
			case len(page.Items) == 0:
				return seesNothing
			case page.Items[0].Moderated && page.Items[0].Text == "" && len(page.Items[0].Attachments) == 0:
				return seesPlaceholder
			case page.Items[0].Text == it.msg.Text:
				return seesIt
			}
			return "something else: " + page.Items[0].Text
		}

		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.act(t, held[i])
				tc.act(t, free[i])
				if got := memberSees(t, held[i]); got != tc.member {
					t.Errorf("held: members see %s, want %s", got, tc.member)
				}
				if got := memberSees(t, free[i]); got != tc.member && !(tc.purgedUnheld && got == seesNothing) {
					t.Errorf("not held: members see %s, want %s", got, tc.member)
				}
				if msg, file, bytes := onRecord(t, held[i]); !msg || !file || !bytes {
					t.Errorf("held content left the record: message %v, file entry %v, bytes %v", msg, file, bytes)
				}
				if msg, _, _ := onRecord(t, free[i]); msg == tc.purgedUnheld {
					t.Errorf("content no hold covers: on record %v, want %v", msg, !tc.purgedUnheld)
				}
			})
		}

		// Releasing the hold deletes nothing by itself, not even when the
		// file cleanup runs.
		comp.Must(http.StatusOK, "POST", "/api/v1/compliance/holds/"+hold.ID+"/release", nil)
		if _, err := s.App.Files.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		for i, it := range held {
			if msg, file, bytes := onRecord(t, it); !msg || !file || !bytes {
				t.Errorf("%s: the release removed held content: message %v, file entry %v, bytes %v", cases[i].name, msg, file, bytes)
			}
		}
		rep, err := s.App.Journal.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Errorf("journal: %+v %v", rep, err)
		}
		recs, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || !recs.OK() {
			t.Errorf("journal and tables disagree: %+v %v", recs.Mismatches, err)
		}
	})
}
