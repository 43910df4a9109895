package search

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kontorhq/kontor/modules/platform/record"
)

// applier applies a run of changes to one index as one batch. Changes can
// depend on earlier ones in the same run (a reply marks its root, a file
// marks its message), so it keeps what the batch has written so far.
type applier struct {
	idx     bleve.Index
	log     *slog.Logger
	b       *bleve.Batch
	pending map[string]*doc // doc id -> doc written in this batch; nil: deleted
}

// apply writes changes (ascending Seq, all after l.cursor) to l's index in
// one batch together with the new cursor.
func apply(ctx context.Context, l *live, log *slog.Logger, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	a := &applier{idx: l.idx, log: log, b: l.idx.NewBatch(), pending: map[string]*doc{}}
	last := l.cursor.Load()
	for _, c := range changes {
		if c.Seq <= last {
			log.Warn("search: change out of order skipped", "seq", c.Seq, "after", last)
			continue
		}
		if err := a.change(ctx, c); err != nil {
			return fmt.Errorf("search: apply change %d (%s): %w", c.Seq, c.Kind, err)
		}
		last = c.Seq
	}
	a.b.SetInternal(keyCursor, []byte(strconv.FormatInt(last, 10)))
	if err := l.idx.Batch(a.b); err != nil {
		return fmt.Errorf("search: write batch up to %d: %w", last, err)
	}
	l.cursor.Store(last)
	return nil
}

