package calls_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calls"
)

// speakerWhere waits for a call.speaker frame that ok accepts.
func speakerWhere(p *peer, ok func(calls.CallSpeaker) bool) calls.CallSpeaker {
	p.t.Helper()
	for {
		var sp calls.CallSpeaker
		if err := json.Unmarshal(p.next("call.speaker").Payload, &sp); err != nil {
			p.t.Fatal(err)
		}
		if ok(sp) {
			return sp
		}
	}
}

func levelOf(sp calls.CallSpeaker, userID string) calls.CallLevel {
	for _, l := range sp.Levels {
		if l.UserID == userID {
			return l
		}
	}
	return calls.CallLevel{UserID: userID, Level: -1}
}

// Two people talk in turn, their microphones marking the level in the
// audio-level header extension; a listener is told who the active
// speaker is, with everyone's level. The quiet one sends nothing at all
// (Opus DTX, which the server's answer asks for with usedtx=1) and counts
// as silent.
func TestActiveSpeakerFollowsTheAudioLevels(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		w.start(t, w.ann)
		talker := func(p *apptest.Person, id string) (*peer, *source) {
			pr := w.peer(t, p)
			pr.join(w.ch.ID)
			src := pr.publish('a', webrtc.RTPCodecTypeAudio, id)
			pr.offer(map[string]string{id: "microphone"})
			if sdp := pr.pc.RemoteDescription().SDP; !strings.Contains(sdp, "usedtx=1") {
				t.Errorf("the server's answer does not ask for Opus DTX:\n%s", sdp)
			}
			pr.waitConnected()
			src.quiet.Store(true)
			src.run()
			return pr, src
		}
		_, annMic := talker(w.ann, "ann-mic")
		_, bobMic := talker(w.bob, "bob-mic")
		carl := w.peer(t, w.carl)
		carl.receiveOnly()
		carl.join(w.ch.ID)
		carl.offer(nil)

		// Ann speaks (-20 dBov), bob is quiet (DTX: no packets).
		annMic.level.Store(20)
		annMic.quiet.Store(false)
		sp := speakerWhere(carl, func(sp calls.CallSpeaker) bool { return sp.Speaker == w.ann.ID })
		if l := levelOf(sp, w.ann.ID); !l.Speaking || l.Level < 0.3 {
			t.Errorf("ann speaks, her level: %+v", l)
		}
		if l := levelOf(sp, w.bob.ID); l.Speaking || l.Level != 0 {
			t.Errorf("bob is quiet, his level: %+v", l)
		}

		// Ann falls silent at a low level (-100 dBov, still sending), bob
		// speaks: he becomes the active speaker, ann is not speaking.
		annMic.level.Store(100)
		bobMic.level.Store(25)
		bobMic.quiet.Store(false)
		sp = speakerWhere(carl, func(sp calls.CallSpeaker) bool {
			return sp.Speaker == w.bob.ID && !levelOf(sp, w.ann.ID).Speaking
		})
		if l := levelOf(sp, w.bob.ID); !l.Speaking {
			t.Errorf("bob speaks, his level: %+v", l)
		}
		if sp.CallID == "" || len(sp.Levels) != 3 {
			t.Errorf("call.speaker: %+v", sp)
		}

		// A short interruption by ann at the same loudness does not take
		// the highlight: bob stays the speaker while both speak.
		annMic.level.Store(25)
		sp = speakerWhere(carl, func(sp calls.CallSpeaker) bool { return levelOf(sp, w.ann.ID).Speaking })
		if sp.Speaker != w.bob.ID {
			t.Errorf("ann as loud as bob took the highlight: %+v", sp)
		}
	})
}
