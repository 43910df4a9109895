package calls_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/internal/app"
	"github.com/kontorhq/kontor/internal/app/apptest"
	"github.com/kontorhq/kontor/modules/calls"
	"github.com/kontorhq/kontor/modules/chat"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/jobs"
	"github.com/kontorhq/kontor/modules/platform/logtest"
)

// world is a channel of ann (its admin), bob, carl and dave, and eve who
// is not in it.
type world struct {
	s                        *apptest.Stack
	ann, bob, carl, dave, ev *apptest.Person
	ch                       chat.Channel
	api                      *webrtc.API
	ctx                      context.Context
}

func newWorld(t *testing.T, s *apptest.Stack) *world {
	w := &world{s: s, ann: s.Person("ann"), bob: s.Person("bob"), carl: s.Person("carl"), dave: s.Person("dave"), ev: s.Person("eve"),
		api: clientAPI(t)}
	w.ann.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "lagebesprechung", "private": true,
		"member_ids": []string{w.bob.ID, w.carl.ID, w.dave.ID}}).JSON(t, &w.ch)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	w.ctx = ctx
	return w
}

func (w *world) start(t *testing.T, by *apptest.Person) calls.Call {
	var c calls.Call
	by.Must(201, "POST", "/api/v1/channels/"+w.ch.ID+"/calls", nil).JSON(t, &c)
	return c
}

func (w *world) peer(t *testing.T, p *apptest.Person) *peer { return newPeer(w.ctx, t, w.s, w.api, p) }

// stateWithout waits for a call.state in which userID is not a participant.
func stateWithout(p *peer, userID string) calls.Call {
	p.t.Helper()
	for {
		var st calls.CallState
		f := p.next("call.state")
		if err := json.Unmarshal(f.Payload, &st); err != nil {
			p.t.Fatal(err)
		}
		in := false
		for _, x := range st.Call.Participants {
			in = in || x.UserID == userID
		}
		if !in {
			return st.Call
		}
	}
}

// One publisher (microphone and camera) and three subscribers: each
// subscriber receives both tracks, with the publisher's payloads and no
// gap in the sequence numbers; a late joiner's video starts with a
// keyframe the server asked the publisher for; when the publisher
// leaves, its tracks end for everyone.
func TestPublisherReachesEverySubscriber(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		call := w.start(t, w.ann)

		pub := w.peer(t, w.ann)
		pub.join(w.ch.ID)
		mic := pub.publish('a', webrtc.RTPCodecTypeAudio, "ann-mic")
		cam := pub.publish('v', webrtc.RTPCodecTypeVideo, "ann-cam")
		pub.offer(map[string]string{"ann-mic": "microphone", "ann-cam": "camera"})
		pub.waitConnected()
		mic.run()
		cam.run()

		type result struct {
			who string
			got map[byte]received
		}
		subscribe := func(p *apptest.Person, wantKeyframe bool) (*peer, chan result) {
			sub := w.peer(t, p)
			sub.receiveOnly()
			sub.join(w.ch.ID)
			sub.offer(nil)
			done := make(chan result, 1)
			go func() {
				got := map[byte]received{}
				trs := make(chan received, 2)
				for i := 0; i < 2; i++ {
					select {
					case tr := <-sub.tracks:
						if tr.StreamID() != w.ann.ID {
							trs <- received{err: errString("a track of stream " + tr.StreamID() + ", not ann's")}
							continue
						}
						go func() { trs <- readTrack(tr, 50, wantKeyframe && tr.Kind() == webrtc.RTPCodecTypeVideo) }()
					case <-w.ctx.Done():
						done <- result{p.Username, got}
						return
					}
				}
				for i := 0; i < 2; i++ {
					select {
					case r := <-trs:
						got[r.tag] = r
					case <-w.ctx.Done():
					}
				}
				done <- result{p.Username, got}
			}()
			return sub, done
		}
		var subs []*peer
		var results []chan result
		for _, p := range []*apptest.Person{w.bob, w.carl, w.dave} {
			sub, res := subscribe(p, false)
			subs = append(subs, sub)
			results = append(results, res)
		}
		for _, res := range results {
			r := <-res
			for _, tag := range []byte{'a', 'v'} {
				got, ok := r.got[tag]
				if !ok {
					t.Errorf("%s did not receive track %c: %+v", r.who, tag, r.got)
					continue
				}
				if got.err != nil || !got.complete(50) {
					t.Errorf("%s, track %c: %d packets from %d, complete: %v, error: %v", r.who, tag, len(got.seqs), got.first,
						got.complete(50), got.err)
				}
			}
		}

		// The late joiner: the publisher is asked for a keyframe after they
		// joined, and their video starts with it.
		plisBefore := cam.plis.Load()
		joinedAt := uint16(cam.seq.Load())
		w.ann.Must(200, "POST", "/api/v1/channels/"+w.ch.ID+"/members", map[string]any{"user_ids": []string{w.ev.ID}})
		late, lateRes := subscribe(w.ev, true)
		r := <-lateRes
		if v, ok := r.got['v']; !ok || v.err != nil || v.keyAfter == 0 {
			t.Fatalf("the late joiner got no keyframe (video: %v, error %v, %d packets)", ok, v.err, len(v.seqs))
		} else if int16(v.keyAfter-joinedAt) <= 0 {
			t.Errorf("the late joiner's keyframe %d was sent before they joined (%d)", v.keyAfter, joinedAt)
		}
		if cam.plis.Load() <= plisBefore {
			t.Errorf("no keyframe request (PLI) reached the publisher after the late joiner joined")
		}

		// The publisher leaves: its tracks end for every subscriber (the
		// server's next offer takes them out, and reading them ends) and
		// the state shows it gone.
		pub.sendFrame(calls.CallClientFrame{Type: "call.leave"})
		for _, sub := range append(subs, late) {
			st := stateWithout(sub, w.ann.ID)
			if len(st.Participants) != 4 {
				t.Errorf("%s: participants after ann left: %+v", sub.name, st.Participants)
			}
		}
		for _, sub := range append(subs, late) {
			for _, tr := range sub.pc.GetTransceivers() {
				track := tr.Receiver().Track()
				if track == nil || track.StreamID() != w.ann.ID {
					continue
				}
				ended := make(chan error, 1)
				go func() {
					for {
						if _, _, err := track.ReadRTP(); err != nil {
							ended <- err
							return
						}
					}
				}()
				select {
				case <-ended:
				case <-w.ctx.Done():
					t.Fatalf("%s still receives ann's track %s after she left", sub.name, track.ID())
				}
			}
		}
		_ = call
	})
}