func (a *applier) change(ctx context.Context, c Change) error {
	e := meanings[c.Kind]
	// A broken entry must not stop the index for good: say so and go on.
	switch e {
	case indexMessage, removeMessage, indexFile, removeFile:
		if c.SubjectID == "" {
			a.log.Warn("search: change without a subject id skipped", "seq", c.Seq, "kind", c.Kind)
			return nil
		}
	case renameChannel:
		if c.ChannelID == "" {
			a.log.Warn("search: change without a channel id skipped", "seq", c.Seq, "kind", c.Kind)
			return nil
		}
	}
	switch e {
	case indexMessage:
		return a.message(ctx, c)
	case removeMessage:
		return a.deleteMessage(ctx, c.SubjectID)
	case indexFile:
		return a.file(ctx, c)
	case removeFile:
		return a.del(fileDocID(c.SubjectID))
	case renameChannel:
		return a.renameChannel(ctx, c.ChannelID, c.ChannelName)
	case removeSubjects:
		for _, id := range c.PurgedMessages {
			if err := a.deleteMessage(ctx, id); err != nil {
				return err
			}
		}
		for _, id := range c.PurgedFiles {
			if err := a.del(fileDocID(id)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *applier) message(ctx context.Context, c Change) error {
	id := messageDocID(c.SubjectID)
	d := &doc{
		Kind: kindMessage, MessageID: c.SubjectID, ChannelID: c.ChannelID, ChannelName: c.ChannelName,
		AuthorID: c.AuthorID, AuthorName: c.AuthorUsername, At: clampTime(c.At.UTC()), Text: cleanText(c.Text, 0),
		RootID: c.RootID, InThread: c.RootID != "", HasFile: c.HasFile, HasLink: c.HasLink || hasLink(c.Text),
	}
	if c.Kind == record.MessageEdited {
		// What other changes added stays: replies, attachments.
		old, err := a.get(ctx, id)
		if err != nil {
			return err
		}
		if old != nil {
			d.InThread = d.InThread || old.InThread
			d.HasFile = d.HasFile || old.HasFile
		}
	}
	if err := a.put(id, d); err != nil {
		return err
	}
	if c.RootID != "" {
		return a.update(ctx, messageDocID(c.RootID), func(r *doc) bool {
			changed := !r.InThread
			r.InThread = true
			return changed
		})
	}
	return nil
}

func (a *applier) file(ctx context.Context, c Change) error {
	d := &doc{
		Kind: kindFile, MessageID: c.MessageID, FileID: c.SubjectID, ChannelID: c.ChannelID, ChannelName: c.ChannelName,
		AuthorID: c.AuthorID, AuthorName: c.AuthorUsername, At: clampTime(c.At.UTC()), Name: c.FileName, HasFile: true,
	}
	if IsTextFile(c.FileName) {
		d.Text = cleanText(c.FileContent, MaxFileText)
	}
	if err := a.put(fileDocID(c.SubjectID), d); err != nil {
		return err
	}
	if c.MessageID == "" {
		return nil
	}
	return a.update(ctx, messageDocID(c.MessageID), func(m *doc) bool {
		changed := !m.HasFile
		m.HasFile = true
		return changed
	})
}

// deleteMessage removes the message and the files attached to it.
func (a *applier) deleteMessage(ctx context.Context, messageID string) error {
	if err := a.del(messageDocID(messageID)); err != nil {
		return err
	}
	for id, d := range a.pending {
		if d != nil && d.Kind == kindFile && d.MessageID == messageID {
			if err := a.del(id); err != nil {
				return err
			}
		}
	}
	q := query.NewConjunctionQuery([]query.Query{termQ(fKind, kindFile), termQ(fMessageID, messageID)})
	return a.each(ctx, q, false, func(id string, _ *doc) error { return a.del(id) })
}

func (a *applier) renameChannel(ctx context.Context, channelID, name string) error {
	return a.eachInChannel(ctx, channelID, func(id string, d *doc) error {
		if d.ChannelName == name {
			return nil
		}
		d.ChannelName = name
		return a.put(id, d)
	})
}

// eachInChannel calls fn for every document of the channel: those written
// in this batch first, then the index's (with their stored fields) that
// this batch has not touched.
func (a *applier) eachInChannel(ctx context.Context, channelID string, fn func(id string, d *doc) error) error {
	for id, d := range a.pending {
		if d != nil && d.ChannelID == channelID {
			if err := fn(id, d); err != nil {
				return err
			}
		}
	}
	return a.each(ctx, termQ(fChannelID, channelID), true, func(id string, d *doc) error {
		if _, touched := a.pending[id]; touched {
			return nil
		}
		return fn(id, d)
	})
}

// each pages through the index's documents matching q in id order. With
// stored, fn gets the documents; otherwise only their ids.
func (a *applier) each(ctx context.Context, q query.Query, stored bool, fn func(id string, d *doc) error) error {
	const page = 1000
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(q, page, 0, false)
		req.SortBy([]string{"_id"})
		req.Score = "none"
		if stored {
			req.Fields = storedFields
		}
		if after != nil {
			req.SearchAfter = after
		}
		res, err := a.idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		for _, h := range res.Hits {
			var d *doc
			if stored {
				d = docFromStored(h.Fields)
			}
			if err := fn(h.ID, d); err != nil {
				return err
			}
		}
		if len(res.Hits) < page {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// get returns the document as this batch left it, or nil.
func (a *applier) get(ctx context.Context, id string) (*doc, error) {
	if d, ok := a.pending[id]; ok {
		if d == nil {
			return nil, nil
		}
		c := *d
		return &c, nil
	}
	return loadDoc(ctx, a.idx, id)
}

// update rewrites an existing document if fn reports a change.
func (a *applier) update(ctx context.Context, id string, fn func(*doc) bool) error {
	d, err := a.get(ctx, id)
	if err != nil || d == nil {
		return err
	}
	if fn(d) {
		return a.put(id, d)
	}
	return nil
}

func (a *applier) put(id string, d *doc) error {
	a.pending[id] = d
	return a.b.Index(id, d.fields())
}

func (a *applier) del(id string) error {
	a.pending[id] = nil
	a.b.Delete(id)
	return nil
}

// loadDoc reads a document's stored fields from the index; nil if absent.
func loadDoc(ctx context.Context, idx bleve.Index, id string) (*doc, error) {
	req := bleve.NewSearchRequest(query.NewDocIDQuery([]string{id}))
	req.Fields = storedFields
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(res.Hits) == 0 {
		return nil, nil
	}
	return docFromStored(res.Hits[0].Fields), nil
}

func termQ(field, term string) *query.TermQuery {
	q := query.NewTermQuery(term)
	q.SetField(field)
	return q
}

// cleanText makes s valid UTF-8 and, with max > 0, cuts it to at most max
// bytes on a character boundary.
func cleanText(s string, max int) string {
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func hasLink(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "http://") || strings.Contains(l, "https://") || strings.Contains(l, "www.")
}
