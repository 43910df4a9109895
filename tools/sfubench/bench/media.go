// Package bench drives a selective forwarding unit with synthetic call
// peers and measures what it costs the server to forward their media. It
// knows nothing of any one SFU: a Driver joins a participant to a call
// (Kontor's websocket signaling in cmd/kontor-load, LiveKit's SDK in
// tools/sfubench/livekit), and this package makes the media, counts what
// arrives, reads the server's CPU time from /proc and searches for the
// largest call the machine holds. Both drivers run the same shapes with
// the same media, so their figures compare. It imports only pion.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Media is what each publisher sends. The defaults are what a browser
// sends in a call: Opus in 20 ms frames at about 32 kbit/s, and VP8 at
// 30 frames/s and 1.2 Mbit/s in packets of at most 1,100 bytes.
type Media struct {
	AudioFrame  time.Duration // 20 ms: 50 packets/s
	AudioBytes  int           // Opus payload per packet
	VideoKbps   int           // the top (or only) layer
	VideoFPS    int
	MaxPayload  int  // bytes of VP8 per packet
	Simulcast   bool // three layers (q, h, f) at 1/8, 1/3 and all of VideoKbps
	KeyframeGap time.Duration
}

// DefaultMedia is a browser's camera and microphone.
func DefaultMedia() Media {
	return Media{AudioFrame: 20 * time.Millisecond, AudioBytes: 80, VideoKbps: 1200, VideoFPS: 30, MaxPayload: 1100,
		KeyframeGap: 10 * time.Second}
}

// AudioPPS is the packets per second one audio track sends.
func (m Media) AudioPPS() float64 { return float64(time.Second) / float64(m.AudioFrame) }

// layerPackets is how many packets one frame of a layer of kbps takes.
func (m Media) layerPackets(kbps int) int {
	frame := kbps * 1000 / 8 / m.VideoFPS
	return max(1, (frame+m.MaxPayload-1)/m.MaxPayload)
}

// VideoPPS is the packets per second of the top layer (what a
// subscriber of a video without simulcast, or of its top layer,
// receives).
func (m Media) VideoPPS() float64 { return float64(m.layerPackets(m.VideoKbps) * m.VideoFPS) }

// Source is one synthetic media track a participant publishes: an audio
// track, or a video track with one or three simulcast layers.
type Source struct {
	Kind   webrtc.RTPCodecType
	ID     string
	Tracks []*webrtc.TrackLocalStaticRTP // one per layer, the lowest first
	Layers []string                      // their RIDs (empty without simulcast)

	media    Media
	keyframe atomic.Bool
	// Simulcast layers are told apart by header extensions that the
	// sender writes itself (pion does not): set by SetSimulcastIDs once
	// the offer is answered.
	simIDs atomic.Pointer[simulcastIDs]
	Sent   atomic.Int64 // packets written, all layers
}

// NewAudio is an Opus microphone track.
func NewAudio(m Media, id, stream string) (*Source, error) {
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}, id, stream)
	if err != nil {
		return nil, err
	}
	return &Source{Kind: webrtc.RTPCodecTypeAudio, ID: id, Tracks: []*webrtc.TrackLocalStaticRTP{tr}, media: m}, nil
}

// NewVideo is a VP8 camera track, with three simulcast layers if the
// media says so.
func NewVideo(m Media, id, stream string) (*Source, error) {
	codec := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}
	s := &Source{Kind: webrtc.RTPCodecTypeVideo, ID: id, media: m}
	if !m.Simulcast {
		tr, err := webrtc.NewTrackLocalStaticRTP(codec, id, stream)
		if err != nil {
			return nil, err
		}
		s.Tracks = append(s.Tracks, tr)
	} else {
		for _, rid := range []string{"q", "h", "f"} {
			tr, err := webrtc.NewTrackLocalStaticRTP(codec, id, stream, webrtc.WithRTPStreamID(rid))
			if err != nil {
				return nil, err
			}
			s.Tracks = append(s.Tracks, tr)
			s.Layers = append(s.Layers, rid)
		}
	}
	s.keyframe.Store(true)
	return s, nil
}