type errString string

func (e errString) Error() string { return string(e) }

// Only members start, list, join and end; someone removed from the
// channel is out of its call and cannot come back.
func TestOutsidersAndRemovedMembersAreRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		base := "/api/v1/channels/" + w.ch.ID + "/calls"
		w.ev.Must(404, "POST", base, nil)
		w.ev.Must(404, "GET", base, nil)
		dave := w.peer(t, w.dave) // a member who stays out of the call: the channel shows it live
		call := w.start(t, w.ann)
		if f := dave.next("call.started"); f.ChannelID != w.ch.ID || !strings.Contains(string(f.Payload), call.ID) {
			t.Errorf("call.started: %+v", f)
		}
		w.ev.Must(404, "DELETE", base+"/"+call.ID, nil)
		// A member who did not start it and is no channel admin cannot end it.
		w.bob.Must(403, "DELETE", base+"/"+call.ID, nil)

		eve := w.peer(t, w.ev)
		if code := eve.errorFor(calls.CallClientFrame{Type: "call.join", ChannelID: w.ch.ID}); code != "channel_not_found" {
			t.Errorf("eve joins: %s", code)
		}
		if code := eve.errorFor(calls.CallClientFrame{Type: "call.hand", Raised: ptr(true)}); code != "not_in_call" {
			t.Errorf("eve raises a hand: %s", code)
		}

		ann := w.peer(t, w.ann)
		ann.join(w.ch.ID)
		bob := w.peer(t, w.bob)
		bob.join(w.ch.ID)
		w.ann.Must(204, "DELETE", "/api/v1/channels/"+w.ch.ID+"/members/"+w.bob.ID, nil)
		// At his next frame at the latest, bob is out.
		if code := bob.errorFor(calls.CallClientFrame{Type: "call.hand", Raised: ptr(true)}); code != "channel_not_found" {
			t.Errorf("removed bob raises a hand: %s", code)
		}
		st := stateWithout(ann, w.bob.ID)
		if len(st.Participants) != 1 || st.Participants[0].UserID != w.ann.ID {
			t.Errorf("participants after bob was removed: %+v", st.Participants)
		}
		if code := bob.errorFor(calls.CallClientFrame{Type: "call.join", ChannelID: w.ch.ID}); code != "channel_not_found" {
			t.Errorf("removed bob joins again: %s", code)
		}
		w.bob.Must(404, "GET", base, nil)

		// The starter ends it for everyone; the channel gets the summary.
		var ended calls.Call
		w.ann.Must(200, "DELETE", base+"/"+call.ID, nil).JSON(t, &ended)
		if ended.EndedAt == nil || ended.EndedBy != w.ann.ID || len(ended.TookPart) != 2 {
			t.Errorf("ended call: %+v", ended)
		}
		if f := dave.next("call.ended"); !strings.Contains(string(f.Payload), call.ID) {
			t.Errorf("call.ended: %s", f.Payload)
		}
		var msgs struct{ Items []chat.Message }
		w.ann.Must(200, "GET", "/api/v1/channels/"+w.ch.ID+"/messages", nil).JSON(t, &msgs)
		if len(msgs.Items) != 1 || !strings.Contains(msgs.Items[0].Text, "Call ended") ||
			!strings.Contains(msgs.Items[0].Text, "@ann") || !strings.Contains(msgs.Items[0].Text, "@bob") {
			t.Errorf("summary: %+v", msgs.Items)
		}
		// On the record and the audit log.
		var audit struct{ Items []map[string]any }
		adm := s.Person("adm", "admin")
		adm.Must(200, "GET", "/api/v1/admin/audit-log?target_id="+call.ID, nil).JSON(t, &audit)
		actions := map[string]int{}
		for _, e := range audit.Items {
			actions[e["action"].(string)]++
		}
		for _, a := range []string{"call.started", "call.joined", "call.left", "call.ended"} {
			if actions[a] == 0 {
				t.Errorf("audit log lacks %s: %v", a, actions)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// Malformed frames and session descriptions get an error frame with a
// stable code and change nothing: the call still has its one
// participant, who then negotiates and connects normally.
func TestMalformedFramesChangeNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		w.start(t, w.ann)
		ann := w.peer(t, w.ann)
		if code := ann.errorFor(calls.CallClientFrame{Type: "call.offer", SDP: "v=0"}); code != "not_in_call" {
			t.Errorf("offer before joining: %s", code)
		}
		ann.join(w.ch.ID)
		bad := []struct {
			name string
			f    calls.CallClientFrame
			want string
		}{
			{"garbage sdp", calls.CallClientFrame{Type: "call.offer", SDP: "this is not SDP"}, "bad_sdp"},
			{"sdp without media or ice", calls.CallClientFrame{Type: "call.offer", SDP: "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"}, "bad_sdp"},
			{"answer without an offer", calls.CallClientFrame{Type: "call.answer", SDP: "v=0\r\n"}, "bad_sdp"},
			{"offer without sdp", calls.CallClientFrame{Type: "call.offer"}, "bad_frame"},
			{"unknown track source", calls.CallClientFrame{Type: "call.offer", SDP: "v=0", Tracks: map[string]string{"x": "keylogger"}}, "bad_frame"},
			{"candidate before any offer", calls.CallClientFrame{Type: "call.candidate", Candidate: &calls.CallCandidate{Candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host"}}, "bad_sdp"},
			{"candidate missing", calls.CallClientFrame{Type: "call.candidate"}, "bad_frame"},
			{"mute without muted", calls.CallClientFrame{Type: "call.mute"}, "bad_frame"},
			{"unmute someone else", calls.CallClientFrame{Type: "call.mute", UserID: w.bob.ID, Muted: ptr(false)}, "call_moderator_required"},
			{"remove someone not in the call", calls.CallClientFrame{Type: "call.remove", UserID: w.bob.ID}, "not_in_call"},
			{"screen request to nobody", calls.CallClientFrame{Type: "call.screen_request", UserID: "junk"}, "bad_frame"},
			{"accept a request never made", calls.CallClientFrame{Type: "call.screen_accept", RequestID: "made-up"}, "screen_request_gone"},
			{"unknown call frame", calls.CallClientFrame{Type: "call.dance"}, "bad_frame"},
			{"second join", calls.CallClientFrame{Type: "call.join", ChannelID: w.ch.ID}, "rejected"},
			{"join junk channel", calls.CallClientFrame{Type: "call.join", ChannelID: "../../etc"}, "channel_not_found"},
		}
		for _, b := range bad {
			if code := ann.errorFor(b.f); code != b.want {
				t.Errorf("%s: code %q, want %q", b.name, code, b.want)
			}
		}
		// A frame whose fields have the wrong types.
		ann.ws.SendRaw(w.ctx, 1, []byte(`{"type":"call.offer","id":"typed","sdp":42}`))
		for {
			f := ann.next("error")
			if strings.Contains(string(f.Payload), `"typed"`) {
				if !strings.Contains(string(f.Payload), "bad_frame") {
					t.Errorf("mistyped frame: %s", f.Payload)
				}
				break
			}
		}
		var list struct{ Items []calls.Call }
		w.ann.Must(200, "GET", "/api/v1/channels/"+w.ch.ID+"/calls", nil).JSON(t, &list)
		if len(list.Items) != 1 || len(list.Items[0].Participants) != 1 || len(list.Items[0].Participants[0].Tracks) != 0 {
			t.Fatalf("the call changed: %+v", list.Items)
		}
		// And the participant still negotiates and connects.
		mic := ann.publish('a', webrtc.RTPCodecTypeAudio, "ann-mic")
		ann.offer(map[string]string{"ann-mic": "microphone"})
		ann.waitConnected()
		_ = mic
	})
}

// ack sends f and waits for its call.ack.
func (p *peer) ack(f calls.CallClientFrame) {
	p.t.Helper()
	id := p.sendFrame(f)
	for {
		fr := p.next("call.ack", "error")
		if !strings.Contains(string(fr.Payload), `"`+id+`"`) {
			continue
		}
		if fr.Type == "error" {
			p.t.Fatalf("%s: %s refused: %s", p.name, f.Type, fr.Payload)
		}
		return
	}
}

// The starter mutes someone: from then on the server drops their audio
// (nothing they send after the mute reaches anyone) until they unmute
// themselves; others who do not moderate cannot mute or remove.
func TestModeratorMuteDropsAudioUntilTheyUnmute(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		w.start(t, w.ann)
		ann := w.peer(t, w.ann)
		ann.join(w.ch.ID)
		ann.receiveOnly()
		ann.offer(nil)
		bob := w.peer(t, w.bob)
		bob.join(w.ch.ID)
		mic := bob.publish('a', webrtc.RTPCodecTypeAudio, "bob-mic")
		bob.offer(map[string]string{"bob-mic": "microphone"})
		mic.run()
		carl := w.peer(t, w.carl)
		carl.join(w.ch.ID)
		carl.receiveOnly()
		carl.offer(nil)
		var track *webrtc.TrackRemote
		select {
		case track = <-carl.tracks:
		case <-w.ctx.Done():
			t.Fatal("carl receives no track")
		}
		if code := carl.errorFor(calls.CallClientFrame{Type: "call.mute", UserID: w.bob.ID, Muted: ptr(true)}); code != "call_moderator_required" {
			t.Errorf("carl mutes bob: %s", code)
		}
		if code := carl.errorFor(calls.CallClientFrame{Type: "call.remove", UserID: w.bob.ID}); code != "call_moderator_required" {
			t.Errorf("carl removes bob: %s", code)
		}

		ann.ack(calls.CallClientFrame{Type: "call.mute", UserID: w.bob.ID, Muted: ptr(true)})
		mic.phase.Store(1) // sent after the mute took effect
		bob.next("call.muted")
		// bob keeps talking; the server drops what he says (paced by his
		// packets, bounded by the test's deadline).
		for calls.MutedDrops(s.App.Calls, w.ch.ID) < 20 {
			if !mic.waitSent(w.ctx, 1) {
				t.Fatal("the server dropped nothing of bob's audio while he was muted")
			}
		}
		// Packets he sent while muted may still wait in the server's
		// buffers when he unmutes; what he says after the unmute arrives.
		bob.ack(calls.CallClientFrame{Type: "call.mute", Muted: ptr(false)})
		mic.phase.Store(2)
		for {
			pkt, _, err := track.ReadRTP()
			if err != nil {
				t.Fatalf("carl's track ended: %v", err)
			}
			if pkt.Payload[5] == 2 {
				break // heard again once he unmuted himself
			}
		}

		// The starter removes carl: he is told, and out.
		ann.ack(calls.CallClientFrame{Type: "call.remove", UserID: w.carl.ID})
		carl.next("call.removed")
		st := stateWithout(bob, w.carl.ID)
		if len(st.Participants) != 2 {
			t.Errorf("after carl was removed: %+v", st.Participants)
		}
	})
}

