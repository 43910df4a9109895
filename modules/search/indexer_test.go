package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/record"
)

func TestDeletedAndExpiredMessagesVanish(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	keep := f.post(ch, ann, "Quartalszahlen bleiben")
	del := f.post(ch, ann, "Quartalszahlen werden gelöscht")
	exp := f.post(ch, ann, "Quartalszahlen laufen ab")
	f.j.append(Change{Kind: record.FileAttached, ChannelID: ch, SubjectID: "file1", MessageID: del, AuthorID: ann, At: clock,
		FileName: "quartalszahlen.txt", FileContent: "Quartalszahlen im Anhang"})
	f.sync()
	f.expect(ann, "Quartalszahlen", keep, del, exp, "file1")

	f.j.append(Change{Kind: record.MessageDeleted, ChannelID: ch, SubjectID: del})
	f.j.append(Change{Kind: record.MessageExpired, ChannelID: ch, SubjectID: exp})
	f.sync()
	f.expect(ann, "Quartalszahlen", keep) // the file went with its message
	f.expect(ann, "from:@ann", keep)
	f.expect(ann, "has:file")

	t.Run("deleted within the same batch as created", func(t *testing.T) {
		id := f.post(ch, ann, "kurzlebig")
		f.j.append(Change{Kind: record.MessageDeleted, ChannelID: ch, SubjectID: id})
		f.sync()
		f.expect(ann, "kurzlebig")
	})
}

func TestEditsReplaceTheText(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	root := f.post(ch, ann, "Treffen am Montag")
	f.post(ch, ann, "ok", replyTo(root))
	f.j.append(Change{Kind: record.FileAttached, ChannelID: ch, SubjectID: "f1", MessageID: root, FileName: "agenda.pdf", At: clock})
	f.sync()
	f.j.append(Change{Kind: record.MessageEdited, ChannelID: ch, SubjectID: root, Text: "Treffen am Dienstag", AuthorID: ann, At: clock})
	f.sync()
	f.expect(ann, "Montag")
	f.expect(ann, "Dienstag", root)
	// What the reply and the attachment added survives the edit.
	f.expect(ann, "Dienstag is:thread", root)
	f.expect(ann, "Dienstag has:file", root)
}

func TestFiles(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	msg := f.post(ch, ann, "hier die Dateien")
	for _, c := range []Change{
		{SubjectID: "notes", FileName: "Besprechungsnotizen.md", FileContent: "# Protokoll\nDie Rechnungen sind bezahlt."},
		{SubjectID: "log", FileName: "server.log", FileContent: "ERROR disk full on 会议室-printer"},
		{SubjectID: "sheet", FileName: "kosten_2026.csv", FileContent: "posten;betrag\nReisekosten;120"},
		{SubjectID: "pdf", FileName: "Jahresbericht_final.pdf", FileContent: "Rechnungen im PDF werden nicht gelesen"},
	} {
		c.Kind, c.ChannelID, c.MessageID, c.AuthorID, c.At = record.FileAttached, ch, msg, ann, clock
		f.j.append(c)
	}
	f.sync()
	f.expect(ann, "Rechnung", "notes")    // Markdown content, singular finds plural
	f.expect(ann, "会议室", "log")           // log content
	f.expect(ann, "Reisekosten", "sheet") // CSV content
	f.expect(ann, "Jahresbericht", "pdf") // other files by name
	f.expect(ann, "final", "pdf")         // a part of the name
	f.expect(ann, "kosten", "sheet")      // name part and content
	f.expect(ann, "Besprechung", "notes") // a compound in the name
	f.expect(ann, "has:file", msg, "notes", "log", "sheet", "pdf")

	res, err := f.m.Search(asUser(ann), Request{Query: "Jahresbericht"})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	h := res.Items[0]
	if h.Kind != "file" || h.FileID != "pdf" || h.MessageID != msg || h.FileName != "Jahresbericht_final.pdf" ||
		h.Snippet != "<mark>Jahresbericht</mark>_final.pdf" || !strings.Contains(h.Link, msg) {
		t.Errorf("file hit %+v", h)
	}

	f.j.append(Change{Kind: record.FileDeleted, ChannelID: ch, SubjectID: "notes"})
	f.sync()
	f.expect(ann, "Rechnung")
}

