// Command livekit drives a LiveKit server with the same call shapes and
// the same synthetic media as `kontor-load --call` (tools/sfubench/bench),
// so that the server CPU per forwarded packet of the two SFUs compares.
// It is a module of its own: Kontor's go.mod never pulls LiveKit in.
//
//	livekit --url ws://127.0.0.1:7880 --api-key devkey --api-secret ... \
//	    --server-pid $(pidof livekit-server) --call fanout --call-size 50
//
// LiveKit's Go SDK gathers ICE candidates on every interface but the
// loopback one and has no option to change that, so run the server and
// this driver in a network namespace of their own (docs/benchmarks.md,
// "Calls"): then no packet can leave the machine.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/tools/sfubench/bench"
)

type driver struct {
	url, key, secret, prefix string
}

// Prepare has nothing to do: LiveKit makes a room at its first join.
func (d *driver) Prepare(context.Context, int, int) error { return nil }

func (d *driver) Join(ctx context.Context, call, who int, srcs []*bench.Source, rx *bench.Counter) (bench.Peer, error) {
	room := fmt.Sprintf("%s-%d", d.prefix, call)
	tok, err := auth.NewAccessToken(d.key, d.secret).SetIdentity(fmt.Sprintf("p-%d-%d", call, who)).
		SetVideoGrant(&auth.VideoGrant{RoomJoin: true, Room: room}).SetValidFor(2 * time.Hour).ToJWT()
	if err != nil {
		return nil, err
	}
	cb := lksdk.NewRoomCallback()
	cb.OnTrackSubscribed = func(tr *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		go rx.Drain(tr)
	}
	// The SDK consumes the RTCP of tracks it did not make itself: an
	// interceptor sees the SFU's keyframe requests first.
	keyframes := &pliFactory{on: func() {
		for _, s := range srcs {
			if s.Kind == webrtc.RTPCodecTypeVideo {
				s.RequestKeyframe()
			}
		}
	}}
	// The SDK's default of 5 s to connect is too short on a machine busy
	// with the load itself.
	r, err := lksdk.ConnectToRoomWithToken(d.url, tok, cb, lksdk.WithAutoSubscribe(true), lksdk.WithConnectTimeout(30*time.Second),
		lksdk.WithInterceptors([]interceptor.Factory{keyframes}), lksdk.WithIncludeDefaultInterceptors(true))
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		opts := &lksdk.TrackPublicationOptions{Name: s.ID, Source: livekit.TrackSource_MICROPHONE}
		if s.Kind == webrtc.RTPCodecTypeVideo {
			opts.Source, opts.VideoWidth, opts.VideoHeight = livekit.TrackSource_CAMERA, 1280, 720
		}
		if len(s.Tracks) > 1 {
			r.Disconnect()
			return nil, errors.New("simulcast is not driven on LiveKit (its SDK wants its own track type for layers)")
		}
		if _, err := r.LocalParticipant.PublishTrack(s.Tracks[0], opts); err != nil {
			r.Disconnect()
			return nil, fmt.Errorf("publish %s: %w", s.ID, err)
		}
	}
	return peer{r}, nil
}

type peer struct{ r *lksdk.Room }

func (p peer) Close() error {
	p.r.Disconnect()
	return nil
}

// pliFactory makes interceptors that call on at every PLI or FIR.
type pliFactory struct{ on func() }

func (f *pliFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &pliInterceptor{on: f.on}, nil
}

type pliInterceptor struct {
	interceptor.NoOp
	on func()
}

func (p *pliInterceptor) BindRTCPReader(r interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := r.Read(b, a)
		if err != nil {
			return n, a, err
		}
		if a == nil {
			a = interceptor.Attributes{}
		}
		pkts, perr := a.GetRTCPPackets(b[:n])
		if perr == nil {
			for _, pk := range pkts {
				switch pk.(type) {
				case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
					p.on()
				}
			}
		}
		return n, a, nil
	})
}

func main() {
	var (
		d                              driver
		shape                          string
		size, start, limit, steps, pid int
		factor, target                 float64
		window, ready                  time.Duration
		videoKbps                      int
		jsonOut                        bool
	)
	flag.StringVar(&d.url, "url", "ws://127.0.0.1:7880", "LiveKit server")
	flag.StringVar(&d.key, "api-key", "devkey", "API key")
	flag.StringVar(&d.secret, "api-secret", os.Getenv("LIVEKIT_API_SECRET"), "API secret (default $LIVEKIT_API_SECRET)")
	flag.StringVar(&d.prefix, "room-prefix", fmt.Sprintf("bench-%d", time.Now().Unix()), "rooms are named PREFIX-N")
	flag.StringVar(&shape, "call", "fanout", "fanout (1 video publisher, N subscribers) or groups (M calls of 5, audio only)")
	flag.IntVar(&size, "call-size", 0, "a fixed N (fanout) or M (groups); 0 searches from --call-start")
	flag.IntVar(&start, "call-start", 10, "search: the first N or M")
	flag.Float64Var(&factor, "call-factor", 1.5, "search: each step multiplies N or M by this")
	flag.IntVar(&limit, "call-limit", 400, "search: the largest N or M tried")
	flag.IntVar(&steps, "call-steps", 10, "search: at most this many steps")
	flag.Float64Var(&target, "call-target", 80, "search: stop once the server uses this percentage of all cores")
	flag.DurationVar(&window, "call-window", 10*time.Second, "how long each step measures")
	flag.DurationVar(&ready, "call-ready", 60*time.Second, "how long a step waits for every track before it measures anyway")
	flag.IntVar(&pid, "server-pid", 0, "the LiveKit server's process id (CPU time from /proc/PID/stat)")
	flag.IntVar(&videoKbps, "video-kbps", 0, "the video's bit rate (default 1200)")
	flag.BoolVar(&jsonOut, "json", false, "print the steps as JSON")
	flag.Parse()
	if d.secret == "" || pid <= 0 {
		fmt.Fprintln(os.Stderr, "livekit: give --api-secret and --server-pid")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m := bench.DefaultMedia()
	if videoKbps > 0 {
		m.VideoKbps = videoKbps
	}
	b := &bench.Bench{Driver: &d, Media: m, ServerPID: pid, Window: window, Ready: ready, Log: os.Stderr}
	if size > 0 {
		start, limit, steps = size, size, 1
	}
	out, err := b.Search(ctx, bench.Shape(shape), start, factor, limit, steps, target)
	b.Close()
	if jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(out)
	} else {
		for _, s := range out {
			fmt.Printf("livekit %s %d: %s\n", s.Shape, s.Size, s.Line())
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "livekit:", err)
		os.Exit(1)
	}
}
