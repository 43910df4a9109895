// Package record defines what a module hands to the compliance journal
// (implemented in compliance/journal). Modules declare their own
// consumer-side interface with the Append method below and get the
// journal wired in by internal/app; the journal entry is written in the
// same transaction as the change it records, so a change is never
// visible without its record and no record exists for a rolled-back change.
package record

import (
	"context"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// Entry is one change on the record.
type Entry struct {
	// Kind says what happened, "<subject>.<verb>": message.created,
	// message.edited, file.attached, member.removed, ...
	Kind string
	// ActorID is the user who did it; empty for Kontor itself (jobs).
	ActorID string
	// ChannelID is the conversation the change belongs to, if any.
	ChannelID string
	// SubjectID is the thing the change is about (message, file, channel id).
	SubjectID string
	// Content is what was said or shared, JSON-encoded by the journal. It
	// is stored apart from the entry and committed to by its SHA-256, so
	// retention can later purge it while the chain still verifies.
	Content any
	// Meta holds small facts that are never purged: a file's SHA-256, an
	// edit's version number, the ids of mentioned users.
	Meta map[string]string
}

// Appender appends entries to the journal inside the caller's
// transaction and returns the entry's global sequence number.
type Appender interface {
	Append(ctx context.Context, tx *db.Tx, e Entry) (seq int64, err error)
}