// IT support from a DM: the IT person asks the colleague to share their
// screen; nothing is shared until the colleague answers, and the answer
// (decline, then accept) reaches the asker. A request is answered once.
func TestScreenShareOnlyOnTheSharersClick(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Stack) {
		it, colleague := s.Person("it"), s.Person("kollegin")
		var dm chat.Channel
		it.Must(200, "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []string{colleague.ID}}).JSON(t, &dm)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		api := clientAPI(t)
		it.Must(201, "POST", "/api/v1/channels/"+dm.ID+"/calls", nil)
		a, b := newPeer(ctx, t, s, api, it), newPeer(ctx, t, s, api, colleague)
		a.join(dm.ID)
		b.join(dm.ID)
		ask := func() calls.ScreenRequest {
			a.ack(calls.CallClientFrame{Type: "call.screen_request", UserID: colleague.ID})
			var r calls.ScreenRequest
			if err := json.Unmarshal(b.next("call.screen_request").Payload, &r); err != nil || r.From != it.ID {
				t.Fatalf("request: %+v %v", r, err)
			}
			return r
		}
		answer := func(r calls.ScreenRequest, typ string, want bool) {
			b.ack(calls.CallClientFrame{Type: typ, RequestID: r.RequestID})
			var got calls.ScreenAnswer
			if err := json.Unmarshal(a.next("call.screen_answer").Payload, &got); err != nil || got.RequestID != r.RequestID ||
				got.Accepted != want || got.UserID != colleague.ID {
				t.Fatalf("answer to %s: %+v %v", typ, got, err)
			}
		}
		r1 := ask()
		answer(r1, "call.screen_decline", false)
		if code := b.errorFor(calls.CallClientFrame{Type: "call.screen_accept", RequestID: r1.RequestID}); code != "screen_request_gone" {
			t.Errorf("accepting a declined request: %s", code)
		}
		if code := a.errorFor(calls.CallClientFrame{Type: "call.screen_accept", RequestID: r1.RequestID}); code != "screen_request_gone" {
			t.Errorf("the asker accepts for the colleague: %s", code)
		}
		var list struct{ Items []calls.Call }
		it.Must(200, "GET", "/api/v1/channels/"+dm.ID+"/calls", nil).JSON(t, &list)
		for _, p := range list.Items[0].Participants {
			if len(p.Tracks) != 0 {
				t.Errorf("%s publishes %+v before anyone shared anything", p.UserID, p.Tracks)
			}
		}
		answer(ask(), "call.screen_accept", true)
	})
}