type simulcastIDs struct {
	midExt, ridExt uint8
	mid            string
}

// SetSimulcastIDs tells a simulcast source the negotiated header
// extension ids of the mid and the rid, and its transceiver's mid: every
// packet then names its layer as a browser's do.
func (s *Source) SetSimulcastIDs(midExt, ridExt uint8, mid string) {
	s.simIDs.Store(&simulcastIDs{midExt: midExt, ridExt: ridExt, mid: mid})
}

// RequestKeyframe makes the next video frame of every layer a keyframe
// (a subscriber's PLI or FIR, passed on by the SFU).
func (s *Source) RequestKeyframe() { s.keyframe.Store(true) }

// layerKbps is the bit rate of layer i.
func (s *Source) layerKbps(i int) int {
	if len(s.Tracks) == 1 {
		return s.media.VideoKbps
	}
	return [3]int{s.media.VideoKbps / 8, s.media.VideoKbps / 3, s.media.VideoKbps}[i]
}

// Run sends until ctx ends, paced like a real encoder: an audio packet
// every frame, a video frame's packets together every 1/fps.
func (s *Source) Run(ctx context.Context) {
	if s.Kind == webrtc.RTPCodecTypeAudio {
		s.runAudio(ctx)
		return
	}
	s.runVideo(ctx)
}

func (s *Source) runAudio(ctx context.Context) {
	t := time.NewTicker(s.media.AudioFrame)
	defer t.Stop()
	payload := make([]byte, s.media.AudioBytes)
	_, _ = rand.Read(payload)
	payload[0] = 0x78 // Opus TOC: SILK+CELT hybrid, 20 ms, one frame
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, Marker: false}, Payload: payload}
	step := uint32(48000 * s.media.AudioFrame / time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pkt.SequenceNumber++
		pkt.Timestamp += step
		if s.Tracks[0].WriteRTP(&pkt) == nil {
			s.Sent.Add(1)
		}
	}
}

func (s *Source) runVideo(ctx context.Context) {
	gap := time.Second / time.Duration(s.media.VideoFPS)
	t := time.NewTicker(gap)
	defer t.Stop()
	type layer struct {
		seq     uint16
		pid     uint16
		packets int
		frame   int // bytes of an inter frame
	}
	layers := make([]layer, len(s.Tracks))
	for i := range layers {
		kbps := s.layerKbps(i)
		layers[i] = layer{packets: s.media.layerPackets(kbps), frame: kbps * 1000 / 8 / s.media.VideoFPS}
	}
	buf := make([]byte, 4+s.media.MaxPayload)
	_, _ = rand.Read(buf)
	var pkt rtp.Packet
	var ts uint32
	lastKey := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ts += uint32(90000 / s.media.VideoFPS)
		key := s.keyframe.Swap(false)
		if s.media.KeyframeGap > 0 && time.Since(lastKey) >= s.media.KeyframeGap {
			key = true
		}
		if key {
			lastKey = time.Now()
		}
		for i := range layers {
			l := &layers[i]
			l.pid = (l.pid + 1) & 0x7fff
			size, n := l.frame, l.packets
			if key {
				size, n = l.frame*3, l.packets*3 // keyframes are larger
			}
			for p := 0; p < n; p++ {
				chunk := min(s.media.MaxPayload, max(size/n, 16))
				vp8Descriptor(buf, p == 0, l.pid)
				if p == 0 {
					vp8FrameHeader(buf[4:], key)
				}
				l.seq++
				pkt.Header = rtp.Header{Version: 2, SequenceNumber: l.seq, Timestamp: ts, Marker: p == n-1}
				if ids := s.simIDs.Load(); ids != nil && len(s.Layers) > 0 {
					_ = pkt.Header.SetExtension(ids.midExt, []byte(ids.mid))
					_ = pkt.Header.SetExtension(ids.ridExt, []byte(s.Layers[i]))
				}
				pkt.Payload = buf[:4+chunk]
				if s.Tracks[i].WriteRTP(&pkt) == nil {
					s.Sent.Add(1)
				}
			}
		}
	}
}

