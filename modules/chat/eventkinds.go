package chat

import (
	"github.com/kontorhq/kontor/modules/chat/events"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
)

// The events this module appends, each bound to its payload type: emit
// takes only a Draft made from one of these, so a payload cannot drift
// from what the OpenAPI document publishes for its type.
const (
	evChannelCreated    eventlog.Kind[Channel]               = events.ChannelCreated
	evChannelUpdated    eventlog.Kind[Channel]               = events.ChannelUpdated
	evChannelArchived   eventlog.Kind[Channel]               = events.ChannelArchived
	evChannelUnarchived eventlog.Kind[Channel]               = events.ChannelUnarchived
	evMemberAdded       eventlog.Kind[events.MemberChanged]  = events.MemberAdded
	evMemberRemoved     eventlog.Kind[events.MemberChanged]  = events.MemberRemoved
	evMemberUpdated     eventlog.Kind[events.MemberChanged]  = events.MemberUpdated
	evMessageCreated    eventlog.Kind[Message]               = events.MessageCreated
	evMessageUpdated    eventlog.Kind[Message]               = events.MessageUpdated
	evMessageDeleted    eventlog.Kind[events.MessageRemoved] = events.MessageDeleted
	evMessageExpired    eventlog.Kind[events.MessageRemoved] = events.MessageExpired
	evMessageModerated  eventlog.Kind[events.MessageRemoved] = events.MessageModerated
	evReactionChanged   eventlog.Kind[ReactionChanged]       = events.ReactionChanged
	evMessagePinned     eventlog.Kind[Message]               = events.MessagePinned
	evMessageUnpinned   eventlog.Kind[Message]               = events.MessageUnpinned
	evThreadUpdated     eventlog.Kind[events.ThreadUpdate]   = events.ThreadUpdated
	evReadUpdated       eventlog.Kind[events.ReadUpdate]     = events.ReadUpdated
	evReceiptUpdated    eventlog.Kind[events.ReceiptUpdate]  = events.ReceiptUpdated
)

// EventKinds lists every event the module appends, for the OpenAPI document.
func EventKinds() []eventlog.Spec {
	return []eventlog.Spec{
		evChannelCreated.Spec(), evChannelUpdated.Spec(), evChannelArchived.Spec(), evChannelUnarchived.Spec(),
		evMemberAdded.Spec(), evMemberRemoved.Spec(), evMemberUpdated.Spec(),
		evMessageCreated.Spec(), evMessageUpdated.Spec(), evMessageDeleted.Spec(), evMessageExpired.Spec(), evMessageModerated.Spec(),
		evReactionChanged.Spec(), evMessagePinned.Spec(), evMessageUnpinned.Spec(), evThreadUpdated.Spec(),
		evReadUpdated.Spec(), evReceiptUpdated.Spec(),
	}
}
