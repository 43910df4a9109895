package calls

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// sfu is the media side of one node: one pion API whose every peer
// connection shares one UDP port (ICE UDP mux) and, optionally, one TCP
// port for ICE over TCP.
type sfu struct {
	api *webrtc.API
	udp net.PacketConn
	tcp net.Listener // nil: ICE over TCP is off
	// turn is the embedded TURN server; nil: off.
	turn *turnServer
	log  *slog.Logger
}

func newSFU(cfg Config, log *slog.Logger, inCall func(callID, userID string) bool) (*sfu, error) {
	udp, err := net.ListenPacket("udp", cfg.UDPAddr)
	if err != nil {
		return nil, fmt.Errorf("calls: listen on UDP %s: %w", cfg.UDPAddr, err)
	}
	s := &sfu{udp: udp, log: log}
	// pion's own logs (warnings about single packets, closed sockets at
	// shutdown) go to our log at debug level, never to stderr.
	lf := &logging.DefaultLoggerFactory{Writer: slogWriter{log}, DefaultLogLevel: logging.LogLevelWarn,
		ScopeLevels: map[string]logging.LogLevel{}}
	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetICEUDPMux(webrtc.NewICEUDPMux(lf.NewLogger("ice"), udp))
	networks := []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
	if cfg.TCPAddr != "" {
		if s.tcp, err = net.Listen("tcp", cfg.TCPAddr); err != nil {
			udp.Close()
			return nil, fmt.Errorf("calls: listen on TCP %s: %w", cfg.TCPAddr, err)
		}
		se.SetICETCPMux(webrtc.NewICETCPMux(lf.NewLogger("ice"), s.tcp, 64))
		networks = append(networks, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)
	}
	se.SetNetworkTypes(networks)
	if ip := udpIP(udp); ip != nil && ip.IsLoopback() {
		// Bound to loopback on purpose (the default, and tests): offer it.
		se.SetIncludeLoopbackCandidate(true)
	}
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{External: cfg.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost}); err != nil {
			s.close()
			return nil, fmt.Errorf("calls: public address: %w", err)
		}
	}
	// No mDNS: it would bind port 5353 on every interface. Browsers that
	// hide their address behind a .local name are found as peer-reflexive
	// candidates when their checks arrive at the mux.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// A participant whose packets stop (their network changed, the
	// laptop closed) is disconnected after a few seconds and failed, so
	// out of the call, after the vanish timeout; an ICE restart from
	// their client brings them back before.
	se.SetICETimeouts(min(5*time.Second, cfg.VanishTimeout/2), cfg.VanishTimeout, time.Second)
	me := &webrtc.MediaEngine{}
	if err := registerCodecs(me); err != nil {
		s.close()
		return nil, fmt.Errorf("calls: codecs: %w", err)
	}
	// NACK generator and responder (with RTX), sender and receiver
	// reports, the simulcast header extensions and transport-wide
	// congestion control feedback.
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(me, reg); err != nil {
		s.close()
		return nil, fmt.Errorf("calls: interceptors: %w", err)
	}
	s.api = webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg))
	if cfg.TURNAddr != "" {
		if s.turn, err = newTURN(cfg, lf, inCall, mediaIPs(udp, cfg.PublicIPs)); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

// registerCodecs registers what the SFU forwards: Opus with DTX asked
// for (usedtx=1: a quiet microphone sends a packet every 400 ms instead
// of 50 a second) and in-band FEC; VP8, VP9, H.264 and AV1 with RTX and
// keyframe, NACK and REMB feedback; and the audio-level header extension
// the active speaker is found from.
func registerCodecs(me *webrtc.MediaEngine) error {
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: OpusFmtp}, PayloadType: 111},
		webrtc.RTPCodecTypeAudio); err != nil {
		return err
	}
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	for _, c := range []struct {
		mime, fmtp string
		pt         webrtc.PayloadType
	}{
		{webrtc.MimeTypeVP8, "", 96},
		{webrtc.MimeTypeVP9, "profile-id=0", 98},
		{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", 102},
		{webrtc.MimeTypeH264, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", 106},
		{webrtc.MimeTypeAV1, "", 45},
	} {
		if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: c.mime, ClockRate: 90000, SDPFmtpLine: c.fmtp, RTCPFeedback: fb}, PayloadType: c.pt},
			webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
		if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: fmt.Sprintf("apt=%d", c.pt)}, PayloadType: c.pt + 1},
			webrtc.RTPCodecTypeVideo); err != nil {
			return err
		}
	}
	return me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio)
}

