package realtime_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/chat"
	chatevents "github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// The event kinds chat appends, declared again here to append events
// the way chat does while chat itself is locked out of its table.
const (
	evMessageCreated eventlog.Kind[chat.Message]             = chatevents.MessageCreated
	evMemberAdded    eventlog.Kind[chatevents.MemberChanged] = chatevents.MemberAdded
)

// appendEvent appends d for channelID's members as chat would, in a
// transaction of its own.
func appendEvent(t *testing.T, s *apptest.Stack, d eventlog.Draft, channelID string) {
	t.Helper()
	ctx := context.Background()
	if err := s.App.DB.WithTx(ctx, func(tx *db.Tx) error {
		_, err := s.App.Events.Append(ctx, tx, d, channelID, "", s.Clock.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// membershipLoadsWaiting counts the membership loads of the gateway
// (chat's ReadableChannels) that wait for a lock in PostgreSQL.
func membershipLoadsWaiting(t *testing.T, pool *sql.DB) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock' AND query LIKE 'SELECT channel_id FROM channel_members WHERE user_id%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// untilMessage waits for the message.created with text on c.
func untilMessage(t *testing.T, c *rtclient.Client, text string) {
	t.Helper()
	for isIt := messageMarker(text); !isIt(next(t, c, "message.created")); {
	}
}

// A new connection whose membership lookup is stuck in the database holds
// up no delivery to anyone else. Another transaction holds chat's
// channel_members table exclusively, so bob's membership query waits in
// PostgreSQL for real; meanwhile an event for ann's channel reaches ann's
// open connection (before the fix the hub held its one lock across the
// query, and ann received nothing until the lock went). A member.added
// for bob dispatched while he waited counts for his connection once it is
// registered. (The events are appended to the log directly: posting
// through chat would wait for the locked table too.)
func TestDeliveryDoesNotWaitForAStuckRegistration(t *testing.T) {
	s := apptest.New(t, dbtest.PostgresURL(t))
	ann, bob := s.Person("ann"), s.Person("bob")
	team := createChannel(t, ann, map[string]any{"name": "team"})
	other := createChannel(t, ann, map[string]any{"name": "other"})
	sample := say(t, ann, team.ID, "first")
	ac := dial(t, ann, rtclient.Fresh)
	ctx := context.Background()

	_, pool := s.App.DB.Pools()
	lock, err := pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if err := lock.Rollback(); err != nil {
				t.Error(err)
			}
		}
	}
	defer release()
	if _, err := lock.ExecContext(ctx, `LOCK TABLE channel_members IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type dialed struct {
		c   *rtclient.Client
		err error
	}
	bobDone := make(chan dialed, 1)
	go func() {
		dctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		c, err := rtclient.Dial(dctx, bob.Base(), bob.Header(), rtclient.Fresh)
		bobDone <- dialed{c, err}
	}()
	// Wait (bounded) until bob's membership query waits for the lock.
	for i := 0; membershipLoadsWaiting(t, pool) == 0; i++ {
		if i == 3000 {
			t.Fatal("bob's membership query never waited for the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}

	while := sample
	while.Text = "while bob waits"
	appendEvent(t, s, evMessageCreated.With(while), team.ID)
	appendEvent(t, s, evMemberAdded.With(chatevents.MemberChanged{ChannelID: other.ID, UserID: bob.ID, Role: "member"}), other.ID)
	// ("first" may come before: it committed just before ann connected.)
	untilMessage(t, ac, "while bob waits")
	// Delivered while bob's registration was still stuck.
	if n := membershipLoadsWaiting(t, pool); n == 0 {
		t.Fatal("bob's membership query no longer waits: the check proves nothing")
	}
	select {
	case d := <-bobDone:
		t.Fatalf("bob connected while his membership could not be read: %v", d.err)
	default:
	}

	release()
	d := <-bobDone
	if d.err != nil {
		t.Fatalf("bob dials once the lock is gone: %v", d.err)
	}
	bc := d.c
	defer bc.CloseNow()
	// The database does not know bob is in "other" (only the log said so),
	// but the hub dispatched it while bob was loading: it counts.
	after := sample
	after.Text = "to other"
	appendEvent(t, s, evMessageCreated.With(after), other.ID)
	untilMessage(t, bc, "to other")
}

// Many people connect and resume while messages are posted from several
// goroutines: every connection receives, in cursor order and exactly
// once, every message of its channel after the cursor it started from,
// as the log has them.
func TestConcurrentConnectsAndDeliveriesMissNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		const people, tabs, posters, posts = 6, 4, 3, 15
		ann := s.Person("ann")
		var ps []*apptest.Person
		var memberIDs []string
		for i := range people {
			p := s.Person(fmt.Sprintf("user%d", i))
			ps = append(ps, p)
			memberIDs = append(memberIDs, p.ID)
		}
		c := createChannel(t, ann, map[string]any{"name": "busy", "member_ids": memberIDs})
		say(t, ann, c.ID, "before")
		ctx := context.Background()

		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, people*tabs+posters*posts)
		for w := range posters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for i := range posts {
					if r := ann.Do("POST", "/api/v1/channels/"+c.ID+"/messages", map[string]any{"text": fmt.Sprintf("%d-%d", w, i)}); r.Status != 201 {
						errs <- fmt.Errorf("post: %d %s", r.Status, r.Body)
					}
				}
			}()
		}
		type tab struct {
			c    *rtclient.Client
			from int64
			user string
		}
		tabsCh := make(chan tab, people*tabs)
		for i, p := range ps {
			for j := range tabs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					cursor := int64(rtclient.Fresh)
					if (i+j)%2 == 0 {
						cursor = 0 // resume from the start: catch-up and live
					}
					dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
					defer cancel()
					cl, err := rtclient.Dial(dctx, p.Base(), p.Header(), cursor)
					if err != nil {
						errs <- err
						return
					}
					from := cl.Hello.Cursor
					if cursor == 0 {
						from = 0
					}
					tabsCh <- tab{cl, from, p.ID}
				}()
			}
		}
		close(start)
		wg.Wait()
		close(tabsCh)
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		say(t, ann, c.ID, "marker")
		_, newest, err := s.App.Events.Bounds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for tb := range tabsCh {
			t.Cleanup(func() { tb.c.CloseNow() })
			evs, err := s.App.Events.SinceFor(ctx, tb.from, newest, []string{c.ID}, tb.user, 10000)
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for _, ev := range evs {
				if ev.Type == chatevents.MessageCreated {
					want = append(want, ev.Seq)
				}
			}
			var got []int64
			for {
				f := next(t, tb.c, "message.created")
				got = append(got, f.Cursor)
				if messageText(t, f) == "marker" {
					break
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("a connection from cursor %d received messages %v, the log has %v", tb.from, got, want)
			}
		}
	})
}