// eachWith is apptest.Each with a configuration change.
func eachWith(t *testing.T, change func(*app.Config), fn func(t *testing.T, s *apptest.Stack)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, apptest.NewWith(t, "", change)) })
	t.Run("postgres", func(t *testing.T) { fn(t, apptest.NewWith(t, dbtest.PostgresURL(t), change)) })
}

// A call holds at most MaxParticipants people; someone removed from the
// channel while silent is taken out by the member check.
func TestFullCallsAndSilentRemovals(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.Calls.MaxParticipants, c.Calls.MemberCheck = 2, 20*time.Millisecond },
		func(t *testing.T, s *apptest.Stack) {
			w := newWorld(t, s)
			w.start(t, w.ann)
			ann, bob, carl := w.peer(t, w.ann), w.peer(t, w.bob), w.peer(t, w.carl)
			ann.join(w.ch.ID)
			bob.join(w.ch.ID)
			if code := carl.errorFor(calls.CallClientFrame{Type: "call.join", ChannelID: w.ch.ID}); code != "call_full" {
				t.Errorf("a third person joins a call for two: %s", code)
			}
			// bob says nothing more; removing him from the channel takes
			// him out of the call, and carl fits in now.
			w.ann.Must(204, "DELETE", "/api/v1/channels/"+w.ch.ID+"/members/"+w.bob.ID, nil)
			stateWithout(ann, w.bob.ID)
			carl.join(w.ch.ID)
		})
}

