package calls

import (
	"time"

	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// Call is a call in a channel or DM, running or ended.
type Call struct {
	ID        string     `json:"id"`
	ChannelID string     `json:"channel_id"`
	StartedBy string     `json:"started_by" doc:"User id of who started it; they moderate it with the channel's admins."`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	EndedBy   string     `json:"ended_by,omitempty" doc:"Who ended it for everyone; empty when the last person left or the server ended it."`
	// Participants are the people in the call now (none once it ended).
	Participants []CallParticipant `json:"participants"`
	// TookPart lists everyone who joined at any time, in join order.
	TookPart []string `json:"took_part"`
}

// CallParticipant is someone in a running call.
type CallParticipant struct {
	UserID   string    `json:"user_id"`
	JoinedAt time.Time `json:"joined_at"`
	Muted    bool      `json:"muted" doc:"Their microphone is off (by themselves, or by a moderator: then the server drops their audio until they unmute)."`
	Hand     bool      `json:"hand" doc:"They raised their hand."`
	// Tracks are what they publish; subscribers find a track's publisher
	// by its stream id (the publisher's user id) and its kind here.
	Tracks []CallTrack `json:"tracks"`
}

// CallTrack is a published media track.
type CallTrack struct {
	ID     string `json:"id" doc:"The track id as the publisher's browser named it; forwarded tracks keep it."`
	Kind   string `json:"kind" enum:"audio,video"`
	Source string `json:"source" enum:"microphone,camera,screen,unknown" doc:"What the publisher said the track is (tracks in call.offer)."`
	Layers int    `json:"layers" doc:"Simulcast layers the publisher sends (1: no simulcast); each subscriber gets the one fitting its bandwidth and call.video_size."`
}

// CallClientFrame is every call frame a client sends on the websocket (the
// gateway's CallClientFrame covers the others).
type CallClientFrame struct {
	Type string `json:"type" enum:"call.join,call.leave,call.offer,call.answer,call.candidate,call.mute,call.hand,call.remove,call.screen_request,call.screen_accept,call.screen_decline,call.video_size"`
	// ID is echoed in the answer (call.ack, call.joined, call.answer) or
	// the error frame.
	ID        string `json:"id,omitempty" maxLength:"64"`
	ChannelID string `json:"channel_id,omitempty" doc:"call.join: the channel or DM whose call to join."`
	// SDP: call.offer and call.answer: the session description.
	SDP string `json:"sdp,omitempty" maxLength:"65536"`
	// Candidate: call.candidate: a trickled ICE candidate.
	Candidate *CallCandidate `json:"candidate,omitempty"`
	// Tracks: call.offer: what each track the client publishes is, by
	// track id (microphone, camera, screen).
	Tracks map[string]string `json:"tracks,omitempty" maxProperties:"16"`
	// UserID: call.mute and call.remove (moderators), call.screen_request:
	// whom it is about.
	UserID string `json:"user_id,omitempty" maxLength:"64"`
	Muted  *bool  `json:"muted,omitempty" doc:"call.mute: on or off."`
	Raised *bool  `json:"raised,omitempty" doc:"call.hand: raised or lowered."`
	// RequestID: call.screen_accept and call.screen_decline: the request
	// answered.
	RequestID string `json:"request_id,omitempty" maxLength:"64"`
	// Track, Width, Height: call.video_size: the size (CSS pixels times
	// the device pixel ratio) at which the client shows a video track it
	// receives, by its track id (and, if two publishers used the same id,
	// the publisher's user id in user_id). 0 x 0: not shown. The server
	// forwards the simulcast layer that fits the size and the
	// subscriber's bandwidth.
	Track  string `json:"track,omitempty" maxLength:"128"`
	Width  *int   `json:"width,omitempty" minimum:"0" maximum:"16384"`
	Height *int   `json:"height,omitempty" minimum:"0" maximum:"16384"`
}

// CallCandidate is an ICE candidate (RTCIceCandidateInit).
type CallCandidate struct {
	Candidate     string  `json:"candidate" maxLength:"1024"`
	SDPMid        *string `json:"sdpMid,omitempty" maxLength:"64"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
}

// CallJoined answers call.join.
type CallJoined struct {
	ID   string `json:"id,omitempty" doc:"The client frame answered."`
	Call Call   `json:"call"`
	// Next: send call.offer with what you publish (audio, video, or
	// recvonly transceivers); the server answers, then sends its own
	// offers whenever others' tracks come and go.
	Next string `json:"next"`
	// ICEServers are the TURN servers to give the peer connection
	// (RTCConfiguration.iceServers), with credentials for this call that
	// expire; empty when the embedded TURN server is off.
	ICEServers []CallICEServer `json:"ice_servers"`
}

// CallICEServer is an RTCIceServer: a TURN server with short-lived
// credentials (username "expiry:user id", HMAC password).
type CallICEServer struct {
	URLs       []string  `json:"urls"`
	Username   string    `json:"username"`
	Credential string    `json:"credential"`
	ExpiresAt  time.Time `json:"expires_at" doc:"The credential works for new allocations until then; join again for a fresh one."`
}

// CallSpeaker tells everyone in a call who speaks: sent when the active
// speaker changes and, while anyone's level changes, at most every
// 250 ms. Levels come from the audio-level header extension (RFC 6464)
// of the published microphones, smoothed.
type CallSpeaker struct {
	CallID string `json:"call_id"`
	// Speaker is the active speaker's user id: the loudest, held for a
	// while against short interruptions; empty until someone spoke.
	Speaker string      `json:"speaker"`
	Levels  []CallLevel `json:"levels"`
}

// CallLevel is one participant's smoothed audio level.
type CallLevel struct {
	UserID string `json:"user_id"`
	// Level is 0 (silence, -60 dBov or quieter) to 1 (0 dBov), linear in
	// dB: for a level meter.
	Level    float64 `json:"level" minimum:"0" maximum:"1"`
	Speaking bool    `json:"speaking" doc:"Their level is above the voice threshold."`
}

// CallSDP is a session description, in call.offer and call.answer from
// the server.
type CallSDP struct {
	ID     string `json:"id,omitempty" doc:"The client frame answered (call.answer to a call.offer)."`
	CallID string `json:"call_id"`
	SDP    string `json:"sdp"`
}

// CallAck answers a call frame that needs no other answer.
type CallAck struct {
	ID string `json:"id"`
}

// CallState is sent to every participant when anyone joins, leaves, mutes,
// raises a hand or publishes.
type CallState struct {
	Call Call `json:"call"`
}

// CallModeratorAction tells a participant a moderator muted or removed them.
type CallModeratorAction struct {
	CallID string `json:"call_id"`
	By     string `json:"by" doc:"User id of the moderator."`
}

// ScreenRequest asks a participant to share their screen; nothing is
// shared unless they accept (call.screen_accept) and then publish it.
type ScreenRequest struct {
	CallID    string `json:"call_id"`
	RequestID string `json:"request_id"`
	From      string `json:"from" doc:"User id of who asks."`
}

// ScreenAnswer tells the asker what the other person clicked.
type ScreenAnswer struct {
	CallID    string `json:"call_id"`
	RequestID string `json:"request_id"`
	UserID    string `json:"user_id" doc:"Who answered."`
	Accepted  bool   `json:"accepted"`
}

// The events calls appends to the event log: the channel's members see a
// call start, change (people join and leave) and end, also after a
// reconnect.
const (
	EventStarted eventlog.Kind[Call] = "call.started"
	EventUpdated eventlog.Kind[Call] = "call.updated"
	EventEnded   eventlog.Kind[Call] = "call.ended"
)

// EventKinds lists them for the OpenAPI document.
func EventKinds() []eventlog.Spec {
	return []eventlog.Spec{EventStarted.Spec(), EventUpdated.Spec(), EventEnded.Spec()}
}

// The frames the server sends to participants on the websocket.
const (
	frameJoined        eventlog.Kind[CallJoined]          = "call.joined"
	frameOffer         eventlog.Kind[CallSDP]             = "call.offer"
	frameAnswer        eventlog.Kind[CallSDP]             = "call.answer"
	frameAck           eventlog.Kind[CallAck]             = "call.ack"
	frameState         eventlog.Kind[CallState]           = "call.state"
	frameMuted         eventlog.Kind[CallModeratorAction] = "call.muted"
	frameRemoved       eventlog.Kind[CallModeratorAction] = "call.removed"
	frameScreenRequest eventlog.Kind[ScreenRequest]       = "call.screen_request"
	frameScreenAnswer  eventlog.Kind[ScreenAnswer]        = "call.screen_answer"
	frameSpeaker       eventlog.Kind[CallSpeaker]         = "call.speaker"
)

// Frames lists the server's call frames for the OpenAPI document.
func Frames() []eventlog.Spec {
	return []eventlog.Spec{frameJoined.Spec(), frameOffer.Spec(), frameAnswer.Spec(), frameAck.Spec(), frameState.Spec(),
		frameMuted.Spec(), frameRemoved.Spec(), frameScreenRequest.Spec(), frameScreenAnswer.Spec(), frameSpeaker.Spec()}
}
