package calls_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/realtime"
	"github.com/kontorhq/kontor/modules/realtime/rtclient"
)

// clientAPI is a pion API for test peers: loopback only, no mDNS, the
// default codecs and interceptors (NACK, reports, TWCC) like a browser.
func clientAPI(t *testing.T) *webrtc.API {
	t.Helper()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	// Audio levels like a browser's microphone (RFC 6464).
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg))
}

// peer is a participant: a websocket for signaling and a pion peer
// connection, answering the server's offers on its own.
type peer struct {
	t      *testing.T
	name   string
	person *apptest.Person
	ws     *rtclient.Client
	pc     *webrtc.PeerConnection // set before the first offer, read by pump under pcMu
	// iceStarted is closed once pion has started pc's ICE transport (its
	// ICE connection state left "new"); read by pump under pcMu.
	iceStarted <-chan struct{}
	pcMu       sync.Mutex
	ctx        context.Context

	frames    chan realtime.ServerFrame // every frame but the negotiation's
	tracks    chan *webrtc.TrackRemote
	connected chan struct{}
	connOnce  sync.Once
	nextID    atomic.Int64
	sigErr    chan error
	sentOffer string // the last offer sent, as sent (test goroutine only)
}

func newPeer(ctx context.Context, t *testing.T, s *apptest.Stack, api *webrtc.API, p *apptest.Person) *peer {
	t.Helper()
	ws, err := rtclient.Dial(ctx, s.URL, p.Header(), rtclient.Fresh)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	pr := &peer{t: t, name: p.Username, person: p, ws: ws, ctx: ctx, frames: make(chan realtime.ServerFrame, 1024),
		tracks: make(chan *webrtc.TrackRemote, 16), connected: make(chan struct{}), sigErr: make(chan error, 16)}
	pr.setPC(pc)
	go pr.pump()
	return pr
}

// setPC gives the peer its peer connection (again: a test that needs a
// configuration known only after call.joined replaces it before its
// first offer; the server offers nothing before that).
func (p *peer) setPC(pc *webrtc.PeerConnection) {
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { p.tracks <- tr })
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateConnected {
			p.connOnce.Do(func() { close(p.connected) })
		}
	})
	started := make(chan struct{})
	var once sync.Once
	pc.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
		if st != webrtc.ICEConnectionStateNew {
			once.Do(func() { close(started) })
		}
	})
	p.pcMu.Lock()
	p.pc, p.iceStarted = pc, started
	p.pcMu.Unlock()
}

// pump answers the server's offers and applies its answers; every other
// frame goes to frames.
func (p *peer) pump() {
	for {
		f, err := p.ws.Next(p.ctx)
		if err != nil {
			close(p.frames)
			return
		}
		p.pcMu.Lock()
		pc, iceStarted := p.pc, p.iceStarted
		p.pcMu.Unlock()
		switch f.Type {
		case "call.offer":
			var o calls.CallSDP
			if err := json.Unmarshal(f.Payload, &o); err != nil {
				p.sigErr <- err
				continue
			}
			// The server offers right after answering (what was published
			// before the client came). pion starts the ICE transport of an
			// applied answer later, on its own queue, and takes a new offer
			// whose ICE credentials differ from its agent's remote ones for
			// an ICE restart: before the transport started, the agent's are
			// still empty, so pion would restart ICE nobody asked for (new
			// credentials, its candidates dropped and gathered again, a relay
			// allocated anew). A browser has the credentials at once; wait
			// as long as pion needs to have them too.
			if pc.CurrentRemoteDescription() != nil {
				select {
				case <-iceStarted:
				case <-p.ctx.Done():
					close(p.frames)
					return
				}
			}
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: o.SDP}); err != nil {
				p.sigErr <- err
				continue
			}
			ans, err := pc.CreateAnswer(nil)
			if err != nil {
				p.sigErr <- err
				continue
			}
			gathered := webrtc.GatheringCompletePromise(pc)
			if err := pc.SetLocalDescription(ans); err != nil {
				p.sigErr <- err
				continue
			}
			<-gathered
			p.sendFrame(calls.CallClientFrame{Type: "call.answer", SDP: pc.LocalDescription().SDP})
		case "call.answer":
			var a calls.CallSDP
			if err := json.Unmarshal(f.Payload, &a); err != nil {
				p.sigErr <- err
				continue
			}
			if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a.SDP}); err != nil {
				p.sigErr <- err
			}
			p.frames <- f
		default:
			p.frames <- f
		}
	}
}

