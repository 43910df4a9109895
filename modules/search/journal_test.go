package search

import (
	"context"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Search decides what every kind of the journal means for the index, and
// names no kind the journal does not have.
func TestEveryJournalKindHasAMeaning(t *testing.T) {
	for _, k := range record.Kinds() {
		if _, ok := meanings[k]; !ok {
			t.Errorf("journal kind %q: search does not say what it means for the index", k)
		}
	}
	for k := range meanings {
		if !slices.Contains(record.Kinds(), k) {
			t.Errorf("search names kind %q, which is not a journal kind", k)
		}
	}
}

// fakeJournal is a Journal of raw entries; fakeContent is chat, identity
// and files as they are now.
type fakeJournal struct {
	mu      sync.Mutex
	entries []Entry
}

func (j *fakeJournal) add(es ...Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, e := range es {
		e.Seq = int64(len(j.entries) + 1)
		j.entries = append(j.entries, e)
	}
}

func (j *fakeJournal) Entries(_ context.Context, after int64, limit int) ([]Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	i := sort.Search(len(j.entries), func(i int) bool { return j.entries[i].Seq > after })
	return slices.Clone(j.entries[i:min(len(j.entries), i+limit)]), nil
}

func (j *fakeJournal) Head(context.Context) (int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return int64(len(j.entries)), nil
}

type fakeContent struct {
	messages map[string]Message
	channels map[string]string
	users    map[string]string
	files    map[string]string
}

func (c fakeContent) Message(_ context.Context, id string) (Message, bool, error) {
	m, ok := c.messages[id]
	return m, ok, nil
}
func (c fakeContent) ChannelName(_ context.Context, id string) (string, error) {
	return c.channels[id], nil
}
func (c fakeContent) Username(_ context.Context, id string) (string, error) { return c.users[id], nil }
func (c fakeContent) FileText(_ context.Context, id string, max int) (string, error) {
	return c.files[id][:min(max, len(c.files[id]))], nil
}

// The journal as the server records it becomes the index: messages as
// they are now (an edit read before it is replayed, a deleted message
// never shown), files by name and text, a renamed channel's new name, and
// every kind that means nothing to search passed over.
func TestIndexFromTheJournal(t *testing.T) {
	w := newWorld()
	ann := w.user("ann")
	ch := w.channel("allgemein", true, ann)
	posted := clock.Add(-time.Hour)
	content := fakeContent{
		messages: map[string]Message{
			// m1 was edited after it was posted; m2 is gone (deleted since,
			// its deletion not yet read).
			"m1": {ChannelID: ch, ChannelName: "allgemein", AuthorID: ann, Text: "Hafenrundfahrt morgen um neun", CreatedAt: posted},
			"m3": {ChannelID: ch, ChannelName: "allgemein", AuthorID: ann, Text: "Antwort zur Hafenrundfahrt", RootID: "m1", CreatedAt: clock},
		},
		channels: map[string]string{ch: "allgemein"},
		users:    map[string]string{ann: "ann"},
		files:    map[string]string{"f1": "Protokoll der Sitzung"},
	}
	j := &fakeJournal{}
	j.add(
		Entry{Kind: record.ChannelCreated, ActorID: ann, ChannelID: ch, SubjectID: ch},
		Entry{Kind: record.MemberJoined, ActorID: ann, ChannelID: ch, SubjectID: ann},
		Entry{Kind: record.MessageCreated, ActorID: ann, ChannelID: ch, SubjectID: "m1"},
		Entry{Kind: record.MessageCreated, ActorID: ann, ChannelID: ch, SubjectID: "m2"},
		Entry{Kind: record.MessageEdited, ActorID: ann, ChannelID: ch, SubjectID: "m1"},
		Entry{Kind: record.MessageCreated, ActorID: ann, ChannelID: ch, SubjectID: "m3"},
		Entry{Kind: record.ReactionAdded, ActorID: ann, ChannelID: ch, SubjectID: "m1"},
		Entry{Kind: record.FileAttached, ActorID: ann, ChannelID: ch, SubjectID: "f1", At: clock,
			Meta: map[string]string{"message_id": "m1", "name": "protokoll.md"}},
		Entry{Kind: record.MessageEdited, ActorID: ann, ChannelID: ch, SubjectID: "m2"},
	)
	src := FromJournal(j, content)
	if _, ok := src.(SourceHead); !ok {
		t.Error("FromJournal over a journal with Head is no SourceHead: a rebuild could not report progress against the journal's end")
	}
	m, err := New(Deps{Log: logtest.New(t), Source: src, Access: w, Users: w, Channels: w}, Config{Dir: t.TempDir(), BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if _, err := m.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := m.Cursor(); c != 9 {
		t.Fatalf("cursor %d, want 9", c)
	}
	f := &fixture{t: t, w: w, m: m}
	f.expect(ann, "in:~allgemein", "f1", "m1", "m3") // m2 is gone: never indexed, not even empty
	f.expect(ann, "Hafenrundfahrt", "m1", "m3")
	f.expect(ann, "neun", "m1") // the text as it is now
	f.expect(ann, "is:thread", "m1", "m3")
	f.expect(ann, "has:file", "f1", "m1")
	f.expect(ann, "Protokoll", "f1")

	// The channel is renamed: results show the new name.
	content.channels[ch] = "hafen"
	j.add(Entry{Kind: record.ChannelChanged, ActorID: ann, ChannelID: ch, SubjectID: ch})
	if _, err := m.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := m.Search(asUser(ann), Request{Query: "Hafenrundfahrt", PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 2 {
		t.Fatalf("%d hits, want 2", len(res.Items))
	}
	for _, h := range res.Items {
		if h.ChannelName != "hafen" || h.AuthorUsername != "ann" {
			t.Errorf("hit %s: channel %q, author %q; want hafen, ann", h.ID, h.ChannelName, h.AuthorUsername)
		}
	}
}
