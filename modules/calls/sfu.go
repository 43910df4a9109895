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
	"github.com/pion/webrtc/v4"
)

// sfu is the media side of one node: one pion API whose every peer
// connection shares one UDP port (ICE UDP mux) and, optionally, one TCP
// port for ICE over TCP.
type sfu struct {
	api *webrtc.API
	udp net.PacketConn
	tcp net.Listener // nil: ICE over TCP is off
	log *slog.Logger
}

func newSFU(cfg Config, log *slog.Logger) (*sfu, error) {
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
	me := &webrtc.MediaEngine{}
	if err := me.RegisterDefaultCodecs(); err != nil {
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
	return s, nil
}

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

func (s *sfu) close() {
	s.udp.Close()
	if s.tcp != nil {
		s.tcp.Close()
	}
}

// publication is one track a participant publishes, forwarded to every
// other participant.
type publication struct {
	owner  *member
	remote *webrtc.TrackRemote
	kind   webrtc.RTPCodecType
	source string
	// downs are the subscribers' tracks, replaced (never changed) under
	// the room's lock, read without a lock on the forwarding path.
	downs atomic.Pointer[[]*downTrack]
	// lastPLI throttles the keyframe requests subscribers pass on.
	lastPLI atomic.Int64
}

// downTrack is a publication as one subscriber receives it.
type downTrack struct {
	pub    *publication
	sub    *member
	local  *webrtc.TrackLocalStaticRTP
	sender *webrtc.RTPSender
}

func (p *publication) setDowns(ds []*downTrack) { p.downs.Store(&ds) }

func (p *publication) loadDowns() []*downTrack {
	if d := p.downs.Load(); d != nil {
		return *d
	}
	return nil
}

// forward copies the publisher's RTP to every subscriber until the track
// ends. One buffer and one packet struct per track, reused for every
// packet: the forwarding path allocates nothing of its own (the tracks'
// WriteRTP takes its packet copy from pion's pool).
func (p *publication) forward() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := p.remote.Read(buf)
		if err != nil {
			return
		}
		if p.kind == webrtc.RTPCodecTypeAudio && p.owner.forcedMute.Load() {
			p.owner.room.mutedDrops.Add(1)
			continue // a moderator muted them: their audio stops here
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		for _, d := range p.loadDowns() {
			// An error means that subscriber's connection is closing; it is
			// removed by its own leave.
			_ = d.local.WriteRTP(&pkt)
		}
	}
}

// drain reads and drops a track that is not forwarded (further
// simulcast layers), so that pion's buffers do not fill.
func drain(t *webrtc.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
	}
}

// requestKeyframe asks the publisher for a keyframe (PLI), at most every
// minGap unless force (a new subscriber must not wait).
func (p *publication) requestKeyframe(force bool) {
	if p.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	const minGap = 200 * time.Millisecond
	now := time.Now().UnixNano()
	last := p.lastPLI.Load()
	if !force && now-last < int64(minGap) {
		return
	}
	p.lastPLI.Store(now)
	_ = p.owner.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(p.remote.SSRC())}})
}

// readRTCP reads what a subscriber reports about one track: keyframe
// requests go on to the publisher; reports and NACKs are consumed by the
// interceptors (NACKs answered from the responder's buffer, with RTX).
func (d *downTrack) readRTCP() {
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, pk := range pkts {
			switch pk.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.pub.requestKeyframe(false)
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
