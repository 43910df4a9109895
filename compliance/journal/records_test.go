package journal_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/platform/authn"
)

// The live tables compared with the journal, through the real chat module:
// untouched they agree; each direct change to a row is named with the
// message, the version and the journal entry that says otherwise.
func TestCheckRecordsNamesEveryRowThatDisagreesWithTheJournal(t *testing.T) {
	type posted struct{ ID string }
	for _, tc := range []struct {
		name   string
		tamper func(ch string, ids []string) string
		want   []string // in the one mismatch expected
	}{
		{"untouched", nil, nil},
		{"message body edited in the table", func(_ string, ids []string) string {
			return fmt.Sprintf(`UPDATE messages SET text = 'Angebot: 80.000 €' WHERE id = '%s'`, ids[0])
		}, []string{"version 2", "journal entry", "content changed", "the message row"}},
		{"earlier version edited in the table", func(_ string, ids []string) string {
			return fmt.Sprintf(`UPDATE message_versions SET text = 'nie gesagt' WHERE message_id = '%s' AND version = 1`, ids[0])
		}, []string{"version 1", "journal entry", "content changed", "message_versions"}},
		{"version row deleted", func(_ string, ids []string) string {
			return fmt.Sprintf(`DELETE FROM message_versions WHERE message_id = '%s' AND version = 1`, ids[0])
		}, []string{"version 1", "journal entry", "version row missing"}},
		{"message row deleted", func(_ string, ids []string) string {
			return fmt.Sprintf(`DELETE FROM messages WHERE id = '%s'`, ids[1])
		}, []string{"journal entry", "row missing"}},
		{"row inserted without a journal entry", func(_ string, ids []string) string {
			return fmt.Sprintf(`INSERT INTO messages (id, channel_id, seq, user_id, text, created_at)
				SELECT 'forged-row', channel_id, 999, user_id, 'untergeschoben', created_at FROM messages WHERE id = '%s'`, ids[1])
		}, []string{"message forged-row", "row without journal entry"}},
		{"deletion undone in the table", func(_ string, ids []string) string {
			return fmt.Sprintf(`UPDATE messages SET deleted_at = 0 WHERE id = '%s'`, ids[2])
		}, []string{"journal entry", "deleted on record but not in the table"}},
		{"author changed in the table", func(_ string, ids []string) string {
			return fmt.Sprintf(`UPDATE messages SET user_id = 'someone-else' WHERE id = '%s'`, ids[1])
		}, []string{"journal entry", "author changed"}},
		{"someone added to the channel in the table", func(ch string, _ []string) string {
			return fmt.Sprintf(`INSERT INTO channel_members (channel_id, user_id, role, joined_at) VALUES ('%s', 'intruder', 'member', 1)`, ch)
		}, []string{"member intruder of channel", "member row without journal entry"}},
		{"member's role raised in the table", func(ch string, _ []string) string {
			return fmt.Sprintf(`UPDATE channel_members SET role = 'admin' WHERE channel_id = '%s' AND role = 'member'`, ch)
		}, []string{"member ", "journal entry", "role changed: the table says admin, the journal member"}},
		{"topic changed in the table", func(ch string, _ []string) string {
			return fmt.Sprintf(`UPDATE channels SET topic = 'umgeschrieben' WHERE id = '%s'`, ch)
		}, []string{"channel ", "journal entry", "topic is umgeschrieben in the table"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
				ctx := context.Background()
				ann, bob := s.Person("ann"), s.Person("bob")
				var ch struct{ ID string }
				ann.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "einkauf", "topic": "Bestellungen"}).JSON(t, &ch)
				bob.Must(200, "POST", "/api/v1/channels/"+ch.ID+"/join", nil)
				ann.Do("POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{bob.ID}}).JSON(t, &struct{}{})
				var ids []string
				for _, text := range []string{"Angebot: 120.000 €", "Lieferung Freitag", "Tippfehler"} {
					var m posted
					ann.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": text}).JSON(t, &m)
					ids = append(ids, m.ID)
				}
				ann.Must(200, "PATCH", "/api/v1/channels/"+ch.ID+"/messages/"+ids[0], map[string]any{"text": "Angebot: 125.000 €"})
				ann.Must(204, "DELETE", "/api/v1/channels/"+ch.ID+"/messages/"+ids[2], nil)
				if tc.tamper != nil {
					if _, err := s.App.DB.ExecContext(ctx, tc.tamper(ch.ID, ids)); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
				if err != nil {
					t.Fatal(err)
				}
				if tc.want == nil {
					if !rep.OK() || rep.Messages != 3 || rep.Versions != 4 || rep.Channels != 2 {
						t.Fatalf("untouched tables: %+v", rep)
					}
					return
				}
				if len(rep.Mismatches) != 1 {
					t.Fatalf("want one mismatch, got %+v", rep.Mismatches)
				}
				got := rep.Mismatches[0].String()
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("mismatch %q lacks %q", got, w)
					}
				}
				if m := rep.Mismatches[0]; m.MessageID == "" && m.ChannelID != ch.ID {
					t.Errorf("mismatch names neither the message nor the channel: %+v", m)
				}
			})
		})
	}
}

// Expired self-destructing messages, kept on record and purged from it:
// the tables still agree with the journal, the purged one counted apart.
func TestCheckRecordsAcceptsExpiredAndPurgedMessages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		ctx := context.Background()
		ann := s.Person("ann")
		officer := s.Person("officer", authn.RoleCompliance)
		var ch struct{ ID string }
		ann.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "geheim"}).JSON(t, &ch)
		ann.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Code 4711", "expires_in_seconds": 60})
		s.Clock.Advance(time.Minute + time.Second)
		if n, err := s.App.Chat.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		officer.Must(200, "PATCH", "/api/v1/chat/settings", map[string]any{"expired_kept_on_record": false})
		ann.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Passwort hunter2", "expires_in_seconds": 60})
		s.Clock.Advance(time.Minute + time.Second)
		if n, err := s.App.Chat.ExpireDue(ctx); err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		rep, err := s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || !rep.OK() || rep.Messages != 2 || rep.Purged != 1 {
			t.Fatalf("expired messages: %+v %v", rep, err)
		}
		if _, err := s.App.DB.ExecContext(ctx, `UPDATE messages SET expired_at = 0, expires_at = 0`); err != nil {
			t.Fatal(err)
		}
		rep, err = s.App.Journal.CheckRecords(ctx, s.App.Chat)
		if err != nil || len(rep.Mismatches) != 2 || !strings.Contains(rep.Mismatches[0].Problem, "expired on record but not in the table") {
			t.Fatalf("expiry undone in the table: %+v %v", rep, err)
		}
	})
}
