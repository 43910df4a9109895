// Package calls is Kontor's audio, video and screen-sharing calls: the
// call rules (a call belongs to a channel or DM, members only, a
// participant cap, moderation by the starter and the channel's admins,
// screen sharing only on the sharer's click) and the SFU that forwards
// media between participants, on pion/webrtc, over one UDP port.
//
// It owns the calls table. It publishes call.started, call.updated and
// call.ended on the event log (EventKinds), the call.* websocket frames
// (Frames), and the call.* entries of the compliance journal and the audit
// log. It consumes chat's memberships and posts the summary of an ended
// call through small interfaces (Channels, Poster); its signaling arrives
// through the realtime gateway's frame extensions, wired in internal/app.
// A call lives in the memory of the node that started it (see
// docs/calls.md).
package calls
