package search

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/record"
)

// Change is one entry of the record journal, as the indexer needs it.
type Change struct {
	// PurgedMessages and PurgedFiles are, for a batch tombstone
	// (retention.purged), the messages and files that left for good.
	PurgedMessages, PurgedFiles []string
	// Seq is the journal sequence number. Source returns changes in
	// ascending Seq; the indexer's cursor is the last Seq it applied.
	Seq int64
	// Kind is what happened; what it means for the index is meanings[Kind].
	Kind record.Kind
	// ChannelID is the channel or DM the message or file belongs to; for
	// channel kinds, the channel itself.
	ChannelID string
	// SubjectID is the message id (message kinds) or the file id (file
	// kinds); empty for channel kinds.
	SubjectID string

	// The document: set for kinds that index a message or a file
	// (message.created, message.edited, file.attached); for
	// channel.changed, ChannelName is the channel's name now.

	// At is when the message was posted (also for edits) or the file shared.
	At time.Time
	// Text is the message text (Markdown source as typed).
	Text string
	// AuthorID and AuthorUsername name who wrote the message or shared
	// the file; results show the username as it was then.
	AuthorID       string
	AuthorUsername string
	// ChannelName is the channel's name at the time (empty for DMs: the
	// client names a DM after its participants).
	ChannelName string
	// RootID is, for a reply, the id of the thread's first message; empty
	// for a message that is not a reply. A thread root is found by
	// is:thread once its first reply is indexed.
	RootID string
	// HasFile is true when the message carries attachments. (A later
	// file.attached for the message sets it too.)
	HasFile bool
	// HasLink is true when the message contains a link. The indexer also
	// sets it when Text contains http://, https:// or www.
	HasLink bool
	// MessageID is, for file.attached, the message the file is attached
	// to (results link to it).
	MessageID string
	// FileName is the file's name, for file.attached.
	FileName string
	// FileContent is, for file.attached of a text file (IsTextFile), its
	// UTF-8 content; the indexer keeps the first MaxFileText bytes. Empty
	// for other files, which are found by name.
	FileContent string
}

// MaxFileText is how much of a text file's content is indexed.
const MaxFileText = 1 << 20

// IsTextFile reports whether a file of this name has its content indexed:
// plain text, Markdown, CSV and log files.
func IsTextFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt", ".md", ".markdown", ".csv", ".log":
		return true
	}
	return false
}

// Source is how the indexer learns about changes in sequence order. The
// server's Source is FromJournal (the record journal, mapped to changes by
// this package); tests and tools may hand changes in directly.
type Source interface {
	// Changes returns up to limit changes with Seq > after, in ascending
	// Seq order; fewer than limit (or none) means the caller has reached
	// the end of the journal for now. It may skip entries search does
	// not use, but returning them (with their kind) lets the cursor move
	// past long runs of them.
	Changes(ctx context.Context, after int64, limit int) ([]Change, error)
}

// SourceHead is optionally implemented by a Source that knows the last
// sequence number of the journal; a rebuild then reports its progress
// against it (otherwise against the live index's cursor).
type SourceHead interface {
	Head(ctx context.Context) (int64, error)
}

// Access is what search needs from chat at query time.
type Access interface {
	// ReadableChannels returns the ids of every channel and DM userID may
	// read now (current membership; archived channels included). Admins
	// get only their own memberships: search is not an export path.
	ReadableChannels(ctx context.Context, userID string) ([]string, error)
}

// Users resolves the usernames typed in from:@alice and in:@bob.
type Users interface {
	// UserByName returns the id of the user with this username (without
	// '@', compared the way usernames are compared at sign-in); found is
	// false if there is none.
	UserByName(ctx context.Context, username string) (id string, found bool, err error)
}

// Channels resolves the channels typed in in:~general and in:@bob.
type Channels interface {
	// ChannelByName returns the id of the channel called name (without
	// '~') that userID can see; found is false if there is none, so a
	// private channel's name is not confirmed to a non-member.
	ChannelByName(ctx context.Context, userID, name string) (id string, found bool, err error)
	// DirectChannel returns the id of the direct-message conversation
	// between userID and otherUserID; found is false if they have none.
	DirectChannel(ctx context.Context, userID, otherUserID string) (id string, found bool, err error)
}