func TestChannelRenamed(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	a := f.w.channel("alpha", true, ann)
	b := f.w.channel("beta", true, ann)
	var inA []string
	for i := 0; i < 12; i++ { // more than one batch
		inA = append(inA, f.post(a, ann, "Statusbericht"))
	}
	f.sync()
	inA = append(inA, f.post(a, ann, "Statusbericht neu"))
	f.j.append(Change{Kind: record.ChannelChanged, ChannelID: a, ChannelName: "alpha-renamed"})
	inB := f.post(b, ann, "Statusbericht")
	f.sync()
	res, err := f.m.Search(asUser(ann), Request{Query: "Statusbericht in:~alpha", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != len(inA) {
		t.Fatalf("%d hits, want %d", len(res.Items), len(inA))
	}
	for _, h := range res.Items {
		if h.ChannelName != "alpha-renamed" {
			t.Errorf("hit %s shows channel %q", h.ID, h.ChannelName)
		}
	}
	f.expect(ann, "Statusbericht in:~beta", inB) // a rename touches only its channel
}

func TestCatchesUpAfterRestart(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	var before []string
	for i := 0; i < 10; i++ {
		before = append(before, f.post(ch, ann, "Wartungsfenster"))
	}
	f.sync()
	if c := f.m.Cursor(); c != 10 {
		t.Fatalf("cursor %d, want 10", c)
	}
	if err := f.m.Close(); err != nil {
		t.Fatal(err)
	}

	// The journal grows while search is down.
	after := []string{f.post(ch, ann, "Wartungsfenster verschoben")}
	f.j.append(Change{Kind: record.MessageDeleted, ChannelID: ch, SubjectID: before[0]})

	f.j.reads = nil
	f.open()
	if c := f.m.Cursor(); c != 10 {
		t.Fatalf("cursor after restart %d, want 10", c)
	}
	f.sync()
	if f.j.reads[0] != 10 {
		t.Errorf("after restart the indexer read from %d, want 10 (it must not start over)", f.j.reads[0])
	}
	f.expect(ann, "Wartungsfenster", append(before[1:], after...)...)
}

func TestIndexInUseByAnotherProcess(t *testing.T) {
	f := newFixture(t)
	_, err := New(Deps{Log: f.m.log, Source: f.j, Access: f.w, Users: f.w, Channels: f.w}, Config{Dir: f.dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another Kontor process") {
		t.Fatalf("second open: %v", err)
	}
}

func TestIndexerFollowsTheJournal(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.m.Start(ctx)
	id := f.post(ch, ann, "Serverraum")
	f.m.Notify()
	waitFor(t, func() bool { return len(f.search(ann, "Serverraum")) == 1 })
	f.j.append(Change{Kind: record.MessageDeleted, ChannelID: ch, SubjectID: id})
	// No Notify: the poll finds it.
	waitFor(t, func() bool { return len(f.search(ann, "Serverraum")) == 0 })
}

// waitFor polls cond; the deadline is generous and only there so that a
// broken indexer fails the test instead of hanging it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReindexWhileServing(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	var ids []string
	for i := 0; i < 40; i++ {
		ids = append(ids, f.post(ch, ann, "Inventur im Lager"))
	}
	f.j.append(Change{Kind: record.MessageDeleted, ChannelID: ch, SubjectID: ids[0]})
	ids = ids[1:]
	f.sync()
	oldName := f.m.current().name

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.m.Start(ctx)

	var (
		progress []Progress
		served   atomic.Int64
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		errs     = make(chan error, 1)
	)
	// Searches keep being answered during the whole rebuild.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			res, err := f.m.Search(asUser(ann), Request{Query: "Inventur", PerPage: 1})
			if err != nil || res.Total < uint64(len(ids)) {
				select {
				case errs <- errors.Join(err, errors.New("fewer hits than indexed during the rebuild")):
				default:
				}
				return
			}
			served.Add(1)
		}
	}()
	var added []string
	err := f.m.Reindex(context.Background(), func(p Progress) {
		progress = append(progress, p)
		if len(progress) == 2 {
			// The journal grows while the rebuild runs.
			added = append(added, f.post(ch, ann, "Inventur nachgetragen"))
			f.m.Notify()
			waitFor(t, func() bool { return served.Load() > 0 })
		}
	})
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if len(progress) < 3 || progress[len(progress)-1].Seq != f.j.head() || progress[len(progress)-1].Head != f.j.head() {
		t.Errorf("progress %+v, want several steps ending at %d", progress, f.j.head())
	}
	cur := f.m.current()
	if cur.name == oldName || cur.cursor.Load() != f.j.head() {
		t.Errorf("after the rebuild: index %s at %d", cur.name, cur.cursor.Load())
	}
	if _, err := os.Stat(filepath.Join(f.dir, oldName)); !os.IsNotExist(err) {
		t.Errorf("old index directory still there: %v", err)
	}
	f.expect(ann, "Inventur", append(ids, added...)...)

	t.Run("one rebuild at a time", func(t *testing.T) {
		f.m.reindexMu.Lock()
		defer f.m.reindexMu.Unlock()
		if err := f.m.Reindex(context.Background(), nil); !errors.Is(err, apperr.ErrConflict) {
			t.Errorf("second rebuild: %v", err)
		}
	})
	t.Run("the rebuilt index is the one opened after a restart", func(t *testing.T) {
		cancel()
		if err := f.m.Close(); err != nil {
			t.Fatal(err)
		}
		f.open()
		if f.m.current().name != cur.name {
			t.Errorf("reopened %s, want %s", f.m.current().name, cur.name)
		}
		f.expect(ann, "Inventur", append(ids, added...)...)
	})
}