func (p *peer) sendFrame(f calls.CallClientFrame) string {
	if f.ID == "" {
		f.ID = p.name + "-" + string(rune('a'+p.nextID.Add(1)%26)) + time.Now().Format("150405.000000000")
	}
	b, _ := json.Marshal(f)
	if err := p.ws.SendRaw(p.ctx, websocket.MessageText, b); err != nil {
		p.t.Errorf("%s: send %s: %v", p.name, f.Type, err)
	}
	return f.ID
}

// next waits for the next frame of one of types, skipping others.
func (p *peer) next(types ...string) realtime.ServerFrame {
	p.t.Helper()
	for {
		select {
		case f, ok := <-p.frames:
			if !ok {
				p.t.Fatalf("%s: the websocket closed while waiting for %v", p.name, types)
			}
			for _, ty := range types {
				if f.Type == ty {
					return f
				}
			}
		case err := <-p.sigErr:
			p.t.Fatalf("%s: negotiation: %v", p.name, err)
		case <-p.ctx.Done():
			p.t.Fatalf("%s: no %v frame before the test's deadline", p.name, types)
		}
	}
}

// errorFor sends f and returns the code of the error frame answering it.
func (p *peer) errorFor(f calls.CallClientFrame) string {
	p.t.Helper()
	id := p.sendFrame(f)
	for {
		fr := p.next("error", "call.ack", "call.joined", "call.answer")
		var e struct {
			ID   string `json:"id"`
			Code string `json:"code"`
		}
		_ = json.Unmarshal(fr.Payload, &e)
		if e.ID != id {
			continue
		}
		if fr.Type != "error" {
			p.t.Fatalf("%s: %s was accepted (%s), want an error", p.name, f.Type, fr.Type)
		}
		return e.Code
	}
}

// join joins the channel's call and waits for call.joined.
func (p *peer) join(channelID string) calls.Call {
	p.t.Helper()
	id := p.sendFrame(calls.CallClientFrame{Type: "call.join", ChannelID: channelID})
	for {
		f := p.next("call.joined", "error")
		if f.Type == "error" {
			p.t.Fatalf("%s: call.join refused: %s", p.name, f.Payload)
		}
		var j calls.CallJoined
		if err := json.Unmarshal(f.Payload, &j); err != nil {
			p.t.Fatal(err)
		}
		if j.ID == id {
			return j.Call
		}
	}
}

// offer sends the client's offer (with its tracks or receive-only
// transceivers) and waits for the server's answer to be applied.
func (p *peer) offer(tracks map[string]string) { p.offerWith(tracks, nil) }

// restartICE sends an offer that restarts ICE (new credentials, new
// candidates), as a browser does after restartIce() on a network change.
func (p *peer) restartICE() { p.offerWith(nil, &webrtc.OfferOptions{ICERestart: true}) }

func (p *peer) offerWith(tracks map[string]string, opts *webrtc.OfferOptions) {
	p.t.Helper()
	o, err := p.pc.CreateOffer(opts)
	if err != nil {
		p.t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(o); err != nil {
		p.t.Fatal(err)
	}
	<-gathered
	p.sentOffer = p.pc.LocalDescription().SDP
	id := p.sendFrame(calls.CallClientFrame{Type: "call.offer", SDP: p.sentOffer, Tracks: tracks})
	for {
		f := p.next("call.answer", "error")
		if f.Type == "error" {
			p.t.Fatalf("%s: offer refused: %s", p.name, f.Payload)
		}
		var a calls.CallSDP
		_ = json.Unmarshal(f.Payload, &a)
		if a.ID == id {
			return
		}
	}
}

func (p *peer) waitConnected() {
	p.t.Helper()
	select {
	case <-p.connected:
	case <-p.ctx.Done():
		p.t.Fatalf("%s: the peer connection did not connect", p.name)
	}
}

// receiveOnly prepares a peer that publishes nothing.
func (p *peer) receiveOnly() {
	p.t.Helper()
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		if _, err := p.pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			p.t.Fatal(err)
		}
	}
}

