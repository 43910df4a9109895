package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"github.com/kontorhq/kontor/modules/platform/record"
)

// dEffect is what a journal kind means for the e-discovery index.
type dEffect int

const (
	dIgnored    dEffect = iota
	dAddMessage         // message.created: version 1
	dAddVersion         // message.edited: a further version; the others become "edited"
	dEndMessage         // deleted, expired, moderated: every version takes the state
	dAddFile            // file.attached: one document per share
	dEndFile            // file.deleted, file.moderated
	dPurge              // content.purged: the purged entry's document goes
)

// discoveryMeanings decides, for every kind of the journal, what it does
// to the e-discovery index (TestEveryJournalKindHasADiscoveryMeaning).
var discoveryMeanings = map[record.Kind]dEffect{
	record.MessageCreated:   dAddMessage,
	record.MessageEdited:    dAddVersion,
	record.MessageDeleted:   dEndMessage,
	record.MessageExpired:   dEndMessage,
	record.MessageModerated: dEndMessage,
	record.FileAttached:     dAddFile,
	record.FileDeleted:      dEndFile,
	record.FileModerated:    dEndFile,
	record.ContentPurged:    dPurge,
	record.RetentionPurged:  dPurge, // a batch: meta names the purged entries
	record.ErasurePurged:    dPurge, // GDPR erasure's batch, named the same way

	// user.erased carries counts only; the person's purged content leaves
	// through the erasure.purged batches.
	record.UserErased: dIgnored,

	record.RetentionPolicySet: dIgnored, record.RetentionPolicyRemoved: dIgnored, record.RetentionLimitsSet: dIgnored,

	// Channels, members, pins, reactions, calendar, roles, calls, audit
	// entries, holds and saved searches are on the record but are not
	// what e-discovery searches: the conversation view and the audit
	// trail show them.
	record.ChannelCreated: dIgnored, record.ChannelChanged: dIgnored, record.ChannelArchived: dIgnored,
	record.ChannelUnarchived: dIgnored, record.MemberJoined: dIgnored, record.MemberAdded: dIgnored,
	record.MemberLeft: dIgnored, record.MemberRemoved: dIgnored, record.MemberRoleChanged: dIgnored,
	record.MessagePinned: dIgnored, record.MessageUnpinned: dIgnored, record.ReactionAdded: dIgnored,
	record.ReactionRemoved: dIgnored, record.CalendarEventCreated: dIgnored, record.CalendarEventChanged: dIgnored,
	record.CalendarEventCancelled: dIgnored, record.UserRolesChanged: dIgnored, record.CallStarted: dIgnored,
	record.CallJoined: dIgnored, record.CallLeft: dIgnored, record.CallEnded: dIgnored, record.AuditRecorded: dIgnored,
	record.HoldCreated: dIgnored, record.HoldReleased: dIgnored,
	record.SavedSearchCreated: dIgnored, record.SavedSearchDeleted: dIgnored,
}

// endStates maps the kinds that end a message or file to the state.
var endStates = map[record.Kind]string{
	record.MessageDeleted: StateDeleted, record.MessageExpired: StateExpired, record.MessageModerated: StateModerated,
	record.FileDeleted: StateDeleted, record.FileModerated: StateModerated,
}

type dApplier struct {
	x       *Discovery
	idx     bleve.Index
	b       *bleve.Batch
	pending map[string]*ddoc // doc id -> doc written in this batch; nil: deleted
}

// apply writes es (ascending, after l's cursor) to l in one batch with
// the new cursor.
func (x *Discovery) apply(ctx context.Context, l *live, es []DiscoveryEntry) error {
	if len(es) == 0 {
		return nil
	}
	a := &dApplier{x: x, idx: l.idx, b: l.idx.NewBatch(), pending: map[string]*ddoc{}}
	last := l.cursor.Load()
	for _, e := range es {
		if e.Seq <= last {
			continue
		}
		if err := a.entry(ctx, e); err != nil {
			return fmt.Errorf("e-discovery: entry %d (%s): %w", e.Seq, e.Kind, err)
		}
		last = e.Seq
	}
	a.b.SetInternal(keyCursor, []byte(strconv.FormatInt(last, 10)))
	if err := l.idx.Batch(a.b); err != nil {
		return fmt.Errorf("e-discovery: write batch up to %d: %w", last, err)
	}
	l.cursor.Store(last)
	return nil
}

// messageContent is what chat records of a message version.
type messageContent struct {
	Text        string            `json:"text"`
	RootID      string            `json:"root_id"`
	Attachments []json.RawMessage `json:"attachments"`
}

