package calls

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/pion/webrtc/v4"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// MaxFrame is the largest call frame a client may send (an SDP offer of a
// browser with camera, screen and simulcast is 6-12 KiB).
const MaxFrame = 96 << 10

// FrameError answers a call frame that was refused; nothing changed.
type FrameError = frameErr

// HandleFrame handles one call.* frame from a websocket connection; the
// answer goes to ses, an error is returned for the gateway to send. ctx
// carries the connection's principal.
func (m *Module) HandleFrame(ctx context.Context, ses Session, raw []byte) *FrameError {
	var f CallClientFrame
	if err := json.Unmarshal(raw, &f); err != nil {
		return &frameErr{apperr.CodeBadFrame, "the call frame does not match its schema: " + trim(err.Error())}
	}
	if len(f.ID) > 64 || len(f.SDP) > 65536 || len(f.UserID) > 64 || len(f.RequestID) > 64 || len(f.Tracks) > 16 ||
		len(f.Track) > 128 {
		return &frameErr{apperr.CodeBadFrame, "a field of the call frame is longer than allowed"}
	}
	if f.Type == "call.join" {
		if f.ChannelID == "" {
			return &frameErr{apperr.CodeBadFrame, "call.join needs channel_id"}
		}
		mb, err := m.join(ctx, ses, f.ChannelID)
		if err != nil {
			return m.frameError(err)
		}
		ses.Send(frameJoined.With(CallJoined{ID: f.ID, Call: mb.room.snapshot(), ICEServers: m.iceServers(mb),
			Next: "send call.offer with what you publish; the server answers and then offers the others' tracks"}), f.ChannelID)
		return nil
	}
	m.mu.Lock()
	mb := m.bySes[ses]
	m.mu.Unlock()
	if mb == nil {
		return &frameErr{apperr.CodeNotInCall, "this connection is in no call; send call.join first"}
	}
	r := mb.room
	// Membership is checked at every frame: someone removed from the
	// channel is out of its call at their next word, and the member check
	// (Start) takes out the silent ones.
	if _, err := m.role(ctx, mb.userID, r.channelID); err != nil {
		m.leave(context.WithoutCancel(ctx), mb, true)
		return m.frameError(err)
	}
	var fe *frameErr
	switch f.Type {
	case "call.leave":
		m.leave(context.WithoutCancel(ctx), mb, true)
	case "call.offer":
		if f.SDP == "" {
			return &frameErr{apperr.CodeBadFrame, "call.offer needs sdp"}
		}
		for _, src := range f.Tracks {
			if src != "microphone" && src != "camera" && src != "screen" {
				return &frameErr{apperr.CodeBadFrame, "tracks maps track ids to microphone, camera or screen"}
			}
		}
		return mb.onOffer(f.ID, f.SDP, f.Tracks) // the answer is the reply
	case "call.answer":
		if f.SDP == "" {
			return &frameErr{apperr.CodeBadFrame, "call.answer needs sdp"}
		}
		fe = mb.onAnswer(f.SDP)
	case "call.candidate":
		if f.Candidate == nil {
			return &frameErr{apperr.CodeBadFrame, "call.candidate needs candidate"}
		}
		fe = mb.onCandidate(*f.Candidate)
	case "call.mute":
		if f.Muted == nil {
			return &frameErr{apperr.CodeBadFrame, "call.mute needs muted"}
		}
		fe = m.mute(ctx, mb, f.UserID, *f.Muted)
	case "call.hand":
		if f.Raised == nil {
			return &frameErr{apperr.CodeBadFrame, "call.hand needs raised"}
		}
		r.mu.Lock()
		mb.hand = *f.Raised
		r.mu.Unlock()
		r.broadcast()
	case "call.remove":
		fe = m.removeOther(ctx, mb, f.UserID)
	case "call.screen_request":
		fe = m.askScreen(mb, f.UserID)
	case "call.screen_accept", "call.screen_decline":
		fe = m.answerScreen(mb, f.RequestID, f.Type == "call.screen_accept")
	case "call.video_size":
		if f.Track == "" || f.Width == nil || f.Height == nil || *f.Width < 0 || *f.Height < 0 || *f.Width > 16384 || *f.Height > 16384 {
			return &frameErr{apperr.CodeBadFrame, "call.video_size needs track, and width and height from 0 to 16384"}
		}
		fe = mb.setVideoSize(f.UserID, f.Track, *f.Width, *f.Height)
	default:
		return &frameErr{apperr.CodeBadFrame, "unknown call frame; see docs/realtime.md for the call.* frames"}
	}
	if fe != nil {
		return fe
	}
	ses.Send(frameAck.With(CallAck{ID: f.ID}), r.channelID)
	return nil
}

// frameError turns a service error into an error frame: the message of
// errors meant for people, a generic one (and a log line) for the rest.
func (m *Module) frameError(err error) *frameErr {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		code := ae.Code
		if code == "" {
			code = apperr.CodeRejected
		}
		return &frameErr{code, ae.Message}
	}
	m.log.Error("call frame failed", "error", err)
	return &frameErr{apperr.CodeInternal, "the call server failed; try again"}
}

