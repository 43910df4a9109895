package search

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/record"
)

// effect is what a journal kind means for the index.
type effect int

const (
	// ignored: nothing in the index changes (the cursor moves on).
	ignored effect = iota
	// indexMessage: (re)index the message as it is now; a message that is
	// gone by the time the entry is read is removed instead.
	indexMessage
	// removeMessage: remove the message and the files attached to it.
	removeMessage
	// indexFile: index the shared file (by name; text files also by
	// content) and mark its message as having a file.
	indexFile
	// removeFile: remove the file.
	removeFile
	// renameChannel: results of the channel show its new name.
	renameChannel
	// removeSubjects: a batch tombstone purged the messages and files its
	// meta names (record.MetaPurgedMessages, record.MetaPurgedFiles).
	removeSubjects
)

// meanings decides, for every kind of the journal, what it does to the
// index. Every kind of record.Kinds is listed (TestEveryJournalKindHasAMeaning),
// so a new kind cannot reach the journal without a decision here.
var meanings = map[record.Kind]effect{
	record.MessageCreated: indexMessage,
	record.MessageEdited:  indexMessage,
	record.MessageDeleted: removeMessage,
	record.MessageExpired: removeMessage,
	record.FileAttached:   indexFile,
	record.FileDeleted:    removeFile,
	record.ChannelChanged: renameChannel,

	// A new channel has no documents yet; archived channels stay
	// searchable for their members.
	record.ChannelCreated:    ignored,
	record.ChannelArchived:   ignored,
	record.ChannelUnarchived: ignored,
	// Who may read a channel is asked at every search (Access), never
	// stored in the index, so membership changes nothing here.
	record.MemberJoined:      ignored,
	record.MemberAdded:       ignored,
	record.MemberLeft:        ignored,
	record.MemberRemoved:     ignored,
	record.MemberRoleChanged: ignored,
	// Pins and reactions are not searched.
	record.MessagePinned:   ignored,
	record.MessageUnpinned: ignored,
	record.ReactionAdded:   ignored,
	record.ReactionRemoved: ignored,
	// Calendar events are not searched (yet).
	record.CalendarEventCreated:   ignored,
	record.CalendarEventChanged:   ignored,
	record.CalendarEventCancelled: ignored,
	// Roles are not searched.
	record.UserRolesChanged: ignored,
	// Calls have no text to search.
	record.CallStarted: ignored,
	record.CallJoined:  ignored,
	record.CallLeft:    ignored,
	record.CallEnded:   ignored,
	// A purge removes content from the journal; the message itself left
	// the index with its message.expired entry.
	record.ContentPurged: ignored,
	// The audit trail and legal holds are read on the compliance desk,
	// not searched.
	record.AuditRecorded: ignored,
	record.HoldCreated:   ignored,
	record.HoldReleased:  ignored,
	// Saved e-discovery searches are the compliance desk's.
	record.SavedSearchCreated: ignored,
	record.SavedSearchDeleted: ignored,
	// What moderation took down leaves search for members.
	record.MessageModerated: removeMessage,
	record.FileModerated:    removeFile,
	// Retention purged messages and files for good; its policy changes
	// change nothing here until a run purges.
	record.RetentionPurged:        removeSubjects,
	record.RetentionPolicySet:     ignored,
	record.RetentionPolicyRemoved: ignored,
	record.RetentionLimitsSet:     ignored,
}

// Entry is one entry of the record journal, as search reads it.
type Entry struct {
	Seq       int64
	Kind      record.Kind
	ActorID   string
	ChannelID string
	SubjectID string // the message, file or channel id
	At        time.Time
	Meta      map[string]string // file.attached: "message_id" and "name"
}

// Journal is the record journal, read in sequence order.
type Journal interface {
	// Entries returns up to limit entries with Seq > after, in ascending
	// Seq order.
	Entries(ctx context.Context, after int64, limit int) ([]Entry, error)
}

