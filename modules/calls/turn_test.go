package calls_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calls"
)

// joinedFull joins and returns the whole call.joined frame.
func (p *peer) joinedFull(channelID string) calls.CallJoined {
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
			return j
		}
	}
}

func relayOnly(servers []calls.CallICEServer) webrtc.Configuration {
	cfg := webrtc.Configuration{ICETransportPolicy: webrtc.ICETransportPolicyRelay}
	for _, s := range servers {
		cfg.ICEServers = append(cfg.ICEServers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return cfg
}

// iceUfrag is the first ICE user fragment in sdp ("" if none).
func iceUfrag(sdp string) string {
	for _, l := range strings.Split(sdp, "\n") {
		if u, ok := strings.CutPrefix(strings.TrimSpace(l), "a=ice-ufrag:"); ok {
			return u
		}
	}
	return ""
}

// relayCandidates gathers with cfg on a fresh connection and counts the
// relay candidates it got.
func relayCandidates(t *testing.T, api *webrtc.API, cfg webrtc.Configuration) int {
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		t.Fatal(err)
	}
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	<-done
	return strings.Count(pc.LocalDescription().SDP, "typ relay")
}

// With the embedded TURN server on, call.joined hands out short-lived
// credentials; a client whose only way out is a relay (ICE policy relay)
// connects through it and receives the call's audio. The credentials
// work only while their holder is in the call.
func TestTURNRelayForClientsThatReachNothingElse(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.Calls.TURNAddr = "127.0.0.1:0" }, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		w.start(t, w.ann)
		ann := w.peer(t, w.ann)
		ann.join(w.ch.ID)
		mic := ann.publish('a', webrtc.RTPCodecTypeAudio, "ann-mic")
		ann.offer(map[string]string{"ann-mic": "microphone"})
		ann.waitConnected()
		mic.run()

		bob := w.peer(t, w.bob)
		j := bob.joinedFull(w.ch.ID)
		if len(j.ICEServers) != 1 || !strings.HasPrefix(j.ICEServers[0].URLs[0], "turn:127.0.0.1:") ||
			j.ICEServers[0].Credential == "" || !j.ICEServers[0].ExpiresAt.After(time.Now()) ||
			j.ICEServers[0].ExpiresAt.After(time.Now().Add(11*time.Minute)) {
			t.Fatalf("ice_servers: %+v", j.ICEServers)
		}
		stateWith(ann, w.bob.ID) // the frames before bob joined are behind
		cfg := relayOnly(j.ICEServers)
		// A browser creates its RTCPeerConnection with these servers.
		pc, err := w.api.NewPeerConnection(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pc.Close() })
		bob.setPC(pc)
		bob.receiveOnly()
		bob.offer(nil)
		if sdp := bob.sentOffer; !strings.Contains(sdp, "typ relay") || strings.Contains(sdp, "typ host") {
			t.Fatalf("bob's offer should carry relay candidates only:\n%s", sdp)
		}
		bob.waitConnected()
		// Nobody restarted ICE: bob's connection still has the ICE
		// credentials he offered (a restart pion made up on its own, when
		// the server's offer came right after its answer, dropped his relay
		// candidates and gathered them again).
		if offered, now := iceUfrag(bob.sentOffer), iceUfrag(bob.pc.CurrentLocalDescription().SDP); offered == "" || now != offered {
			t.Errorf("bob's ICE user fragment went from %q to %q: an ICE restart nobody asked for", offered, now)
		}
		var tr *webrtc.TrackRemote
		select {
		case tr = <-bob.tracks:
		case <-w.ctx.Done():
			t.Fatal("bob receives nothing through the relay")
		}
		if r := readTrack(tr, 20, false); r.err != nil || !r.complete(20) {
			t.Fatalf("bob through the relay: %d packets, %v", len(r.seqs), r.err)
		}
		for _, trc := range bob.pc.GetTransceivers() {
			if ice := trc.Receiver().Transport().ICETransport(); ice != nil {
				p, perr := ice.GetSelectedCandidatePair()
				err = perr
				if p != nil && p.Local.Typ != webrtc.ICECandidateTypeRelay {
					t.Errorf("bob's selected pair is not relayed: %s", p)
				}
				break
			}
		}
		if err != nil {
			t.Fatal(err)
		}

		// Credentials of someone in the call work for a new relay; a
		// tampered password or a name that is not in the call does not.
		if n := relayCandidates(t, w.api, cfg); n == 0 {
			t.Error("bob's credentials got no relay while he is in the call")
		}
		bad := j.ICEServers[0]
		flip := byte('x')
		if bad.Credential[0] == flip {
			flip = 'y' // a changed password, whatever it started with
		}
		bad.Credential = string(flip) + bad.Credential[1:]
		if n := relayCandidates(t, w.api, relayOnly([]calls.CallICEServer{bad})); n != 0 {
			t.Error("a wrong TURN password got a relay")
		}
		bob.sendFrame(calls.CallClientFrame{Type: "call.leave"})
		stateWithout(ann, w.bob.ID)
		if n := relayCandidates(t, w.api, cfg); n != 0 {
			t.Error("bob's credentials still get a relay after he left the call")
		}
	})
}
