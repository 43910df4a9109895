package calls

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// room is a call running on this node: its participants, their peer
// connections and what they publish.
type room struct {
	id, channelID, startedBy string
	startedAt                time.Time

	// mutedDrops counts audio packets dropped because a moderator muted
	// their sender.
	mutedDrops atomic.Int64

	mu       sync.Mutex
	members  map[string]*member // user id -> participant (one connection each)
	order    []string           // user ids in join order, for the state
	tookPart []string
	pubs     []*publication
	ended    bool
	// stop ends the call's ticker (speaker, layers); closed at the end.
	stop chan struct{}
}

// member is one participant: their connection, their peer connection
// and what the server has negotiated with them.
type member struct {
	room     *room
	ses      Session
	userID   string
	joinedAt time.Time
	pc       *webrtc.PeerConnection
	closer   closeOnce
	gone     chan struct{} // closed when they left
	leftOnce sync.Once

	// forcedMute: a moderator muted them; their audio is dropped until
	// they unmute themselves. Read on the forwarding path.
	forcedMute atomic.Bool
	// remb is the bandwidth (bit/s) their client last said it receives
	// (REMB); 0: not known.
	remb atomic.Uint64

	// Guarded by room.mu.
	muted, hand bool
	sources     map[string]string           // track id -> microphone, camera, screen
	screenAsks  map[string]string           // request id -> who asked them to share
	subs        map[*publication]*downTrack // what they receive
	subscribed  bool                        // receives others' tracks (after their first offer)

	// Negotiation, guarded by neg. The client makes the first offer; the
	// server offers whenever what they receive changes.
	neg        sync.Mutex
	remoteSet  bool // the client's first offer was answered
	offering   bool // a server offer waits for the client's answer
	needOffer  bool // something changed while an offer could not be made
	needFrames bool // request keyframes once the next answer is in
}

// participants lists the people in the call, in join order; room.mu held.
func (r *room) participantsLocked() []CallParticipant {
	out := make([]CallParticipant, 0, len(r.order))
	for _, u := range r.order {
		mb := r.members[u]
		p := CallParticipant{UserID: u, JoinedAt: mb.joinedAt, Muted: mb.muted, Hand: mb.hand, Tracks: []CallTrack{}}
		for _, pub := range r.pubs {
			if pub.owner == mb {
				p.Tracks = append(p.Tracks, CallTrack{ID: pub.id, Kind: pub.kind.String(), Source: pub.source,
					Layers: len(pub.loadLayers())})
			}
		}
		out = append(out, p)
	}
	return out
}

func (r *room) callLocked() Call {
	return Call{ID: r.id, ChannelID: r.channelID, StartedBy: r.startedBy, StartedAt: r.startedAt,
		Participants: r.participantsLocked(), TookPart: slices.Clone(r.tookPart)}
}

func (r *room) snapshot() Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.callLocked()
}

// broadcast sends everyone in the call its current state.
func (r *room) broadcast() {
	r.mu.Lock()
	st := frameState.With(CallState{Call: r.callLocked()})
	sess := make([]Session, 0, len(r.members))
	for _, mb := range r.members {
		sess = append(sess, mb.ses)
	}
	r.mu.Unlock()
	for _, s := range sess {
		s.Send(st, r.channelID)
	}
}

// subscribeLocked makes sub receive pub; room.mu held. It adds a track to
// sub's peer connection (no I/O) and returns whether anything changed.
func (r *room) subscribeLocked(pub *publication, sub *member) bool {
	if pub.owner == sub || !sub.subscribed {
		return false
	}
	if _, ok := sub.subs[pub]; ok {
		return false
	}
	d := newDownTrack(pub, sub)
	sender, err := sub.pc.AddTrack(d)
	if err != nil {
		return false // their connection is closing
	}
	d.sender = sender
	d.target = r.chooseLocked(pub, d)
	d.cur = -1
	if len(pub.loadLayers()) == 1 {
		d.cur = 0 // one stream: forwarded from its next packet
	}
	sub.subs[pub] = d
	pub.setDowns(append(slices.Clone(pub.loadDowns()), d))
	go d.readRTCP()
	return true
}

// unsubscribeLocked stops sub receiving pub; room.mu held. It returns the
// sender to remove from sub's peer connection.
func (r *room) unsubscribeLocked(pub *publication, sub *member) *webrtc.RTPSender {
	delete(sub.subs, pub)
	var sender *webrtc.RTPSender
	downs := pub.loadDowns()
	kept := make([]*downTrack, 0, len(downs))
	for _, d := range downs {
		if d.sub == sub {
			sender = d.sender
			continue
		}
		kept = append(kept, d)
	}
	pub.setDowns(kept)
	return sender
}

