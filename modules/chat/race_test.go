package chat_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
)

// updatesWaiting counts statements of this database that wait for a lock
// and start with prefix.
func updatesWaiting(t *testing.T, pool *sql.DB, prefix string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock' AND query LIKE $1`, prefix+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A deletion that wins a race against an edit stays a deletion. Under
// PostgreSQL's read committed the edit had read the message before the
// deletion committed and then wrote every column back, deleted_at = 0
// included: the deleted message came back, with the new text. Another
// transaction holds the message's row so that both requests have read it
// and wait to write, the deletion first; then the row is let go.
func TestAnEditRacingADeletionDoesNotBringTheMessageBack(t *testing.T) {
	s := apptest.New(t, dbtest.PostgresURL(t))
	ann, bob := s.Person("ann"), s.Person("bob")
	c := createChannel(t, ann, map[string]any{"name": "team", "member_ids": []string{bob.ID}})
	m := say(t, ann, c.ID, "Passwort: hunter2")
	path := "/api/v1/channels/" + c.ID + "/messages/" + m.ID
	ctx := context.Background()

	_, pool := s.App.DB.Pools()
	hold, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hold.Rollback() }()
	if _, err := hold.ExecContext(ctx, `SELECT id FROM messages WHERE id = $1 FOR UPDATE`, m.ID); err != nil {
		t.Fatal(err)
	}
	waitFor := func(n int) {
		t.Helper()
		for i := 0; updatesWaiting(t, pool, "UPDATE messages SET text") < n; i++ {
			if i == 3000 {
				t.Fatalf("fewer than %d writes to the message ever waited", n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	deleted := make(chan int, 1)
	go func() { deleted <- ann.Do("DELETE", path, nil).Status }()
	waitFor(1)
	edited := make(chan int, 1)
	go func() { edited <- ann.Do("PATCH", path, map[string]any{"text": "Passwort: (entfernt)"}).Status }()
	waitFor(2)
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	if st := <-deleted; st != 204 {
		t.Fatalf("deletion: %d", st)
	}
	if st := <-edited; st != 409 {
		t.Errorf("the edit after the deletion answered %d, want 409", st)
	}
	if r := bob.Do("GET", path, nil); r.Status != 404 {
		t.Fatalf("the deleted message is back for bob: %d %s", r.Status, r.Body)
	}
	if got := texts(list(t, bob, "/api/v1/channels/"+c.ID+"/messages")); got != "" {
		t.Fatalf("the deleted message is listed again: %q", got)
	}
}
