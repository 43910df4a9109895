package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/search/analyze"
)

// Field names in the index. Only the search module builds queries on
// them; nothing a user types names a field.
const (
	fKind        = "kind" // "message" or "file"
	fMessageID   = "message_id"
	fFileID      = "file_id"
	fChannelID   = "channel_id"
	fChannelName = "channel_name"
	fAuthorID    = "author_id"
	fAuthorName  = "author_username"
	fAt          = "at"
	fText        = "text" // message text or text file content
	fName        = "name" // file name
	fRootID      = "root_id"
	fInThread    = "in_thread"
	fHasFile     = "has_file"
	fHasLink     = "has_link"
)

var storedFields = []string{fKind, fMessageID, fFileID, fChannelID, fChannelName, fAuthorID, fAuthorName, fAt, fText, fName, fRootID, fInThread, fHasFile, fHasLink}

const (
	kindMessage = "message"
	kindFile    = "file"
)

// mappingVersion changes whenever the mapping or the analyzers change in
// a way that needs a rebuild; an index built with another version is
// rebuilt in the background at start.
const mappingVersion = "1"

// Keys of the values kept inside the index next to the documents. The
// cursor is written in the same batch as the documents it covers, so the
// index and its cursor never disagree, even after a crash.
var (
	keyCursor  = []byte("kontor.cursor")
	keyMapping = []byte("kontor.mapping")
)

// doc is what the index holds for a message or a file.
type doc struct {
	Kind        string // kindMessage or kindFile
	MessageID   string // the message, or the message a file is attached to
	FileID      string
	ChannelID   string
	ChannelName string
	AuthorID    string
	AuthorName  string
	At          time.Time
	Text        string // message text or text file content
	Name        string // file name
	RootID      string // thread root, for replies
	InThread    bool   // a reply, or a root with replies
	HasFile     bool
	HasLink     bool
}

// fields returns the document for the index, leaving out empty values:
// an empty id or a false flag is never searched for, and not storing it
// keeps the index smaller.
func (d *doc) fields() map[string]any {
	m := make(map[string]any, 14)
	for k, v := range map[string]string{
		fKind: d.Kind, fMessageID: d.MessageID, fFileID: d.FileID, fChannelID: d.ChannelID,
		fChannelName: d.ChannelName, fAuthorID: d.AuthorID, fAuthorName: d.AuthorName,
		fText: d.Text, fName: d.Name, fRootID: d.RootID,
	} {
		if v != "" {
			m[k] = v
		}
	}
	for k, v := range map[string]bool{fInThread: d.InThread, fHasFile: d.HasFile, fHasLink: d.HasLink} {
		if v {
			m[k] = true
		}
	}
	m[fAt] = d.At
	return m
}

// docFromStored rebuilds a doc from the stored fields of a search hit.
func docFromStored(f map[string]interface{}) *doc {
	str := func(k string) string { s, _ := f[k].(string); return s }
	flag := func(k string) bool { b, _ := f[k].(bool); return b }
	d := &doc{
		Kind: str(fKind), MessageID: str(fMessageID), FileID: str(fFileID), ChannelID: str(fChannelID),
		ChannelName: str(fChannelName), AuthorID: str(fAuthorID), AuthorName: str(fAuthorName),
		Text: str(fText), Name: str(fName), RootID: str(fRootID),
		InThread: flag(fInThread), HasFile: flag(fHasFile), HasLink: flag(fHasLink),
	}
	if t, err := time.Parse(time.RFC3339Nano, str(fAt)); err == nil {
		d.At = t
	}
	return d
}

func messageDocID(id string) string { return "m:" + id }
func fileDocID(id string) string    { return "f:" + id }

// Field mappings shared by the member index and the e-discovery index.
// Every field is stored: a document is rewritten from what is stored.

