package compliance_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// benchMessages is how many messages one retention run purges.
const benchMessages = 100_000

// BenchmarkRetentionPurge measures the retention purge rate: a run purges
// 100,000 due messages (each with its message.created journal entry and
// an event), on SQLite and on PostgreSQL, and reports messages/s. Seeding
// is not timed. Run with -benchtime=1x (see docs/benchmarks.md).
func BenchmarkRetentionPurge(b *testing.B) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			url := ""
			if dialect == db.Postgres {
				url = dbtest.PostgresURL(b)
			}
			s := apptest.New(b, url)
			ann, comp := s.Person("ann"), s.Person("comp", authn.RoleCompliance)
			var ch chat.Channel
			ann.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "last"}).JSON(b, &ch)
			ctx := context.Background()
			officer := authn.WithPrincipal(ctx, &authn.Principal{UserID: comp.ID, Username: "comp", Roles: []authn.Role{authn.RoleCompliance}})
			if _, err := s.App.Compliance.SetRetentionPolicy(officer, compliance.PolicyInput{Scope: compliance.ScopeGlobal, MessageDays: 1}); err != nil {
				b.Fatal(err)
			}
			var purged int64
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				seedMessages(b, s, ch.ID, ann.ID, i)
				s.Clock.Advance(48 * time.Hour)
				b.StartTimer()
				start := time.Now()
				run, err := s.App.Compliance.RunRetention(officer, nil)
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if run.Messages != benchMessages {
					b.Fatalf("purged %d messages, want %d", run.Messages, benchMessages)
				}
				purged += run.Messages
			}
			b.ReportMetric(float64(purged)/elapsed.Seconds(), "msgs/s")
		})
	}
}

// seedMessages writes benchMessages messages straight into the tables,
// each with its journal entry and an event, as posting would.
func seedMessages(b *testing.B, s *apptest.Stack, channelID, userID string, round int) {
	b.Helper()
	ctx := context.Background()
	now := s.Clock.Now().UTC()
	const perTx = 5000
	for start := 0; start < benchMessages; start += perTx {
		err := s.App.DB.WithTx(ctx, func(tx *db.Tx) error {
			for i := start; i < start+perTx; i++ {
				id := ids.NewAt(now)
				seq := int64(round*benchMessages + i + 1)
				text := fmt.Sprintf("Nachricht %d zum Löschen", i)
				if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, channel_id, seq, user_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
					id, channelID, seq, userID, text, now.UnixMilli()); err != nil {
					return err
				}
				if _, err := s.App.Journal.Append(ctx, tx, record.Entry{Kind: string(record.MessageCreated), ActorID: userID,
					ChannelID: channelID, SubjectID: id, Content: map[string]string{"text": text}}); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO events (seq, type, channel_id, payload, at, subject_id) VALUES (?, 'message.created', ?, '{}', ?, ?)`,
					-seq, channelID, now.UnixMilli(), id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
