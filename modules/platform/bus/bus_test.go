package bus_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/bus"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

// Both implementations pass the same suite.
func each(t *testing.T, fn func(t *testing.T, a, b bus.Bus)) {
	t.Run("local", func(t *testing.T) {
		l := bus.NewLocal()
		defer l.Close()
		fn(t, l, l)
	})
	t.Run("nats", func(t *testing.T) {
		url := os.Getenv("KONTOR_TEST_NATS_URL")
		if url == "" {
			t.Fatalf("nats-server is not available: KONTOR_TEST_NATS_URL is not set; %s", dbtest.HowToStart)
		}
		// Two connections, as two cluster nodes would have.
		a, err := bus.NewNATS(url, logtest.New(t))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := bus.NewNATS(url, logtest.New(t))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		fn(t, a, b)
	})
}

type collector struct {
	mu     sync.Mutex
	got    []string
	notify chan struct{} // a message arrived
}

func (c *collector) add(subject string, data []byte) {
	c.mu.Lock()
	c.got = append(c.got, subject+"="+string(data))
	if c.notify == nil {
		c.notify = make(chan struct{}, 1)
	}
	c.mu.Unlock()
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// wait returns the messages once there are n, woken by each arrival; the
// bound is only there so that a lost message fails instead of hanging.
func (c *collector) wait(t *testing.T, n int) []string {
	t.Helper()
	c.mu.Lock()
	if c.notify == nil {
		c.notify = make(chan struct{}, 1)
	}
	notify := c.notify
	c.mu.Unlock()
	timeout := time.After(30 * time.Second)
	for {
		c.mu.Lock()
		if len(c.got) >= n {
			out := append([]string(nil), c.got...)
			c.mu.Unlock()
			return out
		}
		c.mu.Unlock()
		select {
		case <-notify:
		case <-timeout:
			c.mu.Lock()
			defer c.mu.Unlock()
			t.Fatalf("got %d messages, want %d: %v", len(c.got), n, c.got)
			return nil
		}
	}
}

func TestBusDeliversInOrderAcrossConnections(t *testing.T) {
	each(t, func(t *testing.T, a, b bus.Bus) {
		ctx := context.Background()
		prefix := fmt.Sprintf("test%d", time.Now().UnixNano())
		var exact, all collector
		u1, err := b.Subscribe(prefix+".events", exact.add)
		if err != nil {
			t.Fatal(err)
		}
		u2, _ := b.Subscribe(prefix+".>", all.add)
		if err := b.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 100; i++ {
			a.Publish(ctx, prefix+".events", []byte(fmt.Sprint(i)))
		}
		a.Publish(ctx, prefix+".typing", []byte("t"))
		got := exact.wait(t, 100)
		for i, g := range got {
			if g != fmt.Sprintf("%s.events=%d", prefix, i) {
				t.Fatalf("message %d is %s", i, g)
			}
		}
		if n := len(all.wait(t, 101)); n != 101 {
			t.Fatalf("wildcard got %d", n)
		}
		u1()
		u2()
		a.Publish(ctx, prefix+".events", []byte("after"))
		time.Sleep(200 * time.Millisecond)
		if n := len(exact.wait(t, 100)); n != 100 {
			t.Fatalf("delivered after unsubscribe: %d", n)
		}
	})
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, subject string
		want             bool
	}{
		{"kontor.events", "kontor.events", true},
		{"kontor.>", "kontor.events", true},
		{"kontor.>", "kontor", false},
		{"kontor.events", "kontor.events.x", false},
	} {
		if got := bus.Match(tc.pattern, tc.subject); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.pattern, tc.subject, got)
		}
	}
}