// source is a synthetic media track: packets carry their track tag and
// sequence number; video packets are VP8 keyframes only after a keyframe
// request (PLI) or at the start.
type source struct {
	tag    byte
	track  *webrtc.TrackLocalStaticRTP
	sender *webrtc.RTPSender
	video  bool
	plis   atomic.Int64
	wantKF atomic.Bool
	seq    atomic.Uint32 // last sequence number sent
	phase  atomic.Uint32 // written into every packet: tests mark periods with it
	// level, for audio: the audio level (dBov, 0 loudest, 127 silence)
	// sent in the header extension; quiet: send nothing (Opus DTX).
	level atomic.Int32
	quiet atomic.Bool
	stop  chan struct{}
	sent  chan struct{} // a token per packet sent (dropped when nobody takes it)
}

func (p *peer) publish(tag byte, kind webrtc.RTPCodecType, id string) *source {
	p.t.Helper()
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}
	if kind == webrtc.RTPCodecTypeVideo {
		codec = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	}
	tr, err := webrtc.NewTrackLocalStaticRTP(codec, id, "stream-"+p.name)
	if err != nil {
		p.t.Fatal(err)
	}
	sender, err := p.pc.AddTrack(tr)
	if err != nil {
		p.t.Fatal(err)
	}
	s := &source{tag: tag, track: tr, sender: sender, video: kind == webrtc.RTPCodecTypeVideo, stop: make(chan struct{}),
		sent: make(chan struct{}, 1)}
	s.wantKF.Store(true)
	s.level.Store(127)
	go func() {
		for {
			pkts, _, err := sender.ReadRTCP()
			if err != nil {
				return
			}
			for _, pk := range pkts {
				if _, ok := pk.(*rtcp.PictureLossIndication); ok {
					s.plis.Add(1)
					s.wantKF.Store(true)
				}
			}
		}
	}()
	p.t.Cleanup(func() { close(s.stop) })
	return s
}

// run sends a packet every 5 ms until the test ends (a media source, not
// a clock the test waits on).
func (s *source) run() {
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var seq uint16 = 1000
		var ts uint32
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			if s.quiet.Load() {
				continue
			}
			seq++
			ts += 960
			payload := make([]byte, 40)
			payload[0], payload[1] = 0x10, 0x01 // VP8 descriptor (start of partition), inter frame
			if s.video && s.wantKF.Swap(false) {
				payload[1] = 0x00 // key frame
			}
			payload[2] = s.tag
			binary.BigEndian.PutUint16(payload[3:], seq)
			payload[5] = byte(s.phase.Load())
			pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: true}, Payload: payload}
			if !s.video {
				for _, e := range s.sender.GetParameters().HeaderExtensions {
					if e.URI == sdp.AudioLevelURI {
						_ = pkt.Header.SetExtension(uint8(e.ID), []byte{byte(s.level.Load()) & 0x7f})
					}
				}
			}
			_ = s.track.WriteRTP(pkt)
			s.seq.Store(uint32(seq))
			select {
			case s.sent <- struct{}{}:
			default:
			}
		}
	}()
}

// waitSent waits until the source has sent at least n more packets.
func (s *source) waitSent(ctx context.Context, n uint32) bool {
	start := s.seq.Load()
	for s.seq.Load()-start < n {
		select {
		case <-s.sent:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// received is what a subscriber read from one track.
type received struct {
	tag      byte
	first    uint16
	seqs     map[uint16]bool
	keyAfter uint16 // a keyframe's sequence number (0: none yet)
	err      error
}

// readTrack reads a forwarded track until want packets in a row (by
// sequence number from the first one) arrived, checking each payload.
func readTrack(tr *webrtc.TrackRemote, want int, wantKeyframe bool) received {
	r := received{seqs: map[uint16]bool{}}
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			r.err = err
			return r
		}
		if len(pkt.Payload) < 5 || binary.BigEndian.Uint16(pkt.Payload[3:]) != pkt.SequenceNumber {
			r.err = errors.New("a payload does not match its packet")
			return r
		}
		if len(r.seqs) == 0 {
			r.tag, r.first = pkt.Payload[2], pkt.SequenceNumber
		}
		r.seqs[pkt.SequenceNumber] = true
		if pkt.Payload[1] == 0x00 && r.keyAfter == 0 {
			r.keyAfter = pkt.SequenceNumber
		}
		if r.complete(want) && (!wantKeyframe || r.keyAfter != 0) {
			return r
		}
	}
}

func (r received) complete(want int) bool {
	for i := 0; i < want; i++ {
		if !r.seqs[r.first+uint16(i)] {
			return false
		}
	}
	return true
}
