// Command kontor-load drives a running Kontor server with many websocket
// clients and posters, and reports delivery latency (send to receive),
// throughput, errors and the server's memory. See docs/benchmarks.md.
//
//	kontor-load --url http://127.0.0.1:8080 --admin-password ... \
//	    --clients 1000 --channels 1 --posters 1 --rate 10 --duration 30s
//
// With --posts N the posters stop after N posts in all (or at --duration,
// whichever comes first); the report then also gives the server's CPU time
// (user + system, from its /metrics) per post.
//
// Every client is its own user (load-00001, ...), a member of one of the
// channels (round robin); posters are the first users. Users, channels and
// bearer tokens are created once and remembered in --state, so that a
// second run starts at once. Run it only against a server you own.
//
// With --call fanout or --call groups it drives calls instead (calls.go,
// docs/benchmarks.md "Calls"): pion peers that join over the websocket and
// send synthetic Opus and VP8.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

type options struct {
	url, adminUser, adminPassword, state string
	clients, channels, posters, posts    int
	rate                                 float64
	duration, settle                     time.Duration
	idle                                 bool
	jsonOut                              bool
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "Kontor server")
	flag.StringVar(&o.adminUser, "admin-user", "admin", "admin who creates the load users and channels")
	flag.StringVar(&o.adminPassword, "admin-password", os.Getenv("KONTOR_ADMIN_PASSWORD"), "the admin's password (default $KONTOR_ADMIN_PASSWORD)")
	flag.StringVar(&o.state, "state", "", "file remembering load users' tokens and channels (default: ~/.cache/kontor-load/<host>.json)")
	flag.IntVar(&o.clients, "clients", 100, "websocket clients, one user each")
	flag.IntVar(&o.channels, "channels", 1, "channels the clients are spread over")
	flag.IntVar(&o.posters, "posters", 1, "clients that also post")
	flag.Float64Var(&o.rate, "rate", 10, "messages per second from all posters together (0: as fast as they can)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long to post")
	flag.IntVar(&o.posts, "posts", 0, "stop after this many posts in all (0: post for --duration)")
	flag.DurationVar(&o.settle, "settle", 5*time.Second, "how long to wait for the last deliveries")
	flag.BoolVar(&o.idle, "idle", false, "connect the clients, post nothing, report memory per connection")
	flag.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	co := callFlags()
	flag.Parse()
	if co.shape != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		co.jsonOut = o.jsonOut
		if err := runCalls(ctx, o, *co); err != nil {
			fmt.Fprintln(os.Stderr, "kontor-load:", err)
			os.Exit(1)
		}
		return
	}
	if o.clients < 1 || o.channels < 1 || o.posters < 0 || o.posters > o.clients || o.duration <= 0 || o.posts < 0 {
		fmt.Fprintln(os.Stderr, "kontor-load: need clients >= 1, channels >= 1, 0 <= posters <= clients, duration > 0, posts >= 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kontor-load:", err)
		os.Exit(1)
	}
	if o.jsonOut {
		json.NewEncoder(os.Stdout).Encode(rep)
		return
	}
	rep.print(o)
}

// report is what a run measured.
type report struct {
	Clients        int     `json:"clients"`
	Channels       int     `json:"channels"`
	Posted         int64   `json:"posted"`
	PostErrors     int64   `json:"post_errors"`
	Delivered      int64   `json:"delivered"`
	Expected       int64   `json:"expected"`
	WSErrors       int64   `json:"ws_errors"`
	PostSeconds    float64 `json:"post_seconds"`
	PostedPerSec   float64 `json:"posted_per_sec"`
	DeliverPerSec  float64 `json:"delivered_per_sec"`
	P50, P95, P99  float64 `json:"-"`
	Max            float64 `json:"-"`
	LatencyMS      map[string]float64
	ServerRSSMiB   [2]float64 `json:"server_rss_mib"`  // before clients, with clients
	ServerHeapMiB  [2]float64 `json:"server_heap_mib"` // before clients, with clients
	KiBPerConn     float64    `json:"server_kib_per_connection"`
	ConnectSeconds float64    `json:"connect_seconds"`
	// ServerCPUSeconds is the server's CPU time (user + system) from the
	// first post until the last delivery; CPUMSPerPost divides it by the
	// posts.
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	CPUMSPerPost     float64 `json:"server_cpu_ms_per_post"`
}

func (r *report) print(o options) {
	fmt.Printf("clients %d over %d channel(s), connected in %.1fs\n", r.Clients, r.Channels, r.ConnectSeconds)
	fmt.Printf("server memory: RSS %.0f -> %.0f MiB, heap %.0f -> %.0f MiB, %.1f KiB per connection\n",
		r.ServerRSSMiB[0], r.ServerRSSMiB[1], r.ServerHeapMiB[0], r.ServerHeapMiB[1], r.KiBPerConn)
	if o.idle {
		return
	}
	fmt.Printf("posted %d in %.1fs (%.1f/s), %d post errors\n", r.Posted, r.PostSeconds, r.PostedPerSec, r.PostErrors)
	fmt.Printf("delivered %d of %d expected (%.0f/s), %d websocket errors\n", r.Delivered, r.Expected, r.DeliverPerSec, r.WSErrors)
	fmt.Printf("latency send->receive ms: p50 %.1f  p95 %.1f  p99 %.1f  max %.1f\n", r.P50, r.P95, r.P99, r.Max)
	fmt.Printf("server CPU %.2fs while posting: %.3f ms per post\n", r.ServerCPUSeconds, r.CPUMSPerPost)
}

