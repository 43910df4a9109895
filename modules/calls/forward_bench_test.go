package calls

import (
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// countWriter is a subscriber's write stream that counts what it gets.
type countWriter struct{ n, bytes int }

func (c *countWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	c.n++
	c.bytes += len(payload)
	return len(payload), nil
}

func (c *countWriter) Write(b []byte) (int, error) { return len(b), nil }

// benchPub is a published VP8 camera with subs subscribers, each bound
// to a counting write stream.
func benchPub(subs int) (*publication, *layer, []*countWriter) {
	r := &room{}
	owner := &member{room: r, userID: "pub"}
	p := &publication{owner: owner, id: "cam", kind: webrtc.RTPCodecTypeVideo,
		codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	l := &layer{}
	p.layers.Store(&[]*layer{l})
	ws := make([]*countWriter, subs)
	downs := make([]*downTrack, subs)
	for i := range downs {
		ws[i] = &countWriter{}
		d := newDownTrack(p, &member{room: r})
		d.ws, d.ssrc, d.pt, d.cur = ws[i], uint32(1000+i), 96, 0
		downs[i] = d
	}
	p.setDowns(downs)
	return p, l, ws
}

// BenchmarkForwardPacket is the forwarding path of one RTP packet (1,100
// bytes of VP8 with two header extensions) to 10 subscribers: parse,
// keyframe check, per-subscriber rewrite and write. It must not allocate
// (go test -bench ForwardPacket -benchmem ./modules/calls/ shows 0
// allocs/op). The subscribers' write streams count instead of sending:
// what pion does below (interceptors, SRTP, the socket) is pion's.
func BenchmarkForwardPacket(b *testing.B) {
	p, l, ws := benchPub(10)
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 1, SSRC: 42, Marker: true},
		Payload: make([]byte, 1100)}
	pkt.Payload[0], pkt.Payload[1] = 0x10, 0x01
	_ = pkt.Header.SetExtension(1, []byte("0"))
	_ = pkt.Header.SetExtension(3, []byte{1, 2, 3})
	raw, err := pkt.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	var scratch rtp.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.forwardPacket(l, raw, &scratch)
	}
	b.StopTimer()
	if ws[9].n != b.N {
		b.Fatalf("the last subscriber got %d of %d packets", ws[9].n, b.N)
	}
}

// TestForwardPacketAllocatesNothing keeps the forwarding path free of
// allocations in the ordinary test run, for audio (levels) and video.
func TestForwardPacketAllocatesNothing(t *testing.T) {
	p, l, ws := benchPub(5)
	audio := &publication{owner: p.owner, id: "mic", kind: webrtc.RTPCodecTypeAudio, levelExt: 1,
		codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}}
	audio.layers.Store(&[]*layer{l})
	audio.setDowns(p.loadDowns())
	for _, c := range []struct {
		pub  *publication
		ext  []byte
		body []byte
	}{
		{p, []byte("0"), append([]byte{0x10, 0x00, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}, make([]byte, 900)...)}, // a VP8 keyframe, 640x360
		{audio, []byte{0x14}, make([]byte, 80)},
	} {
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 7, Timestamp: 1}, Payload: c.body}
		_ = pkt.Header.SetExtension(1, c.ext)
		raw, _ := pkt.Marshal()
		var scratch rtp.Packet
		before := ws[0].n
		if a := testing.AllocsPerRun(200, func() { c.pub.forwardPacket(l, raw, &scratch) }); a != 0 {
			t.Errorf("%s: %.1f allocations per forwarded packet", c.pub.kind, a)
		}
		if ws[0].n-before < 200 {
			t.Errorf("%s: %d packets forwarded", c.pub.kind, ws[0].n-before)
		}
	}
	if l.width.Load() != 640 || l.height.Load() != 360 {
		t.Errorf("the keyframe's size: %dx%d", l.width.Load(), l.height.Load())
	}
	if audio.level.Load() == 0 {
		t.Error("the audio level (-20 dBov) was not noted")
	}
}