func (a *dApplier) entry(ctx context.Context, e DiscoveryEntry) error {
	eff := discoveryMeanings[e.Kind]
	if eff != dIgnored && eff != dPurge && e.SubjectID == "" {
		a.x.log.Warn("e-discovery: entry without a subject skipped", "seq", e.Seq, "kind", e.Kind)
		return nil
	}
	switch eff {
	case dAddMessage, dAddVersion:
		if e.Content == nil {
			return nil // purged before it was indexed
		}
		var c messageContent
		if err := json.Unmarshal(e.Content, &c); err != nil {
			a.x.log.Warn("e-discovery: unreadable message content skipped", "seq", e.Seq, "error", err)
			return nil
		}
		d := &ddoc{Kind: kindMessage, State: StateLive, SubjectID: e.SubjectID, MessageID: e.SubjectID, ChannelID: e.ChannelID,
			AuthorID: e.ActorID, At: clampTime(e.At.UTC()), Text: cleanText(c.Text, 0), RootID: c.RootID, Version: 1,
			InThread: c.RootID != "", HasFile: len(c.Attachments) > 0, HasLink: hasLink(c.Text)}
		if eff == dAddVersion {
			d.State = StateEdited
			if v, err := strconv.Atoi(e.Meta["version"]); err == nil {
				d.Version = v
			}
			// The thread and the attachments are the first version's.
			err := a.eachOf(ctx, e.SubjectID, func(id string, o *ddoc) error {
				d.RootID, d.InThread, d.HasFile = o.RootID, d.InThread || o.InThread, d.HasFile || o.HasFile
				d.AuthorID = o.AuthorID
				if o.State == StateLive {
					o.State = StateEdited
					return a.put(id, o)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if err := a.put(entryDocID(e.Seq), d); err != nil {
			return err
		}
		if c.RootID != "" && eff == dAddMessage {
			return a.eachOf(ctx, c.RootID, func(id string, o *ddoc) error {
				if o.InThread {
					return nil
				}
				o.InThread = true
				return a.put(id, o)
			})
		}
		return nil
	case dEndMessage, dEndFile:
		state := endStates[e.Kind]
		return a.eachOf(ctx, e.SubjectID, func(id string, o *ddoc) error {
			if o.State == state {
				return nil
			}
			o.State = state
			return a.put(id, o)
		})
	case dAddFile:
		if e.Content == nil {
			return nil
		}
		name := e.Meta["name"]
		d := &ddoc{Kind: kindFile, State: StateLive, SubjectID: e.SubjectID, MessageID: e.Meta["message_id"], ChannelID: e.ChannelID,
			AuthorID: e.ActorID, At: clampTime(e.At.UTC()), Name: name, Version: 1, HasFile: true}
		if IsTextFile(name) {
			t, err := a.x.files.FileText(ctx, e.SubjectID, MaxFileText)
			if err != nil {
				// The name is still found; the text is lost only if the
				// bytes are gone for good before the next rebuild.
				a.x.log.Warn("e-discovery: file text not read", "file", e.SubjectID, "error", err)
			}
			d.Text = cleanText(t, MaxFileText)
		}
		return a.put(entryDocID(e.Seq), d)
	case dPurge:
		for _, s := range purgedSeqs(e) {
			a.del(entryDocID(s))
		}
	}
	return nil
}

// purgedSeqs returns the entries a purge purged: a content.purged entry's
// subject is the purged entry's sequence number; a batch tombstone
// (record.IsTombstone) lists them in meta record.MetaPurgedSeqs.
func purgedSeqs(e DiscoveryEntry) []int64 {
	var out []int64
	list := e.SubjectID
	if record.IsTombstone(string(e.Kind)) {
		list = e.Meta[record.MetaPurgedSeqs]
	}
	for _, s := range strings.Fields(list) {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// eachOf calls fn with a copy of every document of subject: those this
// batch wrote, then the index's that the batch has not touched.
func (a *dApplier) eachOf(ctx context.Context, subject string, fn func(id string, d *ddoc) error) error {
	for id, d := range a.pending {
		if d != nil && d.SubjectID == subject {
			c := *d
			if err := fn(id, &c); err != nil {
				return err
			}
		}
	}
	const page = 1000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(termQ(dSubject, subject), page, 0, false)
		req.SortBy([]string{"_id"})
		req.Score = "none"
		req.Fields = discoveryStored
		if after != nil {
			req.SearchAfter = after
		}
		res, err := a.idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		for _, h := range res.Hits {
			if _, touched := a.pending[h.ID]; touched {
				continue
			}
			if err := fn(h.ID, ddocFromStored(h.Fields)); err != nil {
				return err
			}
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

func (a *dApplier) put(id string, d *ddoc) error {
	a.pending[id] = d
	return a.b.Index(id, d.fields())
}

func (a *dApplier) del(id string) {
	a.pending[id] = nil
	a.b.Delete(id)
}