// publish adds a track someone started sending and offers it to everyone
// else.
func (r *room) publish(pub *publication) {
	r.mu.Lock()
	if r.ended || r.members[pub.owner.userID] != pub.owner {
		r.mu.Unlock()
		return
	}
	pub.setDowns(nil)
	r.pubs = append(r.pubs, pub)
	var changed []*member
	for _, sub := range r.members {
		if r.subscribeLocked(pub, sub) {
			changed = append(changed, sub)
		}
	}
	r.mu.Unlock()
	for _, sub := range changed {
		sub.renegotiate(true)
	}
	r.broadcast()
}

// subscribeAll makes a participant receive every track published so far
// (after their first offer was answered); true when a new offer is due.
func (r *room) subscribeAll(sub *member) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	sub.subscribed = true
	changed := false
	for _, pub := range r.pubs {
		if r.subscribeLocked(pub, sub) {
			changed = true
		}
	}
	return changed
}

// remove takes a participant out: their tracks leave everyone else's
// connection, and their own connection is closed. It reports whether
// they were in (a second remove does nothing) and whether the call is
// empty now.
func (r *room) remove(mb *member) (removed, empty bool) {
	type drop struct {
		sub    *member
		sender *webrtc.RTPSender
	}
	var drops []drop
	r.mu.Lock()
	if r.members[mb.userID] != mb {
		r.mu.Unlock()
		return false, false
	}
	delete(r.members, mb.userID)
	r.order = slices.DeleteFunc(r.order, func(u string) bool { return u == mb.userID })
	kept := r.pubs[:0]
	for _, pub := range r.pubs {
		if pub.owner != mb {
			if _, ok := mb.subs[pub]; ok {
				r.unsubscribeLocked(pub, mb)
			}
			kept = append(kept, pub)
			continue
		}
		for _, d := range pub.loadDowns() {
			drops = append(drops, drop{d.sub, d.sender})
			delete(d.sub.subs, pub)
		}
		pub.setDowns(nil)
	}
	clear(r.pubs[len(kept):])
	r.pubs = kept
	empty = len(r.members) == 0
	r.mu.Unlock()

	mb.leftOnce.Do(func() { close(mb.gone) })
	mb.closer.close(mb.pc)
	changed := map[*member]bool{}
	for _, d := range drops {
		if d.sub.pc.RemoveTrack(d.sender) == nil {
			changed[d.sub] = true
		}
	}
	for sub := range changed {
		sub.renegotiate(false)
	}
	return true, empty
}

// renegotiate sends the client a new offer, now or as soon as the
// negotiation in flight allows. keyframes: ask the publishers for
// keyframes once the client has answered (new tracks start with one).
func (mb *member) renegotiate(keyframes bool) {
	mb.neg.Lock()
	defer mb.neg.Unlock()
	if keyframes {
		mb.needFrames = true
	}
	mb.offerLocked()
}

// offerLocked makes and sends an offer if the negotiation state allows,
// or remembers that one is due; neg held.
func (mb *member) offerLocked() {
	if !mb.remoteSet || mb.offering || mb.pc.SignalingState() != webrtc.SignalingStateStable {
		mb.needOffer = true
		return
	}
	mb.needOffer = false
	offer, err := mb.pc.CreateOffer(nil)
	if err != nil {
		return // closed
	}
	gathered := webrtc.GatheringCompletePromise(mb.pc)
	if err := mb.pc.SetLocalDescription(offer); err != nil {
		return
	}
	waitGathered(gathered)
	mb.offering = true
	mb.ses.Send(frameOffer.With(CallSDP{CallID: mb.room.id, SDP: withDTX(mb.pc.LocalDescription().SDP)}), mb.room.channelID)
}

// waitGathered waits for the candidates: with the muxes they are known at
// once, so this is short; the bound only guards against a stuck gatherer.
func waitGathered(ch <-chan struct{}) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// requestKeyframes asks for a keyframe of every video track mb receives.
func (mb *member) requestKeyframes() {
	mb.room.mu.Lock()
	downs := make([]*downTrack, 0, len(mb.subs))
	for _, d := range mb.subs {
		downs = append(downs, d)
	}
	mb.room.mu.Unlock()
	for _, d := range downs {
		d.keyframe(true)
	}
}

