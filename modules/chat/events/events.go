// Package events names the events the chat module appends to the event
// log, and the payloads other modules need to read. The realtime gateway
// reads the membership events to know who may receive a channel's events.
package events

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
	ReactionChanged   = "reaction.changed"
	MessagePinned     = "message.pinned"
	MessageUnpinned   = "message.unpinned"
	ThreadUpdated     = "thread.updated"
	ReadUpdated       = "read.updated"
	ReceiptUpdated    = "receipt.updated"
)

// Member is the payload of member.added, member.removed and member.updated.
type Member struct {
	ChannelID string `json:"channel_id"`
	UserID    string `json:"user_id"`
	Role      string `json:"role,omitempty"`
	ByUserID  string `json:"by_user_id,omitempty"`
}