func TestCancelledReindexLeavesTheIndex(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	for i := 0; i < 30; i++ {
		f.post(ch, ann, "Bestand")
	}
	f.sync()
	name := f.m.current().name
	ctx, cancel := context.WithCancel(context.Background())
	err := f.m.Reindex(ctx, func(Progress) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled rebuild: %v", err)
	}
	if f.m.current().name != name {
		t.Error("a cancelled rebuild replaced the index")
	}
	entries, _ := os.ReadDir(f.dir)
	for _, e := range entries {
		if e.IsDir() && e.Name() != name {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if got := f.search(ann, "Bestand"); len(got) != 30 {
		t.Errorf("%d hits after a cancelled rebuild", len(got))
	}
}

func TestOlderIndexIsRebuiltAtStart(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	id := f.post(ch, ann, "Altbestand")
	f.sync()
	if err := f.m.current().idx.SetInternal(keyMapping, []byte("0")); err != nil {
		t.Fatal(err)
	}
	old := f.m.current().name
	f.m.Close()
	f.open()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.m.Start(ctx)
	waitFor(t, func() bool { return f.m.current().name != old && !f.m.ReindexState().Running })
	f.expect(ann, "Altbestand", id)
}

func TestOddChangesDoNotStopTheIndexer(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	f.j.append(
		Change{Kind: record.MessageCreated, ChannelID: ch, AuthorID: ann, Text: "ohne Kennung"}, // no subject id: skipped
		Change{Kind: record.MemberAdded, ChannelID: ch, SubjectID: ann},                         // not for search
		Change{Kind: record.ChannelChanged},                                                     // no channel: skipped
		Change{Kind: record.MessageCreated, ChannelID: ch, SubjectID: "zero", AuthorID: ann, Text: "ohne Zeitpunkt"},
		Change{Kind: record.MessageCreated, ChannelID: ch, SubjectID: "bad", AuthorID: ann, At: clock, Text: "kaputt \xff\xfe Zeichen"},
	)
	f.sync()
	if c := f.m.Cursor(); c != 5 {
		t.Fatalf("cursor %d, want 5: the indexer must move past what it cannot use", c)
	}
	f.expect(ann, "Kennung")
	f.expect(ann, "Zeitpunkt", "zero")
	f.expect(ann, "Zeichen", "bad")
	f.expect(ann, "Zeitpunkt before:1970-01-02", "zero") // a missing time counts as the earliest
}

func TestReindexProgressAgainstTheJournalEnd(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	for i := 0; i < 20; i++ {
		f.post(ch, ann, "Fortschritt")
	}
	// Search has been down: the live index knows nothing of these yet, as
	// when `kontor search reindex` runs while the server is stopped.
	f.m.source = headJournal{f.j}
	var seen []Progress
	if err := f.m.Reindex(context.Background(), func(p Progress) { seen = append(seen, p) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 3 || seen[0].Head != 20 || seen[0].Seq >= 20 || seen[len(seen)-1].Seq != 20 {
		t.Errorf("progress %+v: want steps towards the journal end 20", seen)
	}
	if got := f.search(ann, "Fortschritt"); len(got) != 20 {
		t.Errorf("%d hits", len(got))
	}
}

// Changes notified one after another are indexed as one batch once
// BatchSize have been notified, not one batch each: every batch is a
// segment the index merges again later (docs/benchmarks.md).
func TestNotifiedChangesAreIndexedInOneBatch(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	f.m.cfg.BatchSize = 5
	f.m.cfg.BatchDelay = time.Hour   // only the size threshold ends the wait
	f.m.cfg.PollInterval = time.Hour // and no poll looks in between
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.m.Start(ctx)
	waitFor(t, func() bool { return len(f.j.readsAfter()) > 0 }) // the first catch-up at start
	f.post(ch, ann, "Stapel")
	f.m.Notify()
	// An indexer that wrote a batch per Notify reads the journal now; give
	// it a moment to (this wait only makes the test sensitive to that
	// fault; the indexer under test never reads here, whatever the time).
	for end := time.Now().Add(300 * time.Millisecond); len(f.j.readsAfter()) < 2 && time.Now().Before(end); {
		time.Sleep(5 * time.Millisecond)
	}
	for i := 1; i < 5; i++ {
		f.post(ch, ann, "Stapel")
		f.m.Notify()
	}
	waitFor(t, func() bool { return f.m.Cursor() == 5 })
	for _, after := range f.j.readsAfter() {
		if after > 0 && after < 5 {
			t.Fatalf("the indexer read the journal after %d (reads %v): the notified changes went into more than one batch", after, f.j.readsAfter())
		}
	}
	if got := f.search(ann, "Stapel"); len(got) != 5 {
		t.Errorf("%d hits, want 5", len(got))
	}
}

// A lone message is not kept waiting for a batch to fill: BatchDelay
// after its Notify it is indexed, with no poll to find it.
func TestALoneNotifiedChangeIsIndexed(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	f.m.cfg.BatchSize = 500
	f.m.cfg.PollInterval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.m.Start(ctx)
	id := f.post(ch, ann, "Einzelstück")
	f.m.Notify()
	waitFor(t, func() bool { return slices.Equal(f.search(ann, "Einzelstück"), []string{id}) })
}