// Message is a message as chat holds it now.
type Message struct {
	ChannelID   string
	ChannelName string // empty for DMs
	AuthorID    string
	Text        string
	RootID      string // the thread root, for replies
	HasFile     bool
	CreatedAt   time.Time
}

// Content is where the indexer reads what an entry is about, as it is
// now: so an edit, a deletion or a purge recorded later is never undone
// by replaying an earlier entry.
type Content interface {
	// Message returns the message; found is false when it is deleted,
	// expired or unknown.
	Message(ctx context.Context, id string) (m Message, found bool, err error)
	// ChannelName returns the channel's name (empty for DMs and unknown
	// channels).
	ChannelName(ctx context.Context, channelID string) (string, error)
	// Username returns the user's username.
	Username(ctx context.Context, userID string) (string, error)
	// FileText returns up to max bytes of a text file's content.
	FileText(ctx context.Context, fileID string, max int) (string, error)
}

// FromJournal is the Source over the record journal: each entry becomes
// a change, with the document read from c as it is now. If j also
// implements SourceHead, so does the result (a rebuild then reports its
// progress against the journal's end).
func FromJournal(j Journal, c Content) Source {
	s := journalSource{j: j, c: c}
	if h, ok := j.(SourceHead); ok {
		return journalSourceHead{s, h}
	}
	return s
}

type journalSource struct {
	j Journal
	c Content
}

type journalSourceHead struct {
	journalSource
	SourceHead
}

func (s journalSource) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	es, err := s.j.Entries(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	names := map[string]string{} // user id -> username, for this batch
	username := func(id string) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		n, err := s.c.Username(ctx, id)
		if err != nil {
			return "", err
		}
		names[id] = n
		return n, nil
	}
	out := make([]Change, 0, len(es))
	for _, e := range es {
		c := Change{Seq: e.Seq, Kind: e.Kind, ChannelID: e.ChannelID, SubjectID: e.SubjectID, At: e.At}
		if err := s.fill(ctx, e, &c, username); err != nil {
			return nil, fmt.Errorf("journal entry %d (%s): %w", e.Seq, e.Kind, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// fill adds to c what the index needs for e's kind.
func (s journalSource) fill(ctx context.Context, e Entry, c *Change, username func(string) (string, error)) error {
	var err error
	switch meanings[e.Kind] {
	case indexMessage:
		if e.SubjectID == "" {
			return nil // apply says so and skips it
		}
		m, ok, err := s.c.Message(ctx, e.SubjectID)
		if err != nil {
			return err
		}
		if !ok {
			c.Kind = record.MessageDeleted
			return nil
		}
		c.ChannelID, c.ChannelName, c.AuthorID, c.Text, c.RootID, c.HasFile, c.At =
			m.ChannelID, m.ChannelName, m.AuthorID, m.Text, m.RootID, m.HasFile, m.CreatedAt
		c.AuthorUsername, err = username(m.AuthorID)
		return err
	case indexFile:
		c.MessageID, c.FileName, c.AuthorID = e.Meta["message_id"], e.Meta["name"], e.ActorID
		if c.AuthorUsername, err = username(e.ActorID); err != nil {
			return err
		}
		if c.ChannelName, err = s.c.ChannelName(ctx, e.ChannelID); err != nil {
			return err
		}
		if IsTextFile(c.FileName) && e.SubjectID != "" {
			c.FileContent, err = s.c.FileText(ctx, e.SubjectID, MaxFileText)
		}
		return err
	case renameChannel:
		if e.ChannelID != "" {
			c.ChannelName, err = s.c.ChannelName(ctx, e.ChannelID)
		}
		return err
	case removeSubjects:
		c.PurgedMessages = strings.Fields(e.Meta[record.MetaPurgedMessages])
		c.PurgedFiles = strings.Fields(e.Meta[record.MetaPurgedFiles])
	}
	return nil
}