func (m *Module) otherIn(r *room, userID string) (*member, *frameErr) {
	if !ids.Valid(userID) {
		return nil, &frameErr{apperr.CodeBadFrame, "user_id must name a participant"}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.members[userID]
	if o == nil {
		return nil, &frameErr{apperr.CodeNotInCall, "that person is not in the call"}
	}
	return o, nil
}

// mute mutes or unmutes oneself, or (a moderator) mutes someone else: then
// the server drops their audio until they unmute themselves. Nobody turns
// on someone else's microphone.
func (m *Module) mute(ctx context.Context, mb *member, userID string, muted bool) *frameErr {
	r := mb.room
	if userID == "" || userID == mb.userID {
		r.mu.Lock()
		mb.muted = muted
		if !muted {
			mb.forcedMute.Store(false)
		}
		r.mu.Unlock()
		r.broadcast()
		return nil
	}
	if !muted {
		return &frameErr{apperr.CodeCallModerator, "only they can turn their microphone on"}
	}
	o, fe := m.otherIn(r, userID)
	if fe != nil {
		return fe
	}
	if fe := m.checkModerator(ctx, mb); fe != nil {
		return fe
	}
	if err := m.auditAction(ctx, r, "call.mute", userID); err != nil {
		return m.frameError(err)
	}
	r.mu.Lock()
	o.muted = true
	o.forcedMute.Store(true)
	r.mu.Unlock()
	o.ses.Send(frameMuted.With(CallModeratorAction{CallID: r.id, By: mb.userID}), r.channelID)
	r.broadcast()
	return nil
}

func (m *Module) checkModerator(ctx context.Context, mb *member) *frameErr {
	ok, err := m.moderates(ctx, mb.room, mb.userID)
	if err != nil {
		return m.frameError(err)
	}
	if !ok {
		return &frameErr{apperr.CodeCallModerator, "only whoever started the call or a channel admin may do this"}
	}
	return nil
}

func (m *Module) auditAction(ctx context.Context, r *room, action, target string) error {
	return m.db.WithTx(ctx, func(tx *db.Tx) error {
		return m.audit.Record(ctx, tx, m.clock.Now(), action, "call", r.id, map[string]any{"channel_id": r.channelID, "user_id": target})
	})
}

// removeOther takes someone out of the call (a moderator).
func (m *Module) removeOther(ctx context.Context, mb *member, userID string) *frameErr {
	r := mb.room
	o, fe := m.otherIn(r, userID)
	if fe != nil {
		return fe
	}
	if fe := m.checkModerator(ctx, mb); fe != nil {
		return fe
	}
	if err := m.auditAction(ctx, r, "call.remove", userID); err != nil {
		return m.frameError(err)
	}
	o.ses.Send(frameRemoved.With(CallModeratorAction{CallID: r.id, By: mb.userID}), r.channelID)
	m.leave(context.WithoutCancel(ctx), o, true)
	return nil
}

// askScreen asks another participant to share their screen. Only the
// request travels: their screen is shared when they click accept and
// their client publishes it.
func (m *Module) askScreen(mb *member, userID string) *frameErr {
	r := mb.room
	if userID == mb.userID {
		return &frameErr{apperr.CodeBadFrame, "share your own screen by publishing it; requests are for others"}
	}
	o, fe := m.otherIn(r, userID)
	if fe != nil {
		return fe
	}
	id := ids.New()
	r.mu.Lock()
	if len(o.screenAsks) >= 8 {
		r.mu.Unlock()
		return &frameErr{apperr.CodeRateLimited, "they have 8 screen share requests to answer already"}
	}
	o.screenAsks[id] = mb.userID
	r.mu.Unlock()
	o.ses.Send(frameScreenRequest.With(ScreenRequest{CallID: r.id, RequestID: id, From: mb.userID}), r.channelID)
	return nil
}

func (m *Module) answerScreen(mb *member, requestID string, accepted bool) *frameErr {
	r := mb.room
	r.mu.Lock()
	from, ok := mb.screenAsks[requestID]
	delete(mb.screenAsks, requestID)
	asker := r.members[from]
	r.mu.Unlock()
	if !ok {
		return &frameErr{apperr.CodeScreenRequestGone, "no such screen share request is waiting for you"}
	}
	if asker != nil {
		asker.ses.Send(frameScreenAnswer.With(ScreenAnswer{CallID: r.id, RequestID: requestID, UserID: mb.userID,
			Accepted: accepted}), r.channelID)
	}
	return nil
}

// checkMembers takes out of their calls the participants who are no
// longer members of the channel (removed while silent).
func (m *Module) checkMembers(ctx context.Context) {
	m.mu.Lock()
	mbs := make([]*member, 0, len(m.bySes))
	for _, mb := range m.bySes {
		mbs = append(mbs, mb)
	}
	m.mu.Unlock()
	for _, mb := range mbs {
		role, err := m.channels.MemberRole(ctx, mb.userID, mb.room.channelID)
		if err != nil {
			m.log.Warn("call membership check failed", "error", err)
			return
		}
		if role == "" {
			m.leave(ctx, mb, true)
		}
	}
}

// setVideoSize notes the size at which the participant shows a video
// track it receives; the next tick chooses its layer from it.
func (mb *member) setVideoSize(publisher, track string, w, h int) *frameErr {
	r := mb.room
	r.mu.Lock()
	defer r.mu.Unlock()
	for pub, d := range mb.subs {
		if pub.id != track || pub.kind != webrtc.RTPCodecTypeVideo || (publisher != "" && pub.owner.userID != publisher) {
			continue
		}
		d.mu.Lock()
		d.wantW, d.wantH = w, h
		d.mu.Unlock()
		return nil
	}
	return &frameErr{apperr.CodeTrackNotFound, "you receive no video track with that id"}
}
