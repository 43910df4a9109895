// Package chat owns conversations: public and private channels, direct
// and group messages, membership and channel admins, messages with
// Markdown text, edits (every version kept), deletion, threads, reactions,
// pins, mentions, read positions and receipts, and self-destructing
// messages.
//
// Every change is appended to the compliance journal (Deps.Journal) and to
// the client event log (Deps.Events, event names in chat/events) in the
// same transaction as the change itself.
//
// Consumes (interfaces declared here, wired in internal/app): Users
// (identity), Attacher (files), Presence (realtime), Journal (compliance),
// Events (platform/eventlog). Offers other modules CanRead,
// ReadableChannels and Members for authorization decisions.
//
// Files, one concern each:
//
//	chat.go       dependencies, configuration, New, the expiry job
//	access.go     the caller's standing in a channel (load, loadMember,
//	              loadMessage, writable, who may post)
//	channels.go   channel and conversation lifecycle: create, open a DM,
//	              get, list, browse, change, archive
//	members.go    join, leave, invite, remove, roles, notification levels
//	messages.go   post, edit, delete (mentions, attachments, client ids)
//	history.go    reading messages: pages of a channel, one message, versions
//	threads.go    replies, reply counts, following a thread
//	reactions.go  emoji reactions
//	pins.go       pinned messages
//	readstate.go  read positions and read receipts
//	expiry.go     self-destructing messages
//	settings.go   server-wide chat switches and personal preferences
//	record.go     journal and event appends (record, emit) and what the
//	              journal keeps of a channel or message
//	eventkinds.go each client event bound to its payload type
//	views.go      rows turned into what the API returns
//	lookups.go    what other modules ask chat (CanRead, IndexDoc, ...)
//	live.go       rows as stored, for the compliance record check
//	validate.go   input checks (names, text, emoji, ids, mentions)
//	types.go      the API's types
//	store.go      every SQL statement
//	http.go       the REST operations
//
// Tables: channels, channel_members, messages, message_versions,
// reactions, mentions, thread_followers, chat_user_settings, settings.
package chat
