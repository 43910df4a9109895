package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// Driver joins synthetic participants to calls on one SFU.
type Driver interface {
	// Prepare readies calls calls of size participants each (accounts,
	// rooms, tokens); it may be called again with larger numbers.
	Prepare(ctx context.Context, calls, size int) error
	// Join puts participant who of call call into it, publishing srcs
	// (keyframe requests go to src.RequestKeyframe) and handing every
	// track it receives to rx.Drain. It returns once the participant's
	// media is negotiated.
	Join(ctx context.Context, call, who int, srcs []*Source, rx *Counter) (Peer, error)
}

// Peer is a joined participant.
type Peer interface {
	Close() error
}

// Shape is one of the two call shapes of the benchmark.
type Shape string

const (
	// Fanout is one call: one publisher (camera and microphone), N
	// subscribers who publish nothing.
	Fanout Shape = "fanout"
	// Groups is M calls of five people, audio only: everyone publishes a
	// microphone and hears the four others.
	Groups Shape = "groups"
)

// GroupSize is the number of people in a call of the Groups shape.
const GroupSize = 5

// Bench runs shapes against one driver and measures each step.
type Bench struct {
	Driver    Driver
	Media     Media
	ServerPID int           // the SFU's process, for its CPU time
	Window    time.Duration // how long each step measures
	// Ready bounds how long a step waits for every subscriber to receive
	// every track before it measures anyway (and reports the missing).
	Ready time.Duration
	Log   io.Writer // progress lines (nil: none)

	rx     *Counter
	srcCtx context.Context
	mu     sync.Mutex
	peers  []Peer
	srcs   []*Source
	stop   context.CancelFunc
	runs   sync.WaitGroup
	// Grown so far: subscribers of the fanout call, or group calls.
	size int
}

// Step is what one measurement found.
type Step struct {
	Shape        Shape   `json:"shape"`
	Size         int     `json:"size"` // N subscribers, or M calls
	Participants int     `json:"participants"`
	Seconds      float64 `json:"seconds"`
	Tracks       int64   `json:"tracks_receiving"`
	WantTracks   int64   `json:"tracks_expected"`
	// Forwarded is packets/s the subscribers received; Expected is what
	// the publishers' rates and the subscriber count call for.
	Forwarded float64 `json:"forwarded_pps"`
	Expected  float64 `json:"expected_pps"`
	// Sent is packets/s the publishers sent, Nominal what they would
	// send at their nominal rates to every subscriber.
	Sent       float64 `json:"sent_pps"`
	Nominal    float64 `json:"nominal_pps"`
	LostPct    float64 `json:"lost_pct"` // sequence gaps seen by subscribers
	EgressMbps float64 `json:"egress_mbps"`
	// ServerCores is the server's CPU time per second of wall time (1.0
	// = one core busy); ServerPct is that share of all cores.
	ServerCores float64 `json:"server_cores"`
	ServerPct   float64 `json:"server_pct"`
	// LoadCores is the load generator's own CPU (same machine).
	LoadCores float64 `json:"load_cores"`
	// MicrosPerPacket is server CPU microseconds per forwarded packet.
	MicrosPerPacket float64 `json:"server_us_per_packet"`
	// Held: every expected track arrived, at least 95 % of the expected
	// packets arrived, and fewer than 2 % were lost.
	Held bool `json:"held"`
}

func (b *Bench) logf(format string, args ...any) {
	if b.Log != nil {
		fmt.Fprintf(b.Log, format+"\n", args...)
	}
}

