package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
	"github.com/kontorhq/kontor/tools/sfubench/bench"
)

// callDriver joins load users to calls on a Kontor server the way the
// web app does: start the call over the API, call.join on the websocket,
// an offer with what they publish, then answer the server's offers.
type callDriver struct {
	url string
	api *webrtc.API
	// prepare makes calls channels whose size members each have a token:
	// tokens[call][who], channels[call].
	prepare func(ctx context.Context, calls, size int) (tokens [][]string, channels []string, err error)

	mu       sync.Mutex
	tokens   [][]string
	channels []string
	started  map[int]bool
}

func newCallDriver(url string, prepare func(ctx context.Context, calls, size int) ([][]string, []string, error)) (*callDriver, error) {
	api, err := bench.ClientAPI(webrtc.SettingEngine{})
	if err != nil {
		return nil, err
	}
	return &callDriver{url: url, api: api, prepare: prepare, started: map[int]bool{}}, nil
}

// Prepare makes the users and channels once, for the largest size a run
// may reach: users are then in one call each.
func (d *callDriver) Prepare(ctx context.Context, calls, size int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.channels) >= calls && (len(d.tokens) == 0 || len(d.tokens[0]) >= size) {
		return nil
	}
	tokens, channels, err := d.prepare(ctx, calls, size)
	if err != nil {
		return err
	}
	d.tokens, d.channels, d.started = tokens, channels, map[int]bool{}
	return nil
}

// prepareWithSetup is the driver's prepare on a real server: the usual
// load users (setup), calls channels, participant who of call c being
// client who*calls+c.
func prepareWithSetup(o options) func(ctx context.Context, calls, size int) ([][]string, []string, error) {
	return func(ctx context.Context, calls, size int) ([][]string, []string, error) {
		so := o
		so.clients, so.channels = calls*size, calls
		e, err := setup(ctx, so)
		if err != nil {
			return nil, nil, err
		}
		tokens := make([][]string, calls)
		for c := range tokens {
			tokens[c] = make([]string, size)
			for w := range tokens[c] {
				tokens[c][w] = e.tokens[w*calls+c]
			}
		}
		return tokens, e.channels, nil
	}
}

// callPeer is one load participant: its websocket and peer connection.
type callPeer struct {
	ws      *rtclient.Client
	pc      *webrtc.PeerConnection
	ctx     context.Context
	cancel  context.CancelFunc
	ctl     chan ctlFrame // call.joined, call.answer and error frames, in order
	nextID  atomic.Int64
	prefix  string
	sigErrs atomic.Int64
}

// frameError is the server's error frame answering a request.
type frameError struct {
	frame string
	raw   string
	Code  string `json:"code"`
}

func (e *frameError) Error() string { return e.frame + " refused: " + e.raw }

type ctlFrame struct {
	typ, id string
	raw     json.RawMessage
}

