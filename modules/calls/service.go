package calls

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
)

func errDisabled() error {
	return apperr.Unavailable("calls are switched off on this server").WithCode(apperr.CodeCallsDisabled)
}

func errNoChannel() error {
	return apperr.NotFound("no such channel, or you are not a member").WithCode(apperr.CodeChannelNotFound)
}

func errNoRunningCall() error {
	return apperr.NotFound("no call is running in this channel; start one first").WithCode(apperr.CodeCallNotFound)
}

// role returns userID's role in the channel, refusing non-members.
func (m *Module) role(ctx context.Context, userID, channelID string) (string, error) {
	if !ids.Valid(channelID) {
		return "", errNoChannel()
	}
	r, err := m.channels.MemberRole(ctx, userID, channelID)
	if err != nil {
		return "", fmt.Errorf("calls: membership of %s: %w", channelID, err)
	}
	if r == "" {
		return "", errNoChannel()
	}
	return r, nil
}

// caller is the signed-in person acting, refusing members-only checks to
// internal callers and read-only tokens where a change is asked.
func caller(ctx context.Context, change bool) (*authn.Principal, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.System || p.UserID == "" {
		return nil, apperr.Forbidden("calls are for people").WithCode(apperr.CodeUserRequired)
	}
	if change && p.ReadOnly {
		return nil, apperr.Forbidden("this API token may only read").WithCode(apperr.CodeTokenScope)
	}
	return p, nil
}

// StartCall starts a call in a channel or DM the caller is a member of, or
// returns the one running there (started false).
func (m *Module) StartCall(ctx context.Context, channelID string) (Call, bool, error) {
	p, err := caller(ctx, true)
	if err != nil {
		return Call{}, false, err
	}
	if _, err := m.role(ctx, p.UserID, channelID); err != nil {
		return Call{}, false, err
	}
	if !m.cfg.Enabled || m.sfu == nil {
		return Call{}, false, errDisabled()
	}
	m.life.Lock()
	defer m.life.Unlock()
	if r := m.roomOf(channelID); r != nil {
		return r.snapshot(), false, nil
	}
	now := m.clock.Now().UTC().Truncate(time.Millisecond)
	row := callRow{ID: ids.NewAt(now), ChannelID: channelID, StartedBy: p.UserID, Node: m.node,
		StartedAt: now.UnixMilli(), HeartbeatAt: now.UnixMilli(), TookPart: []string{}}
	var existing *callRow
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if r, err := runningCall(ctx, tx, channelID); err == nil {
			existing = &r
			return nil
		} else if !errors.Is(err, errNoCall) {
			return err
		}
		if err := insertCall(ctx, tx, row); err != nil {
			return err
		}
		c := row.call()
		return m.record(ctx, tx, now, record.CallStarted, p.UserID, row, EventStarted.With(c), nil)
	})
	if err != nil {
		if db.IsUniqueViolation(err) {
			return Call{}, false, apperr.Conflict("a call was started in this channel at the same moment; join it").WithCode(apperr.CodeRejected)
		}
		return Call{}, false, fmt.Errorf("start call: %w", err)
	}
	if existing != nil {
		// Running on another node (or left behind by a node that stopped;
		// the heartbeat ends those).
		return existing.call(), false, nil
	}
	r := &room{id: row.ID, channelID: channelID, startedBy: p.UserID, startedAt: now, members: map[string]*member{},
		stop: make(chan struct{})}
	m.mu.Lock()
	m.rooms[channelID] = r
	m.mu.Unlock()
	go r.run(r.stop)
	m.log.Info("call started", "call", row.ID, "channel", channelID, "by", p.UserID)
	return r.snapshot(), true, nil
}

