package realtime

import (
	"encoding/json"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"

	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// ServerFrame is every frame the server sends.
type ServerFrame struct {
	// Type: hello, resync, pong, ack, error, typing, presence, or an event
	// type from the event log (message.created, member.added, ...).
	Type string `json:"type"`
	// Cursor is set on events from the event log: remember the last one and
	// send it when reconnecting to receive what was missed.
	Cursor    int64           `json:"cursor,omitempty"`
	ChannelID string          `json:"channel_id,omitempty"`
	At        *time.Time      `json:"at,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// ClientFrame is every frame a client may send.
type ClientFrame struct {
	// Type: ping, typing, presence, presence_sub, read.
	Type string `json:"type" enum:"ping,typing,presence,presence_sub,read"`
	// ID is echoed in the ack or error frame that answers this frame.
	ID        string `json:"id,omitempty" maxLength:"64"`
	ChannelID string `json:"channel_id,omitempty" doc:"typing, read: the channel."`
	Seq       int64  `json:"seq,omitempty" doc:"read: the message position read up to."`
	Status    string `json:"status,omitempty" enum:"active,away,dnd," doc:"presence: what the client reports."`
	// UserIDs: presence_sub: the people whose presence this connection
	// wants (replacing the earlier set; at most 1000). Their current
	// presence follows at once, then every change.
	UserIDs []string `json:"user_ids,omitempty" maxItems:"1000"`
}

// Hello is the payload of the first frame on every connection.
type Hello struct {
	Cursor  int64  `json:"cursor" doc:"Where the stream continues; events after it follow."`
	Resumed bool   `json:"resumed" doc:"The missed events since the client's cursor were sent first."`
	UserID  string `json:"user_id"`
	Node    string `json:"node" doc:"The server node that holds this connection."`
}

// Resync tells a client its cursor is too old: reload state over the REST
// API, then keep the new cursor.
type Resync struct {
	Cursor int64  `json:"cursor"`
	Reason string `json:"reason"`
}

// Typing is the payload of a typing frame.
type Typing struct {
	UserID    string `json:"user_id"`
	ExpiresMS int    `json:"expires_in_ms" doc:"Show the indicator this long unless another typing frame comes."`
}

// Presence is someone's presence.
type Presence struct {
	UserID     string     `json:"user_id"`
	Status     string     `json:"status" enum:"active,away,dnd,offline"`
	LastSeenAt *time.Time `json:"last_seen_at,omitempty" doc:"When they were last online, for offline people."`
}

// Ack is the payload of ack and pong: the id of the client frame answered.
type Ack struct {
	ID string `json:"id"`
}

// The frames the server sends besides the event log's events, each bound
// to its payload: ephemeral takes only a Draft made from one of these.
const (
	frameHello    eventlog.Kind[Hello]        = "hello"
	frameResync   eventlog.Kind[Resync]       = "resync"
	framePong     eventlog.Kind[Ack]          = "pong"
	frameAck      eventlog.Kind[Ack]          = "ack"
	frameError    eventlog.Kind[ErrorPayload] = "error"
	frameTyping   eventlog.Kind[Typing]       = "typing"
	framePresence eventlog.Kind[Presence]     = "presence"
)

// Frames lists them for the OpenAPI document (the union Frame there; the
// events are the union Event).
func Frames() []eventlog.Spec {
	return []eventlog.Spec{frameHello.Spec(), frameResync.Spec(), framePong.Spec(), frameAck.Spec(),
		frameError.Spec(), frameTyping.Spec(), framePresence.Spec()}
}

// ErrorPayload answers a client frame that could not be handled.
type ErrorPayload struct {
	ID     string      `json:"id,omitempty"`
	Code   apperr.Code `json:"code"`
	Detail string      `json:"detail"`
}

// Close codes the server uses besides the standard ones.
const (
	// CloseSessionEnded: the session was revoked or expired; sign in again.
	CloseSessionEnded = 4000
	// CloseTooSlow: the client did not read fast enough; reconnect with
	// the last cursor and the missed events follow.
	CloseTooSlow = 4008
)
