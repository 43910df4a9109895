package journal_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// go test -run XXX -bench . ./compliance/journal/
func BenchmarkJournal(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var d *db.DB
			if dialect == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			key, _, err := journal.LoadOrCreateKey(b.TempDir()+"/k", "bench")
			if err != nil {
				b.Fatal(err)
			}
			j, err := journal.New(d, journal.Options{Log: discard(), Key: key})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			text := map[string]string{"text": "Das Angebot für die neue Anlage liegt bei 120.000 €, bitte bis Freitag prüfen."}
			b.Run("append", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					err := d.WithTx(ctx, func(tx *db.Tx) error {
						_, err := j.Append(ctx, tx, record.Entry{Kind: "message.created", ActorID: "u", ChannelID: "c",
							SubjectID: fmt.Sprint(i), Content: text})
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			if _, err := j.Checkpoint(ctx); err != nil {
				b.Fatal(err)
			}
			b.Run("verify-all", func(b *testing.B) {
				n, _ := j.Size(ctx)
				for i := 0; i < b.N; i++ {
					rep, err := j.Verify(ctx, nil)
					if err != nil || !rep.OK() {
						b.Fatal(rep, err)
					}
				}
				b.ReportMetric(float64(n), "entries")
			})
		})
	}
}
