package main

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// kill -9 while people post: after a restart every message that was
// answered with success is there, in order without gaps, and the journal
// verifies. The posts the kill left without an answer are sent again
// under their client ids, as the web app does: each is there exactly once.
func TestKillNineLosesNothingAcknowledged(t *testing.T) {
	for name, envFor := range databases(t) {
		t.Run(name, func(t *testing.T) {
			// No rate limit: the workers post as fast as they can.
			env := append(envFor(t, t.TempDir()), "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123", "KONTOR_RATE_LIMIT=0")
			s := startServer(t, env...)
			admin := apitest.New(t, s.URL)
			admin.LoginBearer("admin", "chosen-by-ops-123")
			var ch chat.Channel
			admin.Must(http.StatusCreated, "POST", "/api/v1/channels", map[string]any{"name": "crash"}).JSON(t, &ch)

			var mu sync.Mutex
			acked := map[string]int64{}
			var unanswered []string // client ids, which are also the texts
			stop := make(chan struct{})
			// The kill comes once enough posts were answered, however fast
			// the machine is, while the workers keep posting.
			const beforeKill = 20
			enough := make(chan struct{})
			var once sync.Once
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Plain net/http: requests must fail, not fail the test, once the server dies.
					c := &http.Client{Timeout: 5 * time.Second}
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						cid := fmt.Sprintf("w%d-%d", w, i)
						id, seq, ok := postRaw(c, s.URL, admin.Bearer, ch.ID, cid, cid)
						if !ok {
							mu.Lock()
							unanswered = append(unanswered, cid)
							mu.Unlock()
							return
						}
						mu.Lock()
						acked[id] = seq
						if len(acked) >= beforeKill {
							once.Do(func() { close(enough) })
						}
						mu.Unlock()
					}
				}()
			}
			select {
			case <-enough:
			case <-time.After(2 * time.Minute):
				t.Fatalf("fewer than %d posts were answered in two minutes", beforeKill)
			}
			if err := s.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-s.done
			close(stop)
			wg.Wait()
			if len(acked) < beforeKill {
				t.Fatalf("only %d messages were acknowledged before the kill", len(acked))
			}

			again := startServer(t, env...)
			admin2 := apitest.New(t, again.URL)
			admin2.LoginBearer("admin", "chosen-by-ops-123")
			for _, cid := range unanswered {
				if _, _, ok := postRaw(http.DefaultClient, again.URL, admin2.Bearer, ch.ID, cid, cid); !ok {
					t.Fatalf("sending %s again after the restart failed", cid)
				}
			}
			// Page backwards from the newest, as the web app scrolls.
			present := map[string]int64{}
			times := map[string]int{}
			var seqs []int64
			path := "/api/v1/channels/" + ch.ID + "/messages?limit=200"
			for {
				var page struct{ Items []chat.Message }
				admin2.Must(200, "GET", path, nil).JSON(t, &page)
				if len(page.Items) == 0 {
					break
				}
				for _, m := range page.Items {
					present[m.ID] = m.Seq
					times[m.Text]++
					seqs = append(seqs, m.Seq)
				}
				path = "/api/v1/channels/" + ch.ID + "/messages?limit=200&before=" + strconv.FormatInt(page.Items[0].Seq, 10)
			}
			sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
			for i, seq := range seqs {
				if seq != int64(i+1) {
					t.Fatalf("after the restart the channel's messages are not 1..%d without gaps: position %d holds seq %d", len(seqs), i, seq)
				}
			}
			for id, seq := range acked {
				if present[id] != seq {
					t.Fatalf("acknowledged message %s (seq %d) is missing after kill -9", id, seq)
				}
			}
			for text, n := range times {
				if n != 1 {
					t.Fatalf("%s is in the channel %d times", text, n)
				}
			}
			for _, cid := range unanswered {
				if times[cid] != 1 {
					t.Fatalf("%s, sent again after the restart, is there %d times", cid, times[cid])
				}
			}
			t.Logf("%d acknowledged, %d unanswered and sent again, %d present after restart", len(acked), len(unanswered), len(present))
			again.stop()
			if out, err := run(t, env, "", "compliance", "verify-journal"); err != nil {
				t.Fatalf("journal after kill -9: %v\n%s", err, out)
			}
		})
	}
}