// record appends the journal entry and the audit record of a call change.
//
// The journal comes first and the client event last: every transaction
// takes the journal's counter before the event log's, so two of them can
// never hold one each and wait for the other (PostgreSQL found a deadlock
// between a call ending and a channel being created when calls emitted
// first; db.NextCounter now refuses the wrong order).
func (m *Module) record(ctx context.Context, tx *db.Tx, at time.Time, kind record.Kind, actor string, row callRow, ev eventlog.Draft, meta map[string]string) error {
	if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(kind), ActorID: actor, ChannelID: row.ChannelID,
		SubjectID: row.ID, Meta: meta}); err != nil {
		return err
	}
	details := map[string]any{"channel_id": row.ChannelID}
	for k, v := range meta {
		details[k] = v
	}
	if err := m.audit.Record(ctx, tx, at, string(kind), "call", row.ID, details); err != nil {
		return err
	}
	_, err := m.events.Append(ctx, tx, ev, row.ChannelID, "", at)
	return err
}

func (m *Module) roomOf(channelID string) *room {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rooms[channelID]
}

// Calls lists a channel's calls, the running one first, newest first.
func (m *Module) Calls(ctx context.Context, channelID string, limit int) ([]Call, error) {
	p, err := caller(ctx, false)
	if err != nil {
		return nil, err
	}
	if _, err := m.role(ctx, p.UserID, channelID); err != nil {
		return nil, err
	}
	rows, err := recentCalls(ctx, m.db, channelID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Call, 0, len(rows))
	for _, r := range rows {
		c := r.call()
		if rm := m.roomOf(channelID); rm != nil && rm.id == r.ID && r.EndedAt == 0 {
			c = rm.snapshot() // who is in it right now
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Call) int {
		switch {
		case a.EndedAt == nil && b.EndedAt != nil:
			return -1
		case a.EndedAt != nil && b.EndedAt == nil:
			return 1
		}
		return 0
	})
	return out, nil
}

// moderates reports whether userID may mute, remove and end for everyone:
// whoever started the call, and the channel's admins.
func (m *Module) moderates(ctx context.Context, r *room, userID string) (bool, error) {
	if userID == r.startedBy {
		return true, nil
	}
	role, err := m.channels.MemberRole(ctx, userID, r.channelID)
	return role == "admin", err
}

// EndCall ends the channel's call for everyone (its starter or a channel
// admin).
func (m *Module) EndCall(ctx context.Context, channelID, callID string) (Call, error) {
	p, err := caller(ctx, true)
	if err != nil {
		return Call{}, err
	}
	if _, err := m.role(ctx, p.UserID, channelID); err != nil {
		return Call{}, err
	}
	r := m.roomOf(channelID)
	if r == nil || r.id != callID {
		return Call{}, errNoRunningCall()
	}
	ok, err := m.moderates(ctx, r, p.UserID)
	if err != nil {
		return Call{}, err
	}
	if !ok {
		return Call{}, apperr.Forbidden("only whoever started the call or a channel admin ends it for everyone; leave it instead").WithCode(apperr.CodeCallModerator)
	}
	return m.end(ctx, r, p.UserID)
}

// end closes every participant's connection and records the end.
func (m *Module) end(ctx context.Context, r *room, by string) (Call, error) {
	m.life.Lock()
	defer m.life.Unlock()
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		return Call{}, errNoRunningCall()
	}
	r.ended = true
	close(r.stop)
	mbs := make([]*member, 0, len(r.members))
	for _, mb := range r.members {
		mbs = append(mbs, mb)
	}
	r.mu.Unlock()
	m.mu.Lock()
	if m.rooms[r.channelID] == r {
		delete(m.rooms, r.channelID)
	}
	for _, mb := range mbs {
		delete(m.bySes, mb.ses)
	}
	m.mu.Unlock()
	for _, mb := range mbs {
		r.remove(mb)
	}
	now := m.clock.Now().UTC().Truncate(time.Millisecond)
	c := r.snapshot()
	c.Participants = []CallParticipant{}
	c.EndedAt, c.EndedBy = &now, by
	row := callRow{ID: r.id, ChannelID: r.channelID}
	ended := false
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		ended, err = markEnded(ctx, tx, r.id, now.UnixMilli(), by)
		if err != nil || !ended {
			return err
		}
		return m.record(ctx, tx, now, record.CallEnded, by, row, EventEnded.With(c), map[string]string{
			"duration_ms": fmt.Sprint(now.Sub(r.startedAt).Milliseconds()), "took_part": strings.Join(c.TookPart, ",")})
	})
	if err != nil {
		return Call{}, fmt.Errorf("end call: %w", err)
	}
	if !ended {
		return c, nil // another node ended it already (it found the call left behind)
	}
	m.log.Info("call ended", "call", r.id, "channel", r.channelID, "by", by)
	m.postSummary(context.WithoutCancel(ctx), c)
	return c, nil
}