// vp8Descriptor writes the 4-byte VP8 payload descriptor (RFC 7741) with
// a 15-bit picture id, as browsers send it.
func vp8Descriptor(b []byte, start bool, pid uint16) {
	b[0] = 0x80 // X: extensions follow
	if start {
		b[0] |= 0x10 // S: start of a partition
	}
	b[1] = 0x80 // I: picture id present
	binary.BigEndian.PutUint16(b[2:], 0x8000|pid)
}

// vp8FrameHeader writes the first bytes of a VP8 frame: the frame tag,
// and for a keyframe the start code and a 1280x720 size, which SFUs read
// to tell keyframes and their size.
func vp8FrameHeader(b []byte, key bool) {
	if !key {
		b[0], b[1], b[2] = 0x31, 0x00, 0x00 // inter frame, shown
		return
	}
	b[0], b[1], b[2] = 0x10, 0x02, 0x00 // keyframe, shown
	b[3], b[4], b[5] = 0x9d, 0x01, 0x2a
	binary.LittleEndian.PutUint16(b[6:], 1280)
	binary.LittleEndian.PutUint16(b[8:], 720)
}

// Counter counts what subscribers receive: packets, bytes, and the
// packets lost by RTP sequence number (which survives an SFU that
// rewrites sequence numbers on a layer switch, as long as it keeps them
// continuous).
type Counter struct {
	Packets atomic.Int64
	Bytes   atomic.Int64
	Lost    atomic.Int64 // gaps in sequence numbers
	Tracks  atomic.Int64 // tracks that received at least one packet

	mu     sync.Mutex
	first  chan struct{} // closed at each newly received track, see WaitTracks
	target atomic.Int64  // WaitPackets: the count to reach (0: nobody waits)
	reach  chan struct{} // closed when Packets reaches target
}

// NewCounter returns an empty counter.
func NewCounter() *Counter { return &Counter{first: make(chan struct{})} }

func (c *Counter) gotTrack() {
	c.Tracks.Add(1)
	c.mu.Lock()
	close(c.first)
	c.first = make(chan struct{})
	c.mu.Unlock()
}

// WaitTracks waits until n tracks received packets, or ctx ends.
func (c *Counter) WaitTracks(ctx context.Context, n int64) bool {
	for {
		c.mu.Lock()
		ch := c.first
		c.mu.Unlock()
		if c.Tracks.Load() >= n {
			return true
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
}

// WaitPackets waits until n more packets arrived, or ctx ends; one
// caller at a time.
func (c *Counter) WaitPackets(ctx context.Context, n int64) bool {
	c.mu.Lock()
	ch := make(chan struct{})
	c.reach = ch
	c.mu.Unlock()
	want := c.Packets.Load() + n
	c.target.Store(want)
	defer c.target.Store(0)
	if c.Packets.Load() >= want {
		return true
	}
	select {
	case <-ch:
		return true
	case <-ctx.Done():
		return c.Packets.Load() >= want
	}
}

func (c *Counter) reached() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.target.Swap(0) != 0 && c.reach != nil {
		close(c.reach)
		c.reach = nil
	}
}

// Drain reads a received track until it ends, counting its packets. It
// parses only the RTP header (the sequence number), as cheaply as it can:
// the load generator shares the server's cores.
func (c *Counter) Drain(tr *webrtc.TrackRemote) {
	buf := make([]byte, 1600)
	var last uint16
	started := false
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		if n < 12 {
			continue
		}
		seq := binary.BigEndian.Uint16(buf[2:4])
		switch d := seq - last; {
		case !started:
			started, last = true, seq
			c.gotTrack()
		case d == 0 || d >= 0x8000:
			// a duplicate, a retransmission or a late packet: no gap
		default:
			c.Lost.Add(int64(d - 1))
			last = seq
		}
		if p := c.Packets.Add(1); p >= c.target.Load() && c.target.Load() > 0 {
			c.reached()
		}
		c.Bytes.Add(int64(n))
	}
}
