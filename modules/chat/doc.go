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
// Tables: channels, channel_members, messages, message_versions,
// reactions, mentions, thread_followers, chat_user_settings, settings.
package chat