// Many people joining at the same moment do not get past the cap.
func TestSimultaneousJoinsKeepTheCap(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.Calls.MaxParticipants = 3 }, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		var more []*apptest.Person
		for _, n := range []string{"fritz", "greta", "hans", "ida", "jan", "karl"} {
			more = append(more, s.Person(n))
		}
		ids := []string{w.bob.ID, w.carl.ID, w.dave.ID}
		for _, p := range more {
			ids = append(ids, p.ID)
		}
		w.ann.Must(200, "POST", "/api/v1/channels/"+w.ch.ID+"/members", map[string]any{"user_ids": ids[3:]})
		call := w.start(t, w.ann)
		people := append([]*apptest.Person{w.ann, w.bob, w.carl, w.dave}, more...)
		peers := make([]*peer, len(people))
		for i, p := range people {
			peers[i] = w.peer(t, p)
		}
		// Every join is held after its first look at the call until all
		// of them got there: all saw room, and only the admission counts.
		var mu sync.Mutex
		arrived, all := 0, make(chan struct{})
		calls.SetBeforeAdmit(s.App.Calls, func() {
			mu.Lock()
			if arrived++; arrived == len(peers) {
				close(all)
			}
			mu.Unlock()
			select {
			case <-all:
			case <-w.ctx.Done():
			}
		})
		frameIDs := make([]string, len(peers))
		for i, p := range peers {
			frameIDs[i] = p.sendFrame(calls.CallClientFrame{Type: "call.join", ChannelID: w.ch.ID})
		}
		joined, full := 0, 0
		for i, p := range peers {
			for {
				f := p.next("call.joined", "error")
				if !strings.Contains(string(f.Payload), `"`+frameIDs[i]+`"`) {
					continue
				}
				if f.Type == "call.joined" {
					joined++
				} else if strings.Contains(string(f.Payload), "call_full") {
					full++
				} else {
					t.Errorf("%s: %s", p.name, f.Payload)
				}
				break
			}
		}
		if joined != 3 || full != len(peers)-3 {
			t.Errorf("%d joined and %d were refused as full, want 3 and %d", joined, full, len(peers)-3)
		}
		var list struct{ Items []calls.Call }
		w.ann.Must(200, "GET", "/api/v1/channels/"+w.ch.ID+"/calls", nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != call.ID || len(list.Items[0].Participants) != 3 {
			t.Errorf("the call: %+v", list.Items)
		}
	})
}

