package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/tools/sfubench/bench"
)

// The load generator's call peers join a real Kontor over its websocket
// signaling, publish synthetic media through the SFU, and their
// subscribers receive it: in the fan-out shape (a camera and a microphone
// to two subscribers) and the group shape (one call of five, audio only,
// everyone hearing the four others). The benchmark figures depend on
// these peers; this keeps them working as the signaling changes.
func TestCallPeersForwardThroughKontor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		people := make([]*apptest.Person, bench.GroupSize)
		ids := make([]string, len(people))
		for i := range people {
			people[i] = s.Person(fmt.Sprintf("caller%d", i))
			ids[i] = people[i].ID
		}
		tokens := make([]string, len(people))
		for i, p := range people {
			tokens[i] = p.LoginBearer(p.Username, "password-of-"+p.Username)
		}
		// Each shape in a channel of its own (a call ends a moment after
		// its last participant left).
		prepareIn := func(name string) func(context.Context, int, int) ([][]string, []string, error) {
			var ch struct {
				ID string `json:"id"`
			}
			people[0].Must(201, "POST", "/api/v1/channels", map[string]any{"name": name, "member_ids": ids[1:]}).JSON(t, &ch)
			return func(_ context.Context, calls, size int) ([][]string, []string, error) {
				if calls != 1 || size > len(tokens) {
					return nil, nil, fmt.Errorf("the test has one call of %d, not %d of %d", len(tokens), calls, size)
				}
				return [][]string{tokens[:size]}, []string{ch.ID}, nil
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()

		t.Run("fanout", func(t *testing.T) {
			d, err := newCallDriver(s.URL, prepareIn("load-fanout"))
			if err != nil {
				t.Fatal(err)
			}
			b := &bench.Bench{Driver: d, Media: bench.DefaultMedia(), ServerPID: os.Getpid()}
			defer b.Close()
			if err := b.Grow(ctx, bench.Fanout, 2); err != nil {
				t.Fatal(err)
			}
			// Two subscribers, each receiving the camera and the microphone.
			rx := b.Received()
			if !rx.WaitTracks(ctx, 4) {
				t.Fatalf("subscribers receive %d tracks, want 4", rx.Tracks.Load())
			}
			waitPackets(ctx, t, rx, 200)
			if got := rx.Tracks.Load(); got != 4 {
				t.Errorf("subscribers receive %d tracks, want 4 (nobody receives their own)", got)
			}
		})
		t.Run("groups", func(t *testing.T) {
			d, err := newCallDriver(s.URL, prepareIn("load-groups"))
			if err != nil {
				t.Fatal(err)
			}
			b := &bench.Bench{Driver: d, Media: bench.DefaultMedia(), ServerPID: os.Getpid()}
			defer b.Close()
			if err := b.Grow(ctx, bench.Groups, 1); err != nil {
				t.Fatal(err)
			}
			rx := b.Received()
			want := int64(bench.GroupSize * (bench.GroupSize - 1))
			if !rx.WaitTracks(ctx, want) {
				t.Fatalf("participants receive %d tracks, want %d", rx.Tracks.Load(), want)
			}
			waitPackets(ctx, t, rx, 200)
		})
	})
}

// waitPackets waits until the subscribers received n more packets.
func waitPackets(ctx context.Context, t *testing.T, rx *bench.Counter, n int64) {
	t.Helper()
	start := rx.Packets.Load()
	if !rx.WaitPackets(ctx, n) {
		t.Fatalf("subscribers received %d packets, want %d", rx.Packets.Load()-start, n)
	}
}

// The server's CPU time is read from /proc: this process has used some.
func TestProcCPU(t *testing.T) {
	d, err := bench.ProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 {
		t.Errorf("CPU time of this process = %v, want > 0", d)
	}
	if _, err := bench.ProcCPU(-1); err == nil {
		t.Error("ProcCPU of no process: no error")
	}
}