// postSummary posts "call ended, how long, who took part" into the
// channel, as whoever started the call. A channel they left or an
// announcement channel refuses it: that is logged, the call stays ended.
func (m *Module) postSummary(ctx context.Context, c Call) {
	names, err := m.poster.Usernames(ctx, c.TookPart)
	if err != nil {
		m.log.Warn("call summary: names", "call", c.ID, "error", err)
	}
	who := make([]string, 0, len(c.TookPart))
	for _, u := range c.TookPart {
		if n := names[u]; n != "" {
			who = append(who, "@"+n)
		}
	}
	text := "📞 Call ended after " + humanDuration(c.EndedAt.Sub(c.StartedAt))
	if len(who) > 0 {
		text += " · with " + strings.Join(who, ", ")
	} else {
		text += " · nobody joined"
	}
	if err := m.poster.PostCallSummary(ctx, c.ChannelID, c.StartedBy, text); err != nil {
		m.log.Warn("call summary not posted", "call", c.ID, "error", err)
	}
}

func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, mi, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%d h %d min", h, mi)
	case mi > 0:
		return fmt.Sprintf("%d min %d s", mi, s)
	}
	return fmt.Sprintf("%d s", s)
}

// join adds the connection's person to the channel's call with a new peer
// connection. A second join of the same person (another tab, a reload)
// replaces their earlier connection.
func (m *Module) join(ctx context.Context, ses Session, channelID string) (*member, error) {
	userID := ses.UserID()
	if _, err := m.role(ctx, userID, channelID); err != nil {
		return nil, err
	}
	if !m.cfg.Enabled || m.sfu == nil {
		return nil, errDisabled()
	}
	m.mu.Lock()
	if old := m.bySes[ses]; old != nil {
		m.mu.Unlock()
		return nil, apperr.Conflict("this connection is in a call already; leave it first").WithCode(apperr.CodeRejected)
	}
	r := m.rooms[channelID]
	m.mu.Unlock()
	if r == nil {
		return nil, errNoRunningCall()
	}
	pc, err := m.sfu.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("calls: peer connection: %w", err)
	}
	mb := &member{room: r, ses: ses, userID: userID, joinedAt: m.clock.Now().UTC().Truncate(time.Millisecond), pc: pc,
		gone: make(chan struct{}), sources: map[string]string{}, screenAsks: map[string]string{}, subs: map[*publication]*downTrack{}}
	r.mu.Lock()
	old := r.members[userID]
	if r.ended {
		r.mu.Unlock()
		_ = pc.Close()
		return nil, errNoRunningCall()
	}
	if old == nil && len(r.members) >= m.cfg.MaxParticipants {
		r.mu.Unlock()
		_ = pc.Close()
		return nil, apperr.Conflict("the call has %d participants, as many as allowed", m.cfg.MaxParticipants).WithCode(apperr.CodeCallFull)
	}
	if old != nil {
		// Carry their state over; their old connection's tracks go.
		mb.muted, mb.hand = old.muted, old.hand
		mb.forcedMute.Store(old.forcedMute.Load())
	}
	r.mu.Unlock()
	if m.beforeAdmit != nil {
		m.beforeAdmit()
	}
	if old != nil {
		m.dropSession(old)
		r.remove(old)
	}
	r.mu.Lock()
	if r.ended {
		r.mu.Unlock()
		_ = pc.Close()
		return nil, errNoRunningCall()
	}
	// Counted again: others may have joined while the lock was free.
	if r.members[userID] == nil && len(r.members) >= m.cfg.MaxParticipants {
		r.mu.Unlock()
		_ = pc.Close()
		return nil, apperr.Conflict("the call has %d participants, as many as allowed", m.cfg.MaxParticipants).WithCode(apperr.CodeCallFull)
	}
	r.members[userID] = mb
	r.order = append(r.order, userID)
	first := !slices.Contains(r.tookPart, userID)
	if first {
		r.tookPart = append(r.tookPart, userID)
	}
	tookPart := slices.Clone(r.tookPart)
	r.mu.Unlock()
	m.mu.Lock()
	m.bySes[ses] = mb
	m.mu.Unlock()

	m.wire(mb)
	if old == nil {
		now := m.clock.Now().UTC().Truncate(time.Millisecond)
		row := callRow{ID: r.id, ChannelID: channelID}
		err := m.db.WithTx(ctx, func(tx *db.Tx) error {
			if err := setTookPart(ctx, tx, r.id, tookPart); err != nil {
				return err
			}
			return m.record(ctx, tx, now, record.CallJoined, userID, row, EventUpdated.With(r.snapshot()), nil)
		})
		if err != nil {
			m.leave(context.WithoutCancel(ctx), mb, false)
			return nil, fmt.Errorf("join call: %w", err)
		}
	}
	r.broadcast()
	return mb, nil
}