// Grow adds participants until the shape has size (N subscribers or M
// calls); it never removes any.
func (b *Bench) Grow(ctx context.Context, shape Shape, size int) error {
	if b.rx == nil {
		// The sources outlive each call of Grow: they stop at Close.
		b.rx = NewCounter()
		b.srcCtx, b.stop = context.WithCancel(context.WithoutCancel(ctx))
	}
	switch shape {
	case Fanout:
		if err := b.Driver.Prepare(ctx, 1, size+1); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		if b.size == 0 && size > 0 {
			mic, err := NewAudio(b.Media, "mic-0", "pub-0")
			if err != nil {
				return err
			}
			cam, err := NewVideo(b.Media, "cam-0", "pub-0")
			if err != nil {
				return err
			}
			if err := b.join(ctx, 0, 0, []*Source{mic, cam}); err != nil {
				return err
			}
		}
		return b.parallel(ctx, b.size+1, size+1, func(who int) error { return b.join(ctx, 0, who, nil) }, func() { b.size = size })
	case Groups:
		if err := b.Driver.Prepare(ctx, size, GroupSize); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		// Call by call (a call's five join one after the other, the calls
		// in parallel).
		return b.parallel(ctx, b.size, size, func(call int) error {
			for who := 0; who < GroupSize; who++ {
				mic, err := NewAudio(b.Media, fmt.Sprintf("mic-%d-%d", call, who), fmt.Sprintf("p-%d-%d", call, who))
				if err != nil {
					return err
				}
				if err := b.join(ctx, call, who, []*Source{mic}); err != nil {
					return err
				}
			}
			return nil
		}, func() { b.size = size })
	}
	return fmt.Errorf("unknown shape %q", shape)
}

// parallel runs fn(i) for i in [from, to) with a few at a time, then done.
func (b *Bench) parallel(ctx context.Context, from, to int, fn func(int) error, done func()) error {
	var wg sync.WaitGroup
	errs := make(chan error, to-from+1)
	sem := make(chan struct{}, 8)
	for i := from; i < to; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	done()
	return ctx.Err()
}

func (b *Bench) join(ctx context.Context, call, who int, srcs []*Source) error {
	p, err := b.Driver.Join(ctx, call, who, srcs, b.rx)
	if err != nil {
		return fmt.Errorf("join call %d as %d: %w", call, who, err)
	}
	b.mu.Lock()
	b.peers = append(b.peers, p)
	b.srcs = append(b.srcs, srcs...)
	b.mu.Unlock()
	for _, s := range srcs {
		b.runs.Add(1)
		go func() {
			defer b.runs.Done()
			s.Run(b.srcCtx)
		}()
	}
	return nil
}

// expected is the tracks and packets/s the subscribers should receive at
// the current size.
func (b *Bench) expected(shape Shape) (tracks int64, pps float64, participants int) {
	switch shape {
	case Fanout:
		return int64(2 * b.size), float64(b.size) * (b.Media.AudioPPS() + b.Media.VideoPPS()), b.size + 1
	default:
		per := GroupSize * (GroupSize - 1)
		return int64(b.size * per), float64(b.size*per) * b.Media.AudioPPS(), b.size * GroupSize
	}
}

// sent is the packets the publishers sent so far.
func (b *Bench) sent() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n int64
	for _, s := range b.srcs {
		n += s.Sent.Load()
	}
	return n
}

// Measure waits until every subscriber receives every track (at most
// Ready), then counts for Window.
func (b *Bench) Measure(ctx context.Context, shape Shape) (Step, error) {
	wantTracks, wantPPS, participants := b.expected(shape)
	rctx, cancel := context.WithTimeout(ctx, b.Ready)
	b.rx.WaitTracks(rctx, wantTracks)
	cancel()
	if ctx.Err() != nil {
		return Step{}, ctx.Err()
	}
	s0, err := ProcCPU(b.ServerPID)
	if err != nil {
		return Step{}, err
	}
	l0, _ := ProcCPU(os.Getpid())
	p0, by0, lost0, sent0, t0 := b.rx.Packets.Load(), b.rx.Bytes.Load(), b.rx.Lost.Load(), b.sent(), time.Now()
	select {
	case <-ctx.Done():
		return Step{}, ctx.Err()
	case <-time.After(b.Window):
	}
	s1, err := ProcCPU(b.ServerPID)
	if err != nil {
		return Step{}, err
	}
	l1, _ := ProcCPU(os.Getpid())
	p1, by1, lost1, sent1, secs := b.rx.Packets.Load(), b.rx.Bytes.Load(), b.rx.Lost.Load(), b.sent(), time.Since(t0).Seconds()
	st := Step{Shape: shape, Size: b.size, Participants: participants, Seconds: secs, Tracks: b.rx.Tracks.Load(),
		WantTracks: wantTracks, Forwarded: float64(p1-p0) / secs, EgressMbps: float64(by1-by0) * 8 / secs / 1e6,
		ServerCores: (s1 - s0).Seconds() / secs, LoadCores: (l1 - l0).Seconds() / secs}
	st.ServerPct = 100 * st.ServerCores / float64(runtime.NumCPU())
	if p1 > p0 {
		st.MicrosPerPacket = (s1 - s0).Seconds() * 1e6 / float64(p1-p0)
		st.LostPct = 100 * float64(lost1-lost0) / float64(p1-p0+lost1-lost0)
	}
	st.Sent, st.Nominal = float64(sent1-sent0)/secs, wantPPS
	// What the publishers really sent (on a loaded machine their tickers
	// run late) times the subscribers of each packet.
	switch {
	case b.Media.Simulcast && shape == Fanout:
		st.Expected = 0 // the SFU picks a layer per subscriber
	case shape == Fanout:
		st.Expected = st.Sent * float64(b.size)
	default:
		st.Expected = st.Sent * (GroupSize - 1)
	}
	st.Held = st.Tracks >= wantTracks && st.LostPct < 2 && (st.Expected == 0 || st.Forwarded >= 0.95*st.Expected)
	return st, nil
}