// keywordField is an exact-match field (ids, kinds, states).
func keywordField() *mapping.FieldMapping {
	f := mapping.NewKeywordFieldMapping()
	f.Analyzer = keyword.Name
	f.Store = true
	f.SkipFreqNorm = true
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

// storedOnly is kept with the document but not searchable.
func storedOnly() *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Index = false
	f.Store = true
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

// textField is searched with analyzer; phrases (and CJK words) need
// positions, hence term vectors.
func textField(analyzer string) *mapping.FieldMapping {
	f := mapping.NewTextFieldMapping()
	f.Analyzer = analyzer
	f.Store = true
	f.IncludeTermVectors = true
	f.IncludeInAll = false
	f.DocValues = false
	return f
}

// newMapping returns the explicit mapping: keywords for ids and access
// control, the multilingual analyzer for text, datetime and booleans for
// filters. Nothing is indexed dynamically.
func newMapping() *mapping.IndexMappingImpl {
	boolField := func() *mapping.FieldMapping {
		f := mapping.NewBooleanFieldMapping()
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	channelField := keywordField()
	channelField.DocValues = true // the permission filter for many channels reads it
	at := mapping.NewDateTimeFieldMapping()
	at.Store = true
	at.IncludeInAll = false
	at.DocValues = true // sort by newest

	dm := mapping.NewDocumentStaticMapping()
	for name, f := range map[string]*mapping.FieldMapping{
		fKind: keywordField(), fMessageID: keywordField(), fFileID: keywordField(),
		fChannelID: channelField, fAuthorID: keywordField(), fRootID: keywordField(),
		fChannelName: storedOnly(), fAuthorName: storedOnly(),
		fAt:   at,
		fText: textField(analyze.Text), fName: textField(analyze.Name),
		fInThread: boolField(), fHasFile: boolField(), fHasLink: boolField(),
	} {
		dm.AddFieldMappingsAt(name, f)
	}
	im := mapping.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = keyword.Name
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.ScoringModel = "bm25"
	return im
}

// runtimeConfig is the scorch configuration (a fresh map each time: Bleve
// writes into it and reads it while searching).
//
// bolt_timeout makes a second process that opens a live index fail soon
// instead of waiting for the lock forever.
//
// unsafe_batch lets a batch return once it is searchable instead of
// waiting for it to be written to disk. Nothing acknowledged is lost: the
// journal in the database is the record, the index only a view of it, and
// the cursor travels in the same batch as the documents, so after a crash
// the index comes back at a consistent earlier point and the indexer
// replays the journal from there. Waiting for each fsync would make a new
// message take a persister cycle (about 100ms) to appear and cut the
// indexing rate.
//
// The persister naps persistNap between writes (Bleve's advice for
// unsafe_batch): the small segments of the batches of that time are
// merged in memory and written as one file, instead of one file per batch
// that the merger then reads and rewrites again and again. The nap is
// also how long a crash can set the index back; a clean shutdown and a
// rebuild's swap wait for it (flush). floorSegmentSize is the size (in
// documents) below which the merger treats segments as one tier. With
// Bleve's 2,000 every few new small files were merged into the growing
// segment of the newest ~2,000 messages, rewriting it again and again;
// with 100 the tiers are 100, 1,000, 10,000, ... documents and a message
// is rewritten about once per tier (docs/benchmarks.md).
func runtimeConfig() map[string]interface{} {
	return map[string]interface{}{
		"bolt_timeout": "2s",
		"unsafe_batch": true,
		"scorchPersisterOptions": map[string]interface{}{
			"PersisterNapTimeMSec": persistNap.Milliseconds(),
		},
		"scorchMergePlanOptions": map[string]interface{}{
			"FloorSegmentSize": floorSegmentSize,
		},
	}
}

const (
	persistNap       = 500 * time.Millisecond
	floorSegmentSize = 100
)

// live is one index directory with the journal position it reflects.
type live struct {
	idx  bleve.Index
	name string // directory name under Config.Dir
	// cursor is the last journal Seq applied. Writers hold the module's
	// writeMu; it is atomic so progress reports can read it meanwhile.
	cursor atomic.Int64
}

const currentFile = "current"

// createIndex makes a new, empty index directory under dir.
func createIndex(dir string) (*live, error) {
	name := "index-" + ids.New()
	idx, err := bleve.NewUsing(filepath.Join(dir, name), newMapping(), scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		return nil, fmt.Errorf("create search index %s: %w", name, err)
	}
	if err := idx.SetInternal(keyMapping, []byte(mappingVersion)); err != nil {
		idx.Close()
		return nil, fmt.Errorf("create search index %s: %w", name, err)
	}
	// Bleve keeps the mapping inside the index, and with unsafe_batch the
	// persister writes it only after its nap: an index named in current
	// before that would not open after a crash. Published only once on disk.
	l := &live{idx: idx, name: name}
	if err := flush(l); err != nil {
		idx.Close()
		return nil, err
	}
	return l, nil
}

// openLive opens the index named in dir/current, or creates one. It
// returns whether the index was built with an older mapping. Directories
// left behind by an interrupted rebuild are removed, but only once the
// current index is open: the lock proves no other process uses dir.
func openLive(dir string) (l *live, stale bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("search index directory: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if l, err = createIndex(dir); err != nil {
			return nil, false, err
		}
		if err := writeCurrent(dir, l.name); err != nil {
			l.idx.Close()
			return nil, false, err
		}
	case err != nil:
		return nil, false, fmt.Errorf("search index: %w", err)
	default:
		name := strings.TrimSpace(string(b))
		if !strings.HasPrefix(name, "index-") || strings.ContainsAny(name, `/\`) {
			return nil, false, fmt.Errorf("search index: %s names %q, not an index directory", currentFile, name)
		}
		idx, err := bleve.OpenUsing(filepath.Join(dir, name), runtimeConfig())
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return nil, false, fmt.Errorf("search index %s is in use by another Kontor process: %w", filepath.Join(dir, name), err)
			}
			return nil, false, fmt.Errorf("open search index %s: %w", name, err)
		}
		l = &live{idx: idx, name: name}
		v, err := idx.GetInternal(keyMapping)
		if err != nil {
			idx.Close()
			return nil, false, fmt.Errorf("open search index %s: %w", name, err)
		}
		stale = string(v) != mappingVersion
	}
	c, err := readCursor(l.idx)
	if err != nil {
		l.idx.Close()
		return nil, false, err
	}
	l.cursor.Store(c)
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.idx.Close()
		return nil, false, fmt.Errorf("search index directory: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "index-") && e.Name() != l.name {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return l, stale, nil
}

// flush waits until everything written to l so far is on disk. Batches
// return before that (unsafe_batch); a clean shutdown and a rebuild's swap
// call this so that a restart resumes from where the index really was.
func flush(l *live) error {
	b := l.idx.NewBatch()
	b.SetInternal(keyCursor, []byte(strconv.FormatInt(l.cursor.Load(), 10)))
	done := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := l.idx.Batch(b); err != nil {
		return fmt.Errorf("flush search index %s: %w", l.name, err)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("flush search index %s: %w", l.name, err)
		}
		return nil
	case <-time.After(time.Minute):
		return fmt.Errorf("flush search index %s: not written to disk within a minute", l.name)
	}
}

func readCursor(idx bleve.Index) (int64, error) {
	v, err := idx.GetInternal(keyCursor)
	if err != nil {
		return 0, fmt.Errorf("search index cursor: %w", err)
	}
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("search index cursor %q: %w", v, err)
	}
	return n, nil
}

// writeCurrent points dir/current at the index directory name, atomically:
// a crash leaves either the old or the new name.
func writeCurrent(dir, name string) error {
	tmp := filepath.Join(dir, currentFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("search index pointer: %w", err)
	}
	if _, err := f.WriteString(name + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("search index pointer: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("search index pointer: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("search index pointer: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, currentFile)); err != nil {
		return fmt.Errorf("search index pointer: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