func (d *callDriver) Join(ctx context.Context, call, who int, srcs []*bench.Source, rx *bench.Counter) (bench.Peer, error) {
	d.mu.Lock()
	if call >= len(d.channels) || who >= len(d.tokens[call]) {
		d.mu.Unlock()
		return nil, fmt.Errorf("participant %d of call %d was not prepared", who, call)
	}
	token, channel := d.tokens[call][who], d.channels[call]
	needStart := !d.started[call]
	d.started[call] = true
	d.mu.Unlock()
	if needStart {
		// 201 started, 200 running already (from an earlier run).
		if _, err := api(ctx, "POST", d.url, token, "/api/v1/channels/"+channel+"/calls", nil, nil); err != nil {
			return nil, fmt.Errorf("start call: %w", err)
		}
	}
	ws, err := rtclient.Dial(ctx, d.url, http.Header{"Authorization": {"Bearer " + token}}, rtclient.Fresh)
	if err != nil {
		return nil, err
	}
	pc, err := d.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		ws.CloseNow()
		return nil, err
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &callPeer{ws: ws, pc: pc, ctx: pctx, cancel: cancel, ctl: make(chan ctlFrame, 64), prefix: fmt.Sprintf("c%d-%d-", call, who)}
	fail := func(err error) (bench.Peer, error) {
		p.Close()
		return nil, err
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go rx.Drain(tr) })
	tracks := map[string]string{}
	type simulcast struct {
		src    *bench.Source
		sender *webrtc.RTPSender
	}
	var sims []simulcast
	for _, s := range srcs {
		sender, err := pc.AddTrack(s.Tracks[0])
		if err != nil {
			return fail(err)
		}
		for _, layer := range s.Tracks[1:] {
			if err := sender.AddEncoding(layer); err != nil {
				return fail(fmt.Errorf("simulcast layer: %w", err))
			}
		}
		tracks[s.ID] = "microphone"
		if s.Kind == webrtc.RTPCodecTypeVideo {
			tracks[s.ID] = "camera"
		}
		if len(s.Layers) > 0 {
			sims = append(sims, simulcast{s, sender})
			for _, rid := range s.Layers {
				go forwardKeyframeRequests(func() ([]rtcp.Packet, error) {
					pkts, _, err := sender.ReadSimulcastRTCP(rid)
					return pkts, err
				}, s)
			}
			continue
		}
		go forwardKeyframeRequests(func() ([]rtcp.Packet, error) {
			pkts, _, err := sender.ReadRTCP()
			return pkts, err
		}, s)
	}
	if len(srcs) == 0 {
		// Receive only: the first offer needs media sections.
		for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
			if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				return fail(err)
			}
		}
	}
	go p.pump()
	// A call that was just ending (the last one out of an earlier run)
	// is gone by the time of the join: start it again, a few times.
	for try := 0; ; try++ {
		_, err := p.request(ctx, calls.CallClientFrame{Type: "call.join", ChannelID: channel}, "call.joined")
		if err == nil {
			break
		}
		var fe *frameError
		if try == 3 || !errors.As(err, &fe) || fe.Code != "call_not_found" {
			return fail(err)
		}
		if _, err := api(ctx, "POST", d.url, token, "/api/v1/channels/"+channel+"/calls", nil, nil); err != nil {
			return fail(fmt.Errorf("start call: %w", err))
		}
	}
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return fail(err)
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return fail(err)
	}
	if err := waitDone(ctx, gathered); err != nil {
		return fail(err)
	}
	// The pump applies the answer before passing it on.
	if _, err := p.request(ctx, calls.CallClientFrame{Type: "call.offer", SDP: pc.LocalDescription().SDP, Tracks: tracks}, "call.answer"); err != nil {
		return fail(err)
	}
	for _, sm := range sims {
		var midExt, ridExt uint8
		for _, e := range sm.sender.GetParameters().HeaderExtensions {
			switch e.URI {
			case sdp.SDESMidURI:
				midExt = uint8(e.ID)
			case sdp.SDESRTPStreamIDURI:
				ridExt = uint8(e.ID)
			}
		}
		for _, tr := range pc.GetTransceivers() {
			if tr.Sender() == sm.sender && midExt != 0 && ridExt != 0 {
				sm.src.SetSimulcastIDs(midExt, ridExt, tr.Mid())
			}
		}
	}
	return p, nil
}

func waitDone(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// forwardKeyframeRequests passes the SFU's PLI and FIR on to the source.
func forwardKeyframeRequests(read func() ([]rtcp.Packet, error), s *bench.Source) {
	for {
		pkts, err := read()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.RequestKeyframe()
			}
		}
	}
}

// request sends a frame and waits for the answer of type want (or an
// error frame) carrying its id.
func (p *callPeer) request(ctx context.Context, f calls.CallClientFrame, want string) (json.RawMessage, error) {
	f.ID = p.prefix + strconv.FormatInt(p.nextID.Add(1), 10)
	b, _ := json.Marshal(f)
	if err := p.ws.SendRaw(ctx, websocket.MessageText, b); err != nil {
		return nil, fmt.Errorf("send %s: %w", f.Type, err)
	}
	for {
		select {
		case c, ok := <-p.ctl:
			if !ok {
				return nil, fmt.Errorf("%s: the websocket closed", f.Type)
			}
			if c.id != f.ID {
				continue
			}
			if c.typ == "error" {
				fe := &frameError{frame: f.Type, raw: string(c.raw)}
				_ = json.Unmarshal(c.raw, fe)
				return nil, fe
			}
			if c.typ == want {
				return c.raw, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("%s: no %s: %w", f.Type, want, ctx.Err())
		}
	}
}

// pump answers the server's offers, applies its answers, and passes the
// frames a request waits for; the rest (call.state, events) is dropped.
func (p *callPeer) pump() {
	defer close(p.ctl)
	for {
		f, err := p.ws.Next(p.ctx)
		if err != nil {
			return
		}
		var head struct {
			ID  string `json:"id"`
			SDP string `json:"sdp"`
		}
		switch f.Type {
		case "call.offer":
			if json.Unmarshal(f.Payload, &head) != nil || p.answer(head.SDP) != nil {
				p.sigErrs.Add(1)
			}
			continue
		case "call.answer":
			if json.Unmarshal(f.Payload, &head) != nil ||
				p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: head.SDP}) != nil {
				p.sigErrs.Add(1)
			}
		case "call.joined", "error":
			_ = json.Unmarshal(f.Payload, &head)
		default:
			continue
		}
		select {
		case p.ctl <- ctlFrame{typ: f.Type, id: head.ID, raw: f.Payload}:
		default: // nobody waits for it
		}
	}
}

