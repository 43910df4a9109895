package compliance

import (
	"context"
	"errors"
	"time"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// The purge primitive: remove messages and files completely unless a
// legal hold covers them. Retention (retention*.go) and erasure build on
// it. One call is one batch in the caller's transaction: the journal
// decides, for the whole batch at once, which subjects no hold covers,
// blanks the content of every entry about them and appends one tombstone
// naming them; chat and files then remove exactly those from their tables
// (message text and versions, reactions, mentions, client ids, event log
// rows; file rows, shares, blobs local or S3, previews). Search and
// e-discovery follow the tombstone on the journal.

// AgedMessage is a message as retention weighs it.
type AgedMessage struct {
	ID          string
	ChannelID   string
	ChannelKind string // chat's kind: public | private | dm | group
	UserID      string
	CreatedAt   time.Time
}

// AgedFile is a file as retention weighs it.
type AgedFile struct {
	ID        string
	OwnerID   string
	CreatedAt time.Time
}

// Messages is what the desk needs from chat to weigh and purge messages.
type Messages interface {
	// MessagesBefore lists messages posted before `before`, deleted,
	// expired and taken-down ones too, oldest first, after the position
	// (afterAt, afterID).
	MessagesBefore(ctx context.Context, before, afterAt time.Time, afterID string, limit int) ([]AgedMessage, error)
	// ChannelKinds returns the kind of each known channel among ids.
	ChannelKinds(ctx context.Context, ids []string) (map[string]string, error)
	// PurgeMessages removes the messages and everything repeating them in tx.
	PurgeMessages(ctx context.Context, tx *db.Tx, ids []string) error
}

// Files is what the desk needs from files to weigh and purge files.
type Files interface {
	// FilesBefore lists files uploaded before `before`, deleted ones too,
	// oldest first, after the position (afterAt, afterID).
	FilesBefore(ctx context.Context, before, afterAt time.Time, afterID string, limit int) ([]AgedFile, error)
	// PurgeFiles removes the files, their shares and events in tx, and
	// their blobs after commit.
	PurgeFiles(ctx context.Context, tx *db.Tx, ids []string) error
}

// Record is what the desk needs from the journal to purge.
type Record interface {
	PurgeBatch(ctx context.Context, tx *db.Tx, b journal.Batch) (journal.BatchResult, error)
}

// Purge is one batch for PurgeContent.
type Purge struct {
	// Kind is the tombstone's kind (record.RetentionPurged for retention).
	Kind record.Kind
	// ActorID is who purges; empty for a job.
	ActorID  string
	Reason   string
	Messages []string
	Files    []string
	// Meta goes on the tombstone (the policy, the run).
	Meta map[string]string
}

// Purged says what PurgeContent removed.
type Purged struct {
	Messages []string
	Files    []string
	// Held maps each subject a legal hold kept to the holds' ids.
	Held map[string][]string
	// Tombstone is the journal entry naming what went (0: nothing went).
	Tombstone int64
	// Entries counts the journal entries whose content was blanked.
	Entries int
}

// PurgeContent removes, in tx, the messages and files of p that no active
// legal hold covers, from the record's content and from every live table,
// and returns what it removed and what holds kept. The caller has checked
// who may (this checks no role) and commits tx.
func (m *Module) PurgeContent(ctx context.Context, tx *db.Tx, p Purge) (Purged, error) {
	if m.record == nil || m.messages == nil || m.files == nil {
		return Purged{}, errors.New("compliance: purging needs Record, Messages and Files")
	}
	res, err := m.record.PurgeBatch(ctx, tx, journal.Batch{Kind: p.Kind, ActorID: p.ActorID, Reason: p.Reason,
		Messages: p.Messages, Files: p.Files, Meta: p.Meta})
	if err != nil {
		return Purged{}, err
	}
	if len(res.Messages) > 0 {
		if err := m.messages.PurgeMessages(ctx, tx, res.Messages); err != nil {
			return Purged{}, err
		}
	}
	if len(res.Files) > 0 {
		if err := m.files.PurgeFiles(ctx, tx, res.Files); err != nil {
			return Purged{}, err
		}
	}
	return Purged{Messages: res.Messages, Files: res.Files, Held: res.Held, Tombstone: res.Seq, Entries: res.Entries}, nil
}
