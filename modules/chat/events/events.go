// Package events names the events the chat module appends to the event
// log and declares their payloads. The realtime gateway reads the
// membership events to know who may receive a channel's events.
//
// The payloads that are the module's API types (Channel for channel.*,
// Message for message.created, .updated, .pinned, .unpinned) and
// reaction.changed's, which carries the API's Reaction, are declared in
// package chat; chat's eventkinds.go binds every name here to its payload
// type, and the OpenAPI document publishes them all
// (components/schemas/Event).
package events

import "time"

// Event types. Channel-scoped events go to the channel's members;
// user-scoped ones (read.updated, member.removed's copy for the removed
// person, settings) only to that user.
const (
	ChannelCreated    = "channel.created"
	ChannelUpdated    = "channel.updated"
	ChannelArchived   = "channel.archived"
	ChannelUnarchived = "channel.unarchived"
	MemberAdded       = "member.added"
	MemberRemoved     = "member.removed"
	MemberUpdated     = "member.updated"
	MessageCreated    = "message.created"
	MessageUpdated    = "message.updated"
	MessageDeleted    = "message.deleted"
	MessageExpired    = "message.expired"
	MessageModerated  = "message.moderated" // taken down: clients show a placeholder
	ReactionChanged   = "reaction.changed"
	MessagePinned     = "message.pinned"
	MessageUnpinned   = "message.unpinned"
	ThreadUpdated     = "thread.updated"
	ReadUpdated       = "read.updated"
	ReceiptUpdated    = "receipt.updated"
)

// Member is the payload of member.added, member.removed and
// member.updated. (The alias keeps the name readers use; the schema is
// MemberChanged, as Member is the API's member list entry.)
type Member = MemberChanged

// MemberChanged is the payload of member.added, member.removed and
// member.updated.
type MemberChanged struct {
	ChannelID string `json:"channel_id"`
	UserID    string `json:"user_id"`
	Role      string `json:"role,omitempty"`
	ByUserID  string `json:"by_user_id,omitempty"`
}

// ThreadUpdate is the payload of thread.updated: a reply was added to or
// removed from a thread.
type ThreadUpdate struct {
	RootID      string    `json:"root_id"`
	ChannelID   string    `json:"channel_id"`
	ReplyCount  int       `json:"reply_count"`
	LastReplyAt time.Time `json:"last_reply_at"`
}

// MessageRemoved is the payload of message.deleted, message.expired and
// message.moderated.
// seq and the author let clients fix unread counts without asking.
type MessageRemoved struct {
	ID        string `json:"id"`
	ChannelID string `json:"channel_id"`
	RootID    string `json:"root_id"`
	Seq       int64  `json:"seq"`
	UserID    string `json:"user_id"`
}

// ReadUpdate is the payload of read.updated, sent to the reader only.
type ReadUpdate struct {
	ChannelID   string `json:"channel_id"`
	LastReadSeq int64  `json:"last_read_seq"`
}

// ReceiptUpdate is the payload of receipt.updated: a member who shares
// read receipts read up to last_read_seq.
type ReceiptUpdate struct {
	ChannelID   string `json:"channel_id"`
	UserID      string `json:"user_id"`
	LastReadSeq int64  `json:"last_read_seq"`
}

// EventSubject names the message, so purging it removes the event too
// (eventlog.Subjecter).
func (r MessageRemoved) EventSubject() string { return r.ID }

// EventSubject names the thread's root: purging the root removes the
// thread's updates.
func (u ThreadUpdate) EventSubject() string { return u.RootID }
