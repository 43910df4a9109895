package calls_test

import (
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calls"
)

// simLayer is one simulcast layer a test publisher sends: VP8-shaped
// packets of a fixed size (so the layers' bitrates differ like a
// browser's), keyframes carrying the frame size, only when asked (PLI).
type simLayer struct {
	tag           byte
	width, height int
	size          int
	track         *webrtc.TrackLocalStaticRTP
	wantKF        atomic.Bool
}

// publishSimulcast adds a three-layer simulcast camera to p.
func publishSimulcast(t *testing.T, p *peer, id string) ([]*simLayer, *webrtc.RTPSender) {
	t.Helper()
	layers := []*simLayer{{tag: 'q', width: 320, height: 180, size: 100}, {tag: 'h', width: 640, height: 360, size: 400},
		{tag: 'f', width: 1280, height: 720, size: 1000}}
	var sender *webrtc.RTPSender
	for _, l := range layers {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, id,
			"stream-"+p.name, webrtc.WithRTPStreamID(string(l.tag)))
		if err != nil {
			t.Fatal(err)
		}
		l.track = tr
		l.wantKF.Store(true)
		if sender == nil {
			if sender, err = p.pc.AddTrack(tr); err != nil {
				t.Fatal(err)
			}
		} else if err := sender.AddEncoding(tr); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range layers {
		go func() {
			for {
				pkts, _, err := sender.ReadSimulcastRTCP(string(l.tag))
				if err != nil {
					return
				}
				for _, pk := range pkts {
					if _, ok := pk.(*rtcp.PictureLossIndication); ok {
						l.wantKF.Store(true)
					}
				}
			}
		}()
	}
	return layers, sender
}

// runSimulcast sends every layer's packets every 5 ms until the test
// ends (a media source, not a clock the test waits on).
func runSimulcast(t *testing.T, layers []*simLayer, sender *webrtc.RTPSender, pc *webrtc.PeerConnection) {
	// Like a browser, every packet names its transceiver (mid) and its
	// layer (rid) in header extensions: the server finds the layers by
	// them.
	var midID, ridID uint8
	for _, e := range sender.GetParameters().HeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID)
		}
	}
	mid := ""
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() == sender {
			mid = tr.Mid()
		}
	}
	if midID == 0 || ridID == 0 || mid == "" {
		t.Fatalf("no mid/rid header extension negotiated (%d, %d, %q)", midID, ridID, mid)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		tk := time.NewTicker(5 * time.Millisecond)
		defer tk.Stop()
		var seq uint16 = 100
		var ts uint32
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
			}
			seq++
			ts += 450
			for _, l := range layers {
				b := make([]byte, l.size)
				b[0], b[1] = 0x10, 0x01 // start of partition 0; an inter frame
				if l.wantKF.Swap(false) {
					b[1] = 0x00 // a keyframe, with its size
					b[4], b[5], b[6] = 0x9d, 0x01, 0x2a
					binary.LittleEndian.PutUint16(b[7:], uint16(l.width))
					binary.LittleEndian.PutUint16(b[9:], uint16(l.height))
				}
				b[11] = l.tag
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: true}, Payload: b}
				_ = pkt.Header.SetExtension(midID, []byte(mid))
				_ = pkt.Header.SetExtension(ridID, []byte{l.tag})
				_ = l.track.WriteRTP(pkt)
			}
		}
	}()
}

// One camera in three simulcast layers, one subscriber: it gets the
// best layer while unconstrained, the smallest when its bandwidth
// estimate (REMB) says it cannot take more, the one fitting the size it
// shows the video at when it says so; each switch starts at a keyframe
// the server asked the publisher for, and the subscriber's stream stays
// one sequence (no gap, no repeat) across the switches.
func TestSimulcastLayerFollowsBandwidthAndSize(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		w.start(t, w.ann)
		ann := w.peer(t, w.ann)
		ann.join(w.ch.ID)
		layers, sender := publishSimulcast(t, ann, "ann-cam")
		ann.offer(map[string]string{"ann-cam": "camera"})
		ann.waitConnected()
		runSimulcast(t, layers, sender, ann.pc)

		carl := w.peer(t, w.carl)
		carl.receiveOnly()
		carl.join(w.ch.ID)
		carl.offer(nil)
		var tr *webrtc.TrackRemote
		select {
		case tr = <-carl.tracks:
		case <-w.ctx.Done():
			t.Fatal("carl got no track")
		}
		type got struct {
			tag byte
			seq uint16
			key bool
		}
		pkts := make(chan got, 4096)
		go func() {
			for {
				p, _, err := tr.ReadRTP()
				if err != nil {
					close(pkts)
					return
				}
				if len(p.Payload) > 11 {
					select {
					case pkts <- got{p.Payload[11], p.SequenceNumber, p.Payload[1] == 0}:
					default:
					}
				}
			}
		}()
		var last *got
		// until waits for packets of layer tag, checking the sequence: the
		// first packet of a new layer is a keyframe and follows the last
		// one of the old layer.
		until := func(step string, tag byte) {
			t.Helper()
			for {
				select {
				case g, ok := <-pkts:
					if !ok {
						t.Fatalf("%s: carl's track ended", step)
					}
					if last != nil && g.tag != last.tag {
						if !g.key {
							t.Errorf("%s: the switch from %c to %c did not start with a keyframe", step, last.tag, g.tag)
						}
						if g.seq != last.seq+1 {
							t.Errorf("%s: the switch from %c to %c jumps from sequence number %d to %d", step, last.tag, g.tag, last.seq, g.seq)
						}
					}
					last = &g
					if g.tag == tag {
						return
					}
				case <-w.ctx.Done():
					t.Fatalf("%s: carl never received layer %c (last: %+v)", step, tag, last)
				}
			}
		}
		until("unconstrained", 'f')

		// Carl's bandwidth estimate drops to 300 kbit/s: only the smallest
		// layer (about 180 kbit/s) fits.
		remb := func(bps float32) {
			if err := carl.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: bps,
				SSRCs: []uint32{uint32(tr.SSRC())}}}); err != nil {
				t.Fatal(err)
			}
		}
		remb(300_000)
		until("constrained to 300 kbit/s", 'q')

		// Plenty of bandwidth again, but carl shows the video at 640x360.
		remb(20_000_000)
		carl.ack(calls.CallClientFrame{Type: "call.video_size", Track: "ann-cam", Width: ptr(640), Height: ptr(360)})
		until("shown at 640x360", 'h')
		// Full screen.
		carl.ack(calls.CallClientFrame{Type: "call.video_size", Track: "ann-cam", Width: ptr(1280), Height: ptr(720)})
		until("shown at 1280x720", 'f')

		// A size for a track carl does not receive is refused.
		if code := carl.errorFor(calls.CallClientFrame{Type: "call.video_size", Track: "nope", Width: ptr(1), Height: ptr(1)}); code != "track_not_found" {
			t.Errorf("video size of an unknown track: %s", code)
		}
		if code := carl.errorFor(calls.CallClientFrame{Type: "call.video_size", Track: "ann-cam", Width: ptr(-1), Height: ptr(1)}); code != "bad_frame" {
			t.Errorf("a negative width: %s", code)
		}
	})
}