// OpusFmtp is the Opus format the SFU offers and answers: DTX and FEC.
const OpusFmtp = "minptime=10;useinbandfec=1;usedtx=1"

// slogWriter turns pion's log lines into debug records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Debug("pion", "line", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func udpIP(c net.PacketConn) net.IP {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok {
		return a.IP
	}
	return nil
}

// mediaIPs are the addresses the SFU's media socket answers on: its own
// (every interface's when it listens on all of them) and the public ones.
func mediaIPs(c net.PacketConn, public []string) []net.IP {
	var out []net.IP
	ip := udpIP(c)
	if ip != nil && !ip.IsUnspecified() {
		out = append(out, ip)
	} else if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				out = append(out, n.IP)
			}
		}
	}
	for _, p := range public {
		out = append(out, net.ParseIP(p))
	}
	return out
}

func (s *sfu) close() {
	if s.turn != nil {
		s.turn.close()
	}
	s.udp.Close()
	if s.tcp != nil {
		s.tcp.Close()
	}
}

// publication is one track a participant publishes, forwarded to every
// other participant. A simulcast track has one layer per RTP stream id
// (rid); every layer is read, and each subscriber receives the one chosen
// for it (see choose).
type publication struct {
	owner  *member
	id     string
	kind   webrtc.RTPCodecType
	codec  webrtc.RTPCodecCapability
	source string
	// levelExt is the negotiated id of the audio-level header extension
	// (RFC 6464) on this track; 0: the publisher sends none.
	levelExt uint8
	// level is the smoothed audio level in millionths (0 silence, 1e6
	// 0 dBov); audioPkts counts audio packets, so that the speaker
	// detector sees DTX silence (no packets) as silence.
	level     atomic.Uint32
	audioPkts atomic.Uint64

	// layers are replaced (never changed) under the room's lock.
	layers atomic.Pointer[[]*layer]
	// downs are the subscribers' tracks, replaced (never changed) under
	// the room's lock, read without a lock on the forwarding path.
	downs atomic.Pointer[[]*downTrack]
}

// layer is one simulcast layer (or the only stream) of a publication.
type layer struct {
	idx    int // index in the publication's layers, stable
	rid    string
	remote *webrtc.TrackRemote
	// bytes counts what arrived; bps is the rate the room's ticker
	// measured from it; width and height come from the last VP8
	// keyframe (0: unknown).
	bytes         atomic.Uint64
	bps           atomic.Uint64
	width, height atomic.Uint32
	// lastPLI throttles the keyframe requests for this layer.
	lastPLI atomic.Int64
}

func (p *publication) loadLayers() []*layer {
	if l := p.layers.Load(); l != nil {
		return *l
	}
	return nil
}

func (p *publication) setDowns(ds []*downTrack) { p.downs.Store(&ds) }

func (p *publication) loadDowns() []*downTrack {
	if d := p.downs.Load(); d != nil {
		return *d
	}
	return nil
}

// downTrack is a publication as one subscriber receives it. It is the
// pion TrackLocal added to the subscriber's connection: it writes each
// packet straight to the connection's one binding, rewriting SSRC,
// payload type, sequence number and timestamp, so that a switch between
// simulcast layers looks like one continuous stream to the subscriber.
type downTrack struct {
	pub    *publication
	sub    *member
	sender *webrtc.RTPSender

	mu sync.Mutex
	ws webrtc.TrackLocalWriter // nil until bound, and after unbind
	// Guarded by mu: what is bound and the rewriting state.
	ssrc    uint32
	pt      uint8
	cur     int // the layer forwarded (-1: none yet)
	target  int // the layer wanted; forwarded from its next keyframe
	started bool
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	ext     [4]rtp.Extension // reused for the interceptors' header extensions
	hdr     rtp.Header       // reused for every packet: a local would escape
	// Guarded by mu: the size the subscriber shows the video at (-1: not
	// said).
	wantW, wantH int
}

func newDownTrack(pub *publication, sub *member) *downTrack {
	return &downTrack{pub: pub, sub: sub, cur: -1, wantW: -1, wantH: -1}
}