// Search grows the shape from start by factor per step (at most steps
// steps, never past limit) and measures each step. It stops by itself at
// the first step that did not hold, at the first whose server CPU reached
// target percent of all cores, or at the bounds.
func (b *Bench) Search(ctx context.Context, shape Shape, start int, factor float64, limit, steps int, target float64) ([]Step, error) {
	var out []Step
	size := start
	for i := 0; i < steps && size <= limit; i++ {
		t0 := time.Now()
		if err := b.Grow(ctx, shape, size); err != nil {
			return out, fmt.Errorf("%s %d: %w", shape, size, err)
		}
		b.logf("%s %d: joined in %.1fs", shape, size, time.Since(t0).Seconds())
		st, err := b.Measure(ctx, shape)
		if err != nil {
			return out, err
		}
		out = append(out, st)
		b.logf("%s %d: %s", shape, size, st.Line())
		if !st.Held || st.ServerPct >= target {
			break
		}
		size = max(size+1, int(float64(size)*factor))
		if size > limit && out[len(out)-1].Size < limit {
			size = limit
		}
	}
	return out, nil
}

// Line is a step as one line of text.
func (s Step) Line() string {
	exp := "-"
	if s.Expected > 0 {
		exp = fmt.Sprintf("%.0f", s.Expected)
	}
	return fmt.Sprintf("participants %d, tracks %d/%d, forwarded %.0f pkt/s (expected %s, nominal %.0f), lost %.2f%%, egress %.1f Mbit/s, "+
		"server %.2f cores (%.0f%% of %d), %.1f µs/packet, load generator %.2f cores, held %v",
		s.Participants, s.Tracks, s.WantTracks, s.Forwarded, exp, s.Nominal, s.LostPct, s.EgressMbps, s.ServerCores, s.ServerPct,
		runtime.NumCPU(), s.MicrosPerPacket, s.LoadCores, s.Held)
}

// Received is what the subscribers received so far (nil before Grow).
func (b *Bench) Received() *Counter { return b.rx }

// Close ends every participant and source.
func (b *Bench) Close() {
	if b.stop != nil {
		b.stop()
	}
	b.runs.Wait()
	b.mu.Lock()
	peers := b.peers
	b.peers = nil
	b.mu.Unlock()
	for _, p := range peers {
		_ = p.Close()
	}
}

// ProcCPU is a process's CPU time (user + system) from /proc/PID/stat.
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("server CPU: %w", err)
	}
	// The command name (field 2) may hold spaces and parentheses: the
	// fields after it start past its last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("server CPU: /proc/PID/stat has no command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, errors.New("server CPU: /proc/PID/stat is too short")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("server CPU: /proc/PID/stat has no utime and stime")
	}
	// USER_HZ is 100 on every Linux the project runs on (sysconf needs
	// cgo to ask).
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// ClientAPI is a pion API for load peers that behave like a browser:
// default codecs and interceptors (NACK, reports, TWCC, the simulcast
// header extensions), loopback only, no mDNS.
func ClientAPI(se webrtc.SettingEngine) (*webrtc.API, error) {
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		return nil, err
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg)), nil
}
