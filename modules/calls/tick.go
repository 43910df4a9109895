package calls

import (
	"math"
	"slices"
	"time"

	"github.com/pion/webrtc/v4"
)

// tickEvery is how often a call measures its layers' bitrates, chooses
// each subscriber's simulcast layer and finds the active speaker.
const tickEvery = 250 * time.Millisecond

// Speaker detection: a level (0..1, linear in dB from -60 to 0 dBov) at
// or above speakThreshold is a voice; a new active speaker must be the
// loudest and louder than the current one by speakMargin for speakTicks
// ticks in a row, so that a cough or a short "mhm" does not take the
// highlight away.
const (
	speakThreshold = 0.3
	speakMargin    = 0.15
	speakTicks     = 3
)

// ticker is the state of a call's ticks; only its goroutine touches it.
type ticker struct {
	speaker    string
	candidate  string
	candTicks  int
	lastPkts   map[*publication]uint64
	lastFrame  []CallLevel
	lastSpeak  string
	lastLayers map[*layer]uint64
}

// run ticks until stop is closed (the call ended).
func (r *room) run(stop <-chan struct{}) {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	st := &ticker{lastPkts: map[*publication]uint64{}, lastLayers: map[*layer]uint64{}}
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		r.tick(st)
	}
}

func (r *room) tick(st *ticker) {
	r.mu.Lock()
	pubs := slices.Clone(r.pubs)
	r.mu.Unlock()
	// Bitrates, then the layer of every subscriber of a simulcast track.
	seen := make(map[*layer]uint64, len(st.lastLayers))
	for _, p := range pubs {
		for _, l := range p.loadLayers() {
			b := l.bytes.Load()
			rate := (b - st.lastLayers[l]) * 8 * uint64(time.Second/tickEvery)
			seen[l] = b
			if old := l.bps.Load(); old != 0 {
				rate = (old + rate) / 2
			}
			l.bps.Store(rate)
		}
	}
	st.lastLayers = seen // layers of tracks that ended are forgotten
	r.mu.Lock()
	var switched []*downTrack
	for _, p := range pubs {
		if len(p.loadLayers()) < 2 {
			continue
		}
		for _, d := range p.loadDowns() {
			t := r.chooseLocked(p, d)
			d.mu.Lock()
			if t != d.target || d.cur != d.target {
				// A new target, or one still waiting for its keyframe
				// (the request or the keyframe was lost): ask (again).
				d.target = t
				switched = append(switched, d)
			}
			d.mu.Unlock()
		}
	}
	r.mu.Unlock()
	for _, d := range switched {
		// The new layer starts at its next keyframe: ask for it now (at
		// most every 200 ms per layer).
		d.pub.requestKeyframe(d.pub.layerAt(d.target), false)
	}
	r.speakers(st, pubs)
}

// chooseLocked picks the layer d should receive: the best one that fits
// the subscriber's share of its bandwidth estimate (REMB) and, when the
// subscriber said at what size it shows the video, the smallest one at
// least that large. Layers are ranked by their measured bitrate (their
// rids say nothing reliable about quality); a layer the publisher stopped
// sending is skipped. room.mu held.
func (r *room) chooseLocked(p *publication, d *downTrack) int {
	ls := p.loadLayers()
	if len(ls) < 2 {
		return 0
	}
	live := make([]*layer, 0, len(ls))
	for _, l := range ls {
		if l.bps.Load() > 0 {
			live = append(live, l)
		}
	}
	if len(live) == 0 {
		d.mu.Lock()
		defer d.mu.Unlock()
		return max(d.target, 0)
	}
	slices.SortFunc(live, func(a, b *layer) int { return int(a.bps.Load()) - int(b.bps.Load()) })
	var share uint64
	if bw := d.sub.remb.Load(); bw > 0 {
		videos := uint64(0)
		for q := range d.sub.subs {
			if q.kind == webrtc.RTPCodecTypeVideo {
				videos++
			}
		}
		share = bw / max(videos, 1)
	}
	d.mu.Lock()
	w, h := d.wantW, d.wantH
	d.mu.Unlock()
	if w == 0 && h == 0 {
		return live[0].idx // not shown: the smallest
	}
	best := live[0]
	for _, l := range live {
		if share > 0 && l.bps.Load() > share*85/100 {
			break
		}
		best = l
		if w > 0 && h > 0 {
			lw, lh := int(l.width.Load()), int(l.height.Load())
			if lw > 0 && lw >= w*9/10 && lh >= h*9/10 {
				break // large enough for the view
			}
		}
	}
	return best.idx
}

// speakers updates the active speaker and sends call.speaker when it or
// the levels changed.
func (r *room) speakers(st *ticker, pubs []*publication) {
	levels := map[*member]float64{}
	for _, p := range pubs {
		if p.kind != webrtc.RTPCodecTypeAudio {
			continue
		}
		n := p.audioPkts.Load()
		if n == st.lastPkts[p] {
			// No packet since the last tick: silence (DTX sends none).
			p.level.Store(p.level.Load() / 2)
		}
		st.lastPkts[p] = n
		lv := float64(p.level.Load()) / 1e6
		if p.owner.forcedMute.Load() {
			lv = 0
		}
		levels[p.owner] = math.Max(levels[p.owner], lv)
	}
	r.mu.Lock()
	out := make([]CallLevel, 0, len(r.order))
	var loudest string
	var loudestLv, speakerLv float64
	speakerIn := false
	for _, u := range r.order {
		mb := r.members[u]
		lv := levels[mb]
		if mb.muted {
			lv = 0
		}
		lv = math.Round(lv*20) / 20 // steps of 0.05: no frame for noise
		out = append(out, CallLevel{UserID: u, Level: lv, Speaking: lv >= speakThreshold})
		if lv > loudestLv {
			loudest, loudestLv = u, lv
		}
		if u == st.speaker {
			speakerLv, speakerIn = lv, true
		}
	}
	sess := make([]Session, 0, len(r.members))
	for _, mb := range r.members {
		sess = append(sess, mb.ses)
	}
	r.mu.Unlock()
	for k := range st.lastPkts {
		if !slices.Contains(pubs, k) {
			delete(st.lastPkts, k)
		}
	}
	if !speakerIn {
		st.speaker = ""
	}
	switch {
	case loudest == "" || loudestLv < speakThreshold || loudest == st.speaker:
		st.candidate, st.candTicks = "", 0
	case st.speaker != "" && speakerLv >= speakThreshold && loudestLv < speakerLv+speakMargin:
		st.candidate, st.candTicks = "", 0
	default:
		if st.candidate != loudest {
			st.candidate, st.candTicks = loudest, 0
		}
		st.candTicks++
		need := speakTicks
		if st.speaker == "" || speakerLv < speakThreshold {
			need = 1 // nobody else speaks: no need to wait long
		}
		if st.candTicks >= need {
			st.speaker, st.candidate, st.candTicks = loudest, "", 0
		}
	}
	if st.speaker == st.lastSpeak && slices.Equal(out, st.lastFrame) {
		return
	}
	st.lastSpeak, st.lastFrame = st.speaker, out
	f := frameSpeaker.With(CallSpeaker{CallID: r.id, Speaker: st.speaker, Levels: out})
	for _, s := range sess {
		s.Send(f, r.channelID)
	}
}