// ID, RID, StreamID and Kind make downTrack a webrtc.TrackLocal: the
// forwarded track keeps the publisher's track id, its stream id is the
// publisher's user id.
func (d *downTrack) ID() string                { return d.pub.id }
func (d *downTrack) RID() string               { return "" }
func (d *downTrack) StreamID() string          { return d.pub.owner.userID }
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.pub.kind }

// Bind picks the negotiated codec matching the publisher's.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	var match *webrtc.RTPCodecParameters
	for _, c := range ctx.CodecParameters() {
		if !strings.EqualFold(c.MimeType, d.pub.codec.MimeType) || c.ClockRate != d.pub.codec.ClockRate {
			continue
		}
		if match == nil || c.SDPFmtpLine == d.pub.codec.SDPFmtpLine {
			c := c
			match = &c
		}
	}
	if match == nil {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	d.mu.Lock()
	d.ssrc, d.pt, d.ws = uint32(ctx.SSRC()), uint8(match.PayloadType), ctx.WriteStream()
	d.mu.Unlock()
	return *match, nil
}

// Unbind stops the writes.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.ws = nil
	d.mu.Unlock()
	return nil
}

// write forwards one packet of layer li, or drops it: another layer is
// forwarded, or a switch to li waits for li's next keyframe. It allocates
// nothing.
func (d *downTrack) write(li int, pkt *rtp.Packet, key bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ws == nil {
		return
	}
	if li != d.cur {
		if li != d.target || (d.cur >= 0 && !key) {
			return
		}
		// Switch (or start): the new layer's numbers continue the old
		// ones, one sequence number and one timestamp tick on.
		if d.started {
			d.seqOff = d.lastSeq + 1 - pkt.SequenceNumber
			d.tsOff = d.lastTS + 1 - pkt.Timestamp
		}
		d.cur, d.started = li, true
	}
	// A copy (the packet goes on to the next subscriber), into the
	// downTrack: a local passed to the writer would escape to the heap.
	d.hdr = pkt.Header
	h := &d.hdr
	h.SSRC, h.PayloadType = d.ssrc, d.pt
	h.SequenceNumber += d.seqOff
	h.Timestamp += d.tsOff
	// The publisher's header extensions carry the ids negotiated with
	// the publisher, which mean nothing (or something else) on this
	// connection: dropped; the interceptors add their own (TWCC).
	h.Extension, h.Extensions = false, d.ext[:0]
	d.lastSeq, d.lastTS = h.SequenceNumber, h.Timestamp
	// An error means that subscriber's connection is closing; it is
	// removed by its own leave.
	_, _ = d.ws.WriteRTP(h, pkt.Payload)
}

// forward copies one layer's RTP to the subscribers until the track
// ends. One buffer and one packet struct per layer, reused for every
// packet.
func (p *publication) forward(l *layer) {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		p.forwardPacket(l, buf[:n], &pkt)
	}
}

// forwardPacket is the forwarding path of one packet: parse (into the
// reused pkt, whose payload points into b), note the level or the
// keyframe, write to every subscriber. It allocates nothing.
func (p *publication) forwardPacket(l *layer, b []byte, pkt *rtp.Packet) {
	if p.kind == webrtc.RTPCodecTypeAudio && p.owner.forcedMute.Load() {
		p.owner.room.mutedDrops.Add(1)
		return // a moderator muted them: their audio stops here
	}
	if pkt.Unmarshal(b) != nil {
		return
	}
	l.bytes.Add(uint64(len(b)))
	key := false
	if p.kind == webrtc.RTPCodecTypeAudio {
		p.noteLevel(pkt)
	} else if key = isKeyframe(p.codec.MimeType, pkt.Payload); key {
		if w, h, ok := vp8Size(pkt.Payload); ok {
			l.width.Store(w)
			l.height.Store(h)
		}
	}
	for _, d := range p.loadDowns() {
		d.write(l.idx, pkt, key)
	}
}