// onOffer applies the client's offer (publishing tracks, an ICE restart)
// and answers it. A server offer in flight is rolled back (the server is
// the polite side) and made again after.
func (mb *member) onOffer(frameID, sdp string, tracks map[string]string) *frameErr {
	mb.neg.Lock()
	defer mb.neg.Unlock()
	rolledBack := false
	if mb.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		if err := mb.pc.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback}); err != nil {
			return &frameErr{apperr.CodeInternal, "could not take back the server's offer; leave and join again"}
		}
		mb.offering, rolledBack = false, true
	}
	if err := checkSDP(sdp); err != nil {
		if rolledBack {
			mb.offerLocked()
		}
		return &frameErr{apperr.CodeBadSDP, "the offer is not a session description the server can use: " + err.Error()}
	}
	if err := mb.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		// pion may have taken the offer in before failing: take it back,
		// so that the connection is as before.
		if mb.pc.SignalingState() == webrtc.SignalingStateHaveRemoteOffer {
			_ = mb.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
		}
		if rolledBack {
			mb.offerLocked()
		}
		return &frameErr{apperr.CodeBadSDP, "the offer is not a session description the server can use: " + trim(err.Error())}
	}
	// What the tracks are, before any of their packets can arrive.
	mb.room.mu.Lock()
	for id, src := range tracks {
		if len(mb.sources) < 64 || mb.sources[id] != "" {
			mb.sources[id] = src
		}
	}
	mb.room.mu.Unlock()
	answer, err := mb.pc.CreateAnswer(nil)
	if err != nil {
		_ = mb.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
		return &frameErr{apperr.CodeBadSDP, "no answer fits the offer: " + trim(err.Error())}
	}
	gathered := webrtc.GatheringCompletePromise(mb.pc)
	if err := mb.pc.SetLocalDescription(answer); err != nil {
		return &frameErr{apperr.CodeInternal, "could not answer the offer; leave and join again"}
	}
	waitGathered(gathered)
	mb.ses.Send(frameAnswer.With(CallSDP{ID: frameID, CallID: mb.room.id, SDP: withDTX(mb.pc.LocalDescription().SDP)}), mb.room.channelID)
	first := !mb.remoteSet
	mb.remoteSet = true
	if rolledBack {
		mb.needOffer = true
	}
	if first && mb.room.subscribeAll(mb) {
		// Now they may receive: everything published so far follows in
		// the server's offer.
		mb.needOffer, mb.needFrames = true, true
	}
	if mb.needOffer {
		mb.offerLocked()
	}
	return nil
}

// onAnswer applies the client's answer to the server's offer.
func (mb *member) onAnswer(sdp string) *frameErr {
	mb.neg.Lock()
	defer mb.neg.Unlock()
	if !mb.offering || mb.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		return &frameErr{apperr.CodeBadSDP, "there is no server offer to answer"}
	}
	if err := checkSDP(sdp); err != nil {
		return &frameErr{apperr.CodeBadSDP, "the answer is not a session description the server can use: " + err.Error()}
	}
	if err := mb.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return &frameErr{apperr.CodeBadSDP, "the answer is not a session description the server can use: " + trim(err.Error())}
	}
	mb.offering = false
	if mb.needFrames {
		mb.needFrames = false
		go mb.requestKeyframes()
	}
	if mb.needOffer {
		mb.offerLocked()
	}
	return nil
}

func (mb *member) onCandidate(c CallCandidate) *frameErr {
	mb.neg.Lock()
	ready := mb.remoteSet
	mb.neg.Unlock()
	if !ready {
		return &frameErr{apperr.CodeBadSDP, "send your offer before its candidates"}
	}
	init := webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}
	if err := mb.pc.AddICECandidate(init); err != nil {
		return &frameErr{apperr.CodeBadSDP, "the candidate cannot be used: " + trim(err.Error())}
	}
	return nil
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// frameErr is a refused client frame: an error frame with a stable code.
type frameErr struct {
	Code   apperr.Code
	Detail string
}

// checkSDP refuses, before pion sees it, a session description that
// cannot start a connection: it must parse, carry at least one media
// section, and give ICE credentials and a DTLS fingerprint.
func checkSDP(s string) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(s); err != nil {
		return errors.New(trim(err.Error()))
	}
	if len(d.MediaDescriptions) == 0 {
		return errors.New("it has no media section")
	}
	_, sesUfrag := d.Attribute("ice-ufrag")
	_, sesFP := d.Attribute("fingerprint")
	for _, md := range d.MediaDescriptions {
		_, ufrag := md.Attribute("ice-ufrag")
		_, fp := md.Attribute("fingerprint")
		if !(ufrag || sesUfrag) || !(fp || sesFP) {
			return errors.New("a media section lacks ICE credentials or a DTLS fingerprint")
		}
	}
	return nil
}

// withDTX adds usedtx=1 to the Opus format lines of the session
// description the server sends. pion answers with the offerer's format
// line (and refuses a changed local description), but a browser sends
// Opus with DTX (a packet every 400 ms in silence instead of 50 a second)
// only when the other side's description asks for it; the parameter
// tells the sender what to do and changes nothing on the server's side.
func withDTX(desc string) string {
	lines := strings.Split(desc, "\r\n")
	opus := map[string]bool{}
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "a=rtpmap:"); ok {
			pt, codec, _ := strings.Cut(rest, " ")
			if strings.HasPrefix(strings.ToLower(codec), "opus/") {
				opus[pt] = true
			}
		}
	}
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "a=fmtp:"); ok {
			pt, params, _ := strings.Cut(rest, " ")
			if opus[pt] && !strings.Contains(params, "usedtx=") {
				lines[i] = l + ";usedtx=1"
			}
		}
	}
	return strings.Join(lines, "\r\n")
}