// A client that cannot use UDP connects over ICE-TCP to calls-tcp-addr.
func TestICEOverTCP(t *testing.T) {
	eachWith(t, func(c *app.Config) { c.Calls.TCPAddr = "127.0.0.1:0" }, func(t *testing.T, s *apptest.Stack) {
		w := newWorld(t, s)
		w.start(t, w.ann)
		var se webrtc.SettingEngine
		se.SetIncludeLoopbackCandidate(true)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		me := &webrtc.MediaEngine{}
		if err := me.RegisterDefaultCodecs(); err != nil {
			t.Fatal(err)
		}
		api := webrtc.NewAPI(webrtc.WithSettingEngine(se), webrtc.WithMediaEngine(me))
		ann := newPeer(w.ctx, t, s, api, w.ann)
		ann.join(w.ch.ID)
		ann.publish('a', webrtc.RTPCodecTypeAudio, "ann-mic").run()
		ann.offer(map[string]string{"ann-mic": "microphone"})
		ann.waitConnected()
		pair, err := ann.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
		if err != nil || pair == nil || pair.Local.Protocol != webrtc.ICEProtocolTCP {
			t.Errorf("selected pair: %v %v", pair, err)
		}
	})
}

// A server that starts again (a single node, no cluster) ends the calls
// its previous run left running in the database at once, so that the
// channel can call again.
func TestRestartEndsLeftoverCalls(t *testing.T) {
	var dir string
	s := apptest.NewWith(t, "", func(c *app.Config) { dir = c.DataDir })
	w := newWorld(t, s)
	call := w.start(t, w.ann)

	// The next run of the server, on the same data (the first one stands
	// for the database a crashed run left behind).
	cfg := apptest.Config(dir, "")
	cfg.Calls.UDPAddr, cfg.Calls.TCPAddr = "127.0.0.1:0", ""
	cfg.Search = false // the first run holds the index
	next, err := app.Open(context.Background(), cfg, logtest.New(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sched := jobs.New(next.Log, next.DB)
	if err := next.Start(ctx, sched); err != nil {
		t.Fatal(err)
	}
	cancel()
	sched.Wait()
	next.Close()

	var list struct{ Items []calls.Call }
	w.ann.Must(200, "GET", "/api/v1/channels/"+w.ch.ID+"/calls", nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != call.ID || list.Items[0].EndedAt == nil {
		t.Errorf("the leftover call: %+v", list.Items)
	}
}