// wire connects a participant's peer connection and connection to the
// room: published tracks are forwarded, a failed connection or a closed
// websocket takes them out of the call.
func (m *Module) wire(mb *member) {
	r := mb.room
	mb.pc.OnTrack(func(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
		r.mu.Lock()
		source := mb.sources[remote.ID()]
		var pub *publication
		for _, p := range r.pubs {
			if p.owner == mb && p.id == remote.ID() {
				pub = p // another simulcast layer of a published track
			}
		}
		if pub != nil {
			ls := pub.loadLayers()
			if len(ls) >= 4 {
				r.mu.Unlock()
				go drain(remote)
				return
			}
			l := &layer{idx: len(ls), rid: remote.RID(), remote: remote}
			ls = append(slices.Clone(ls), l)
			pub.layers.Store(&ls)
			r.mu.Unlock()
			pub.requestKeyframe(l, true)
			pub.forward(l)
			return
		}
		r.mu.Unlock()
		if source == "" {
			source = "unknown"
		}
		pub = &publication{owner: mb, id: remote.ID(), kind: remote.Kind(), codec: remote.Codec().RTPCodecCapability, source: source}
		for _, e := range recv.GetParameters().HeaderExtensions {
			if e.URI == sdp.AudioLevelURI && e.ID > 0 && e.ID < 256 {
				pub.levelExt = uint8(e.ID)
			}
		}
		l := &layer{rid: remote.RID(), remote: remote}
		pub.layers.Store(&[]*layer{l})
		r.publish(pub)
		pub.requestKeyframe(l, true)
		pub.forward(l)
	})
	mb.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			go mb.requestKeyframes() // start their video with a keyframe
		case webrtc.PeerConnectionStateFailed:
			// ICE gave up (pion waits about 30 s without a packet): they
			// vanished. A reload or network change rejoins.
			m.work.Add(1)
			go func() {
				defer m.work.Done()
				m.leave(authn.WithPrincipal(context.Background(), mb.ses.Principal()), mb, true)
			}()
		}
	})
	m.work.Add(1)
	go func() {
		defer m.work.Done()
		select {
		case <-mb.ses.Done():
			m.leave(authn.WithPrincipal(context.Background(), mb.ses.Principal()), mb, true)
		case <-mb.gone:
		}
	}()
}