// noteLevel folds the packet's audio level into the smoothed level: a
// fast attack and a slower release, so that a word lifts the level at
// once and a breath does not drop it.
func (p *publication) noteLevel(pkt *rtp.Packet) {
	p.audioPkts.Add(1)
	if p.levelExt == 0 {
		return
	}
	ext := pkt.Header.GetExtension(p.levelExt)
	if len(ext) < 1 {
		return
	}
	dbov := int(ext[0] & 0x7f) // 0 loudest, 127 silence
	now := max(0, 60-dbov) * 1_000_000 / 60
	old := int(p.level.Load())
	var next int
	if now > old {
		next = old + (now-old)/3
	} else {
		next = old - (old-now)/12
	}
	p.level.Store(uint32(next))
}

// isKeyframe reports whether an RTP payload starts a keyframe. VP8 is
// parsed (payload descriptor, then the frame tag's P bit); for other
// codecs every packet counts as one, so a layer switch happens at once
// (browsers send VP8 for simulcast unless told otherwise).
func isKeyframe(mime string, b []byte) bool {
	if !strings.EqualFold(mime, webrtc.MimeTypeVP8) {
		return true
	}
	h, ok := vp8Frame(b)
	return ok && len(h) > 0 && h[0]&0x01 == 0
}

// vp8Frame returns the VP8 payload after the payload descriptor (RFC
// 7741) when the packet starts partition 0 of a frame.
func vp8Frame(b []byte) ([]byte, bool) {
	if len(b) < 1 {
		return nil, false
	}
	x, s, pid := b[0]&0x80 != 0, b[0]&0x10 != 0, b[0]&0x07
	i := 1
	if x {
		if len(b) < 2 {
			return nil, false
		}
		ext := b[1]
		i = 2
		if ext&0x80 != 0 { // picture id
			if len(b) <= i {
				return nil, false
			}
			if b[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if ext&0x40 != 0 { // TL0PICIDX
			i++
		}
		if ext&0x30 != 0 { // TID/KEYIDX
			i++
		}
	}
	if !s || pid != 0 || len(b) <= i {
		return nil, false
	}
	return b[i:], true
}

// vp8Size reads the frame size from a VP8 keyframe's header.
func vp8Size(b []byte) (w, h uint32, ok bool) {
	f, ok := vp8Frame(b)
	if !ok || len(f) < 10 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, 0, false
	}
	w = uint32(f[6]) | uint32(f[7]&0x3f)<<8
	h = uint32(f[8]) | uint32(f[9]&0x3f)<<8
	return w, h, w > 0 && h > 0
}

// requestKeyframe asks the publisher for a keyframe (PLI) of a layer, at
// most every minGap unless force (a new subscriber must not wait).
func (p *publication) requestKeyframe(l *layer, force bool) {
	if p.kind != webrtc.RTPCodecTypeVideo || l == nil {
		return
	}
	const minGap = 200 * time.Millisecond
	now := time.Now().UnixNano()
	last := l.lastPLI.Load()
	if !force && now-last < int64(minGap) {
		return
	}
	l.lastPLI.Store(now)
	_ = p.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(l.remote.SSRC())}})
}

// layerAt returns layer i, or nil.
func (p *publication) layerAt(i int) *layer {
	ls := p.loadLayers()
	if i < 0 || i >= len(ls) {
		return nil
	}
	return ls[i]
}

// keyframeFor asks for a keyframe of what d receives or is about to.
func (d *downTrack) keyframe(force bool) {
	d.mu.Lock()
	cur, target := d.cur, d.target
	d.mu.Unlock()
	if target != cur {
		d.pub.requestKeyframe(d.pub.layerAt(target), true)
	}
	if cur < 0 {
		cur = 0
	}
	d.pub.requestKeyframe(d.pub.layerAt(cur), force)
}

// readRTCP reads what a subscriber reports about one track: keyframe
// requests go on to the publisher, a bandwidth estimate (REMB) is kept
// for the layer choice; reports and NACKs are consumed by the
// interceptors (NACKs answered from the responder's buffer, with RTX).
func (d *downTrack) readRTCP() {
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk := pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.keyframe(false)
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				d.sub.remb.Store(uint64(pk.Bitrate))
			}
		}
	}
}

// closeOnce closes a peer connection once, outside every lock.
type closeOnce struct {
	once sync.Once
}

func (c *closeOnce) close(pc *webrtc.PeerConnection) {
	c.once.Do(func() { _ = pc.Close() })
}

// drain reads and drops a track that is not forwarded (a fifth
// simulcast layer), so that pion's buffers do not fill.
func drain(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
	}
}