func run(ctx context.Context, o options) (*report, error) {
	env, err := setup(ctx, o)
	if err != nil {
		return nil, err
	}
	rep := &report{Clients: o.clients, Channels: o.channels}
	before, err := serverMemory(ctx, o.url)
	if err != nil {
		return nil, err
	}
	// Connect every client.
	t0 := time.Now()
	clients := make([]*rtclient.Client, o.clients)
	var wg sync.WaitGroup
	var connErr atomic.Value
	sem := make(chan struct{}, 64)
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			h := http.Header{"Authorization": {"Bearer " + env.tokens[i]}}
			c, err := rtclient.Dial(ctx, o.url, h, rtclient.Fresh)
			if err != nil {
				connErr.Store(err)
				return
			}
			clients[i] = c
		}(i)
	}
	wg.Wait()
	if e := connErr.Load(); e != nil {
		return nil, fmt.Errorf("connect: %v", e)
	}
	rep.ConnectSeconds = time.Since(t0).Seconds()
	defer func() {
		for _, c := range clients {
			c.CloseNow()
		}
	}()
	time.Sleep(2 * time.Second) // let the server settle before measuring
	with, err := serverMemory(ctx, o.url)
	if err != nil {
		return nil, err
	}
	rep.ServerRSSMiB = [2]float64{before.rss / (1 << 20), with.rss / (1 << 20)}
	rep.ServerHeapMiB = [2]float64{before.heap / (1 << 20), with.heap / (1 << 20)}
	rep.KiBPerConn = (with.rss - before.rss) / 1024 / float64(o.clients)
	if o.idle || o.posters == 0 {
		return rep, nil
	}

	// Receive: every client measures the latency of every message.
	var delivered, wsErrs atomic.Int64
	lat := make(chan float64, 1<<16)
	var lats []float64
	doneCollect := make(chan struct{})
	go func() {
		for l := range lat {
			lats = append(lats, l)
		}
		close(doneCollect)
	}()
	rctx, rcancel := context.WithCancel(ctx)
	var rwg sync.WaitGroup
	for _, c := range clients {
		rwg.Add(1)
		go func(c *rtclient.Client) {
			defer rwg.Done()
			for {
				f, err := c.NextOf(rctx, "message.created")
				if err != nil {
					if rctx.Err() == nil {
						wsErrs.Add(1)
					}
					return
				}
				var m struct {
					Text string `json:"text"`
				}
				if json.Unmarshal(f.Payload, &m) != nil || !strings.HasPrefix(m.Text, "load ") {
					continue
				}
				var sent int64
				fmt.Sscanf(strings.Fields(m.Text)[1], "%d", &sent)
				delivered.Add(1)
				lat <- float64(time.Now().UnixNano()-sent) / 1e6
			}
		}(c)
	}

	// Post.
	var posted, postErrs, claimed atomic.Int64
	pctx, pcancel := context.WithTimeout(ctx, o.duration)
	defer pcancel()
	cpu0, err := serverMemory(ctx, o.url)
	if err != nil {
		rcancel()
		return nil, err
	}
	var interval time.Duration
	if o.rate > 0 {
		interval = time.Duration(float64(o.posters) / o.rate * float64(time.Second))
	}
	t1 := time.Now()
	var pwg sync.WaitGroup
	for p := 0; p < o.posters; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			ch := env.channels[p%o.channels]
			tick := time.NewTicker(max(interval, time.Microsecond))
			defer tick.Stop()
			for pctx.Err() == nil {
				if o.posts > 0 && claimed.Add(1) > int64(o.posts) {
					return
				}
				if interval > 0 {
					select {
					case <-pctx.Done():
						return
					case <-tick.C:
					}
				}
				if err := postMessage(pctx, o.url, env.tokens[p], ch, fmt.Sprintf("load %d from %d", time.Now().UnixNano(), p)); err != nil {
					if pctx.Err() == nil {
						postErrs.Add(1)
					}
					continue
				}
				posted.Add(1)
			}
		}(p)
	}
	pwg.Wait()
	rep.PostSeconds = time.Since(t1).Seconds()
	// Wait for the stragglers, then stop receiving.
	expected := int64(0)
	perChannel := make([]int64, o.channels)
	for i := 0; i < o.clients; i++ {
		perChannel[i%o.channels]++
	}
	// Posters post round robin over the channels they are assigned.
	postsPerPoster := float64(posted.Load()) / float64(o.posters)
	for p := 0; p < o.posters; p++ {
		expected += int64(postsPerPoster * float64(perChannel[p%o.channels]))
	}
	deadline := time.Now().Add(o.settle)
	for delivered.Load() < expected && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	deliverSeconds := time.Since(t1).Seconds()
	cpu1, err := serverMemory(ctx, o.url)
	rcancel()
	if err != nil {
		return nil, err
	}
	rwg.Wait()
	close(lat)
	<-doneCollect

	rep.Posted, rep.PostErrors, rep.Delivered, rep.Expected, rep.WSErrors = posted.Load(), postErrs.Load(), delivered.Load(), expected, wsErrs.Load()
	rep.PostedPerSec = float64(rep.Posted) / rep.PostSeconds
	rep.ServerCPUSeconds = cpu1.cpu - cpu0.cpu
	if rep.Posted > 0 {
		rep.CPUMSPerPost = rep.ServerCPUSeconds * 1000 / float64(rep.Posted)
	}
	rep.DeliverPerSec = float64(rep.Delivered) / deliverSeconds
	sort.Float64s(lats)
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(p*float64(len(lats))))]
	}
	rep.P50, rep.P95, rep.P99 = pct(0.50), pct(0.95), pct(0.99)
	if len(lats) > 0 {
		rep.Max = lats[len(lats)-1]
	}
	rep.LatencyMS = map[string]float64{"p50": rep.P50, "p95": rep.P95, "p99": rep.P99, "max": rep.Max}
	return rep, nil
}