func (m *Module) dropSession(mb *member) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bySes[mb.ses] == mb {
		delete(m.bySes, mb.ses)
	}
}

// leave takes a participant out of their call and records it; the last
// one out ends the call. record false: a failed join, nothing to record.
func (m *Module) leave(ctx context.Context, mb *member, rec bool) {
	m.dropSession(mb)
	r := mb.room
	removed, empty := r.remove(mb)
	if !removed {
		return
	}
	if rec {
		now := m.clock.Now().UTC().Truncate(time.Millisecond)
		row := callRow{ID: r.id, ChannelID: r.channelID}
		err := m.db.WithTx(ctx, func(tx *db.Tx) error {
			return m.record(ctx, tx, now, record.CallLeft, mb.userID, row, EventUpdated.With(r.snapshot()), nil)
		})
		if err != nil {
			m.log.Error("recording a leave failed", "call", r.id, "user", mb.userID, "error", err)
		}
	}
	if empty {
		if _, err := m.end(authn.SystemContext(ctx, "calls"), r, ""); err != nil && !isNoCall(err) {
			m.log.Error("ending an empty call failed", "call", r.id, "error", err)
		}
		return
	}
	r.broadcast()
}

func isNoCall(err error) bool {
	var ae *apperr.Error
	return errors.As(err, &ae) && ae.Code == apperr.CodeCallNotFound
}

// heartbeat renews this node's running calls.
func (m *Module) heartbeat(ctx context.Context) error {
	return renewCalls(ctx, m.db, m.node, m.clock.Now().UnixMilli())
}

// endOrphans ends running calls whose node stopped renewing them; all
// calls of other nodes.
func (m *Module) endOrphans(ctx context.Context, all bool) error {
	now := m.clock.Now().UTC().Truncate(time.Millisecond)
	before := now.Add(-4 * m.cfg.Heartbeat).UnixMilli()
	if all {
		before = now.UnixMilli() + 1
	}
	stale, err := staleCalls(ctx, m.db, before, m.node)
	if err != nil {
		return err
	}
	sys := authn.SystemContext(ctx, "calls")
	for _, row := range stale {
		c := row.call()
		c.EndedAt = &now
		err := m.db.WithTx(sys, func(tx *db.Tx) error {
			ended, err := markEnded(sys, tx, row.ID, now.UnixMilli(), "")
			if err != nil || !ended {
				return err
			}
			return m.record(sys, tx, now, record.CallEnded, "", row, EventEnded.With(c), map[string]string{"reason": "node stopped"})
		})
		if err != nil {
			return err
		}
		m.log.Info("ended a call whose node stopped", "call", row.ID, "channel", row.ChannelID)
	}
	return nil
}

// endAll ends this node's calls (shutdown).
func (m *Module) endAll(ctx context.Context, why string) {
	m.mu.Lock()
	rooms := make([]*room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	sys := authn.SystemContext(ctx, "calls")
	for _, r := range rooms {
		if _, err := m.end(sys, r, ""); err != nil && !isNoCall(err) {
			m.log.Warn("ending a call failed", "call", r.id, "reason", why, "error", err)
		}
	}
}

// iceServers are the TURN servers (with credentials) a participant's
// peer connection may use; none while the embedded TURN server is off.
func (m *Module) iceServers(mb *member) []CallICEServer {
	if m.sfu == nil || m.sfu.turn == nil {
		return []CallICEServer{}
	}
	// Wall time, not the module's clock: the TURN server checks expiry
	// against it.
	return []CallICEServer{m.sfu.turn.credential(mb.room.id, mb.userID, time.Now())}
}

// inCall reports whether userID is in call callID on this node (the TURN
// server serves nobody else).
func (m *Module) inCall(callID, userID string) bool {
	m.mu.Lock()
	var r *room
	for _, x := range m.rooms {
		if x.id == callID {
			r = x
		}
	}
	m.mu.Unlock()
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.members[userID] != nil
}