func (p *callPeer) answer(sdp string) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return err
	}
	ans, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	if err := waitDone(p.ctx, gathered); err != nil {
		return err
	}
	b, _ := json.Marshal(calls.CallClientFrame{Type: "call.answer", SDP: p.pc.LocalDescription().SDP})
	return p.ws.SendRaw(p.ctx, websocket.MessageText, b)
}

func (p *callPeer) Close() error {
	p.cancel()
	err := p.pc.Close()
	p.ws.CloseNow()
	return err
}

// callOptions are the flags of a call run.
type callOptions struct {
	shape     string
	size      int // fixed N or M; 0: search
	start     int
	limit     int
	steps     int
	factor    float64
	target    float64
	window    time.Duration
	ready     time.Duration
	serverPID int
	simulcast bool
	videoKbps int
	jsonOut   bool
}

// runCalls runs one call shape against the server, a fixed size or a
// bounded search, and prints every step.
func runCalls(ctx context.Context, o options, co callOptions) error {
	if co.serverPID <= 0 {
		return errors.New("give --server-pid (the server's process id, for its CPU time from /proc)")
	}
	if _, err := bench.ProcCPU(co.serverPID); err != nil {
		return err
	}
	d, err := newCallDriver(o.url, prepareWithSetup(o))
	if err != nil {
		return err
	}
	m := bench.DefaultMedia()
	m.Simulcast = co.simulcast
	if co.videoKbps > 0 {
		m.VideoKbps = co.videoKbps
	}
	b := &bench.Bench{Driver: d, Media: m, ServerPID: co.serverPID, Window: co.window, Ready: co.ready, Log: os.Stderr}
	defer b.Close()
	shape := bench.Shape(co.shape)
	var steps []bench.Step
	if co.size > 0 {
		co.start, co.limit, co.steps = co.size, co.size, 1
	}
	// Users and channels for the largest step, made before measuring.
	if shape == bench.Fanout {
		err = d.Prepare(ctx, 1, co.limit+1)
	} else {
		err = d.Prepare(ctx, co.limit, bench.GroupSize)
	}
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	steps, err = b.Search(ctx, shape, co.start, co.factor, co.limit, co.steps, co.target)
	printSteps(co, steps)
	return err
}

func printSteps(co callOptions, steps []bench.Step) {
	if co.jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(steps)
		return
	}
	for _, s := range steps {
		fmt.Printf("%s %d: %s\n", s.Shape, s.Size, s.Line())
	}
	best := -1
	for i, s := range steps {
		if s.Held {
			best = i
		}
	}
	if best < 0 {
		fmt.Println("no step held")
		return
	}
	s := steps[best]
	fmt.Printf("largest that held: %s %d at %.0f%% server CPU (%.0f forwarded packets/s, %.1f µs server CPU per packet)\n",
		s.Shape, s.Size, s.ServerPct, s.Forwarded, s.MicrosPerPacket)
}

// callFlags declares the flags of call runs.
func callFlags() *callOptions {
	co := &callOptions{}
	flag.StringVar(&co.shape, "call", "", "drive calls instead of messages: fanout (1 video publisher, N subscribers) or groups (M calls of 5, audio only)")
	flag.IntVar(&co.size, "call-size", 0, "a fixed N (fanout) or M (groups); 0 searches from --call-start")
	flag.IntVar(&co.start, "call-start", 10, "search: the first N or M")
	flag.Float64Var(&co.factor, "call-factor", 1.5, "search: each step multiplies N or M by this")
	flag.IntVar(&co.limit, "call-limit", 400, "search: the largest N or M tried (users are made for it first)")
	flag.IntVar(&co.steps, "call-steps", 10, "search: at most this many steps")
	flag.Float64Var(&co.target, "call-target", 80, "search: stop once the server uses this percentage of all cores")
	flag.DurationVar(&co.window, "call-window", 10*time.Second, "how long each step measures")
	flag.DurationVar(&co.ready, "call-ready", 60*time.Second, "how long a step waits for every track to arrive before it measures anyway")
	flag.IntVar(&co.serverPID, "server-pid", 0, "the server's process id (its CPU time is read from /proc/PID/stat)")
	flag.BoolVar(&co.simulcast, "simulcast", false, "fanout: publish the video in three simulcast layers")
	flag.IntVar(&co.videoKbps, "video-kbps", 0, "the video's (top layer's) bit rate (default 1200)")
	return co
}
