package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/search/analyze"
)

// E-discovery: a second index, for the compliance desk only, over
// everything the record journal holds: every version of every message
// (deleted, expired and moderated ones too, while the journal keeps their
// content) and every shared file. Its documents are journal entries
// ("j:<seq>"), fed from the journal's own content, never from the live
// tables, so the member-facing index above never sees any of it.
//
// A purge (content.purged) deletes the purged entry's document: what the
// record no longer holds, e-discovery no longer finds. The compliance
// desk reads each hit back from the journal too, so a hit purged after
// the index last caught up is dropped there as well.
//
// Like the member index it lives in its own directory (one per node),
// keeps its journal position inside the index, and is rebuilt from the
// journal when its mapping changes (Discovery.Rebuild).

// Document states: what happened to the message or file since.
const (
	StateLive      = "live"      // as posted, never edited
	StateEdited    = "edited"    // edited: every version is a document
	StateDeleted   = "deleted"   // deleted by its author (or a file by its owner or an admin)
	StateExpired   = "expired"   // self-destructed; the record kept it
	StateModerated = "moderated" // taken down by moderation
)

// States lists every state.
func States() []string {
	return []string{StateLive, StateEdited, StateDeleted, StateExpired, StateModerated}
}

// Kinds of e-discovery documents.
const (
	DiscoveryMessage = kindMessage
	DiscoveryFile    = kindFile
)

// Field names of the e-discovery index.
const (
	dKind      = "kind"
	dState     = "state"
	dSubject   = "subject_id"
	dMessageID = "message_id"
	dChannelID = "channel_id"
	dAuthorID  = "author_id"
	dAt        = "at"
	dAtNanos   = "at_ns" // stored only: the index keeps "at" to the second, a rewrite needs it exact
	dText      = fText
	dName      = fName
	dRootID    = "root_id"
	dVersion   = "version"
	dInThread  = "in_thread"
	dHasFile   = "has_file"
	dHasLink   = "has_link"
)

var discoveryStored = []string{dKind, dState, dSubject, dMessageID, dChannelID, dAuthorID, dAt, dAtNanos, dText, dName, dRootID, dVersion,
	dInThread, dHasFile, dHasLink}

// discoveryMappingVersion changes whenever the mapping or what a document
// holds changes; an index of another version is rebuilt at start.
const discoveryMappingVersion = "1"

// ddoc is one version of a message, or one share of a file.
type ddoc struct {
	Kind      string
	State     string
	SubjectID string // the message or the file
	MessageID string // the message (for a file: the message it came with)
	ChannelID string
	AuthorID  string
	At        time.Time
	Text      string // the version's text, or the file's extracted text
	Name      string // file name
	RootID    string
	Version   int
	InThread  bool
	HasFile   bool
	HasLink   bool
}

func (d *ddoc) fields() map[string]any {
	m := make(map[string]any, 14)
	for k, v := range map[string]string{dKind: d.Kind, dState: d.State, dSubject: d.SubjectID, dMessageID: d.MessageID,
		dChannelID: d.ChannelID, dAuthorID: d.AuthorID, dText: d.Text, dName: d.Name, dRootID: d.RootID} {
		if v != "" {
			m[k] = v
		}
	}
	for k, v := range map[string]bool{dInThread: d.InThread, dHasFile: d.HasFile, dHasLink: d.HasLink} {
		if v {
			m[k] = true
		}
	}
	m[dVersion] = strconv.Itoa(d.Version)
	m[dAt] = d.At
	m[dAtNanos] = strconv.FormatInt(d.At.UnixNano(), 10)
	return m
}

func ddocFromStored(f map[string]any) *ddoc {
	str := func(k string) string { s, _ := f[k].(string); return s }
	flag := func(k string) bool { b, _ := f[k].(bool); return b }
	d := &ddoc{Kind: str(dKind), State: str(dState), SubjectID: str(dSubject), MessageID: str(dMessageID), ChannelID: str(dChannelID),
		AuthorID: str(dAuthorID), Text: str(dText), Name: str(dName), RootID: str(dRootID),
		InThread: flag(dInThread), HasFile: flag(dHasFile), HasLink: flag(dHasLink)}
	d.Version, _ = strconv.Atoi(str(dVersion))
	if ns, err := strconv.ParseInt(str(dAtNanos), 10, 64); err == nil {
		d.At = time.Unix(0, ns).UTC()
	} else if t, err := time.Parse(time.RFC3339Nano, str(dAt)); err == nil {
		d.At = t
	}
	return d
}

// entryDocID is the document of journal entry seq, zero-padded so that
// the id order (the tie-break of equal times) is the journal's order.
func entryDocID(seq int64) string { return fmt.Sprintf("j:%019d", seq) }

func seqOfDocID(id string) (int64, bool) {
	s, ok := strings.CutPrefix(id, "j:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func newDiscoveryMapping() *mapping.IndexMappingImpl {
	boolField := func() *mapping.FieldMapping {
		f := mapping.NewBooleanFieldMapping()
		f.Store = true
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	at := mapping.NewDateTimeFieldMapping()
	at.Store = true
	at.IncludeInAll = false
	at.DocValues = true // sort by time
	dm := mapping.NewDocumentStaticMapping()
	for name, f := range map[string]*mapping.FieldMapping{
		dKind: keywordField(), dState: keywordField(), dSubject: keywordField(), dMessageID: keywordField(),
		dChannelID: keywordField(), dAuthorID: keywordField(), dRootID: keywordField(), dVersion: keywordField(),
		dAt: at, dAtNanos: storedOnly(), dText: textField(analyze.Text), dName: textField(analyze.Name),
		dInThread: boolField(), dHasFile: boolField(), dHasLink: boolField(),
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

// DiscoveryEntry is a journal entry with its content, as e-discovery
// reads it.
type DiscoveryEntry struct {
	Seq       int64
	Kind      record.Kind
	ActorID   string
	ChannelID string
	SubjectID string
	At        time.Time
	Meta      map[string]string
	// Content is the entry's JSON content; nil when it was purged.
	Content json.RawMessage
}

// DiscoveryJournal is the record journal with content, read in sequence
// order.
type DiscoveryJournal interface {
	// Head is the last sequence number.
	Head(ctx context.Context) (int64, error)
	// EntriesWithContent returns up to limit entries with Seq > after,
	// ascending, with their content.
	EntriesWithContent(ctx context.Context, after int64, limit int) ([]DiscoveryEntry, error)
}

// FileTexts reads a shared file's text for the index (files).
type FileTexts interface {
	// FileText returns up to max bytes of a text file's content; "" when
	// the bytes are gone.
	FileText(ctx context.Context, fileID string, max int) (string, error)
}

// AllChannels finds channels by name across all of them (chat), for in:
// on the compliance desk.
type AllChannels interface {
	ChannelIDsNamed(ctx context.Context, name string) ([]string, error)
}

// DiscoveryDeps are the e-discovery index's dependencies, all required.
type DiscoveryDeps struct {
	Log      *slog.Logger
	Journal  DiscoveryJournal
	Files    FileTexts
	Users    Users
	Channels AllChannels
}

// DiscoveryConfig configures the e-discovery index.
type DiscoveryConfig struct {
	// Dir holds the index: <data dir>/ediscovery. Each node has its own.
	Dir string
	// PollInterval is how often the indexer looks at the journal when
	// nobody calls Notify. Zero: 1s.
	PollInterval time.Duration
	// BatchSize is how many journal entries go into one batch. Zero: 1000.
	BatchSize int
}

// Discovery is the e-discovery index and its indexer.
type Discovery struct {
	log      *slog.Logger
	cfg      DiscoveryConfig
	journal  DiscoveryJournal
	files    FileTexts
	users    Users
	channels AllChannels

	mu      sync.RWMutex // guards cur (searches read, a rebuild swaps)
	cur     *live
	writeMu sync.Mutex // one writer of the index at a time

	wake   chan struct{}
	runMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewDiscovery opens (or creates) the e-discovery index in cfg.Dir. An
// index of an older mapping is dropped and rebuilt from the journal by
// the indexer (Start); meanwhile searches find only what it has
// re-read (Status says how far it is).
func NewDiscovery(d DiscoveryDeps, cfg DiscoveryConfig) (*Discovery, error) {
	if d.Log == nil || d.Journal == nil || d.Files == nil || d.Users == nil || d.Channels == nil {
		return nil, errors.New("e-discovery: Log, Journal, Files, Users and Channels are required")
	}
	if cfg.Dir == "" {
		return nil, errors.New("e-discovery: index directory is not set")
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 1000
	}
	if cfg.PollInterval < 10*time.Millisecond || cfg.BatchSize < 1 || cfg.BatchSize > 100000 {
		return nil, fmt.Errorf("e-discovery: poll interval %s (at least 10ms) or batch size %d (1 to 100000) out of range", cfg.PollInterval, cfg.BatchSize)
	}
	if err := analyze.Register(); err != nil {
		return nil, fmt.Errorf("e-discovery: %w", err)
	}
	cfg.Dir = filepath.Clean(cfg.Dir)
	l, err := openDiscovery(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("e-discovery: %w", err)
	}
	return &Discovery{log: d.Log.With("module", "search", "index", "ediscovery"), cfg: cfg, journal: d.Journal, files: d.Files,
		users: d.Users, channels: d.Channels, cur: l, wake: make(chan struct{}, 1)}, nil
}

func createDiscovery(dir string) (*live, error) {
	name := "index-" + ids.New()
	idx, err := bleve.NewUsing(filepath.Join(dir, name), newDiscoveryMapping(), scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", name, err)
	}
	if err := idx.SetInternal(keyMapping, []byte(discoveryMappingVersion)); err != nil {
		idx.Close()
		return nil, fmt.Errorf("create index %s: %w", name, err)
	}
	l := &live{idx: idx, name: name}
	if err := flush(l); err != nil {
		idx.Close()
		return nil, err
	}
	return l, nil
}

// openDiscovery opens the index named in dir/current; a missing one, or
// one of another mapping version, is replaced by a new empty index.
func openDiscovery(dir string) (*live, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("index directory: %w", err)
	}
	var l *live
	if b, err := os.ReadFile(filepath.Join(dir, currentFile)); err == nil {
		name := strings.TrimSpace(string(b))
		if !strings.HasPrefix(name, "index-") || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("%s names %q, not an index directory", currentFile, name)
		}
		idx, err := bleve.OpenUsing(filepath.Join(dir, name), runtimeConfig())
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return nil, fmt.Errorf("index %s is in use by another Kontor process: %w", filepath.Join(dir, name), err)
			}
			return nil, fmt.Errorf("open index %s: %w", name, err)
		}
		v, err := idx.GetInternal(keyMapping)
		if err != nil {
			idx.Close()
			return nil, fmt.Errorf("open index %s: %w", name, err)
		}
		if string(v) == discoveryMappingVersion {
			l = &live{idx: idx, name: name}
		} else {
			idx.Close() // built by another version: read the journal again
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("index: %w", err)
	}
	if l == nil {
		var err error
		if l, err = createDiscovery(dir); err != nil {
			return nil, err
		}
		if err := writeCurrent(dir, l.name); err != nil {
			l.idx.Close()
			return nil, err
		}
	}
	c, err := readCursor(l.idx)
	if err != nil {
		l.idx.Close()
		return nil, err
	}
	l.cursor.Store(c)
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.idx.Close()
		return nil, fmt.Errorf("index directory: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "index-") && e.Name() != l.name {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return l, nil
}

// Start runs the indexer until ctx ends or Close is called.
func (x *Discovery) Start(ctx context.Context) {
	x.runMu.Lock()
	defer x.runMu.Unlock()
	if x.cancel != nil {
		return
	}
	ctx, x.cancel = context.WithCancel(ctx)
	x.done = make(chan struct{})
	go x.run(ctx)
}

// Notify tells the indexer that the journal has grown. It never blocks.
func (x *Discovery) Notify() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

func (x *Discovery) run(ctx context.Context) {
	defer close(x.done)
	backoff := x.cfg.PollInterval
	for {
		wait := x.cfg.PollInterval
		if _, err := x.CatchUp(ctx); err != nil && ctx.Err() == nil {
			x.log.Error("e-discovery indexer", "error", err)
			wait = backoff
			backoff = min(backoff*2, time.Minute)
		} else {
			backoff = x.cfg.PollInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-x.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// CatchUp indexes every journal entry after the index's cursor and
// returns how many it read.
func (x *Discovery) CatchUp(ctx context.Context) (int, error) {
	n := 0
	for {
		got, err := x.catchUpBatch(ctx)
		n += got
		if err != nil || got < x.cfg.BatchSize {
			return n, err
		}
	}
}

func (x *Discovery) catchUpBatch(ctx context.Context) (int, error) {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	l := x.current()
	if l == nil {
		return 0, apperr.Unavailable("e-discovery is closed")
	}
	after := l.cursor.Load()
	es, err := x.journal.EntriesWithContent(ctx, after, x.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("e-discovery: read the journal after %d: %w", after, err)
	}
	return len(es), x.apply(ctx, l, es)
}

func (x *Discovery) current() *live {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.cur
}

// DiscoveryStatus says how far the index has read the journal.
type DiscoveryStatus struct {
	Cursor int64 `json:"cursor" doc:"The last journal entry the e-discovery index has read."`
	Head   int64 `json:"head" doc:"The last journal entry; searches miss what lies between cursor and head."`
}

// Status reports the index's position against the journal's end.
func (x *Discovery) Status(ctx context.Context) (DiscoveryStatus, error) {
	h, err := x.journal.Head(ctx)
	if err != nil {
		return DiscoveryStatus{}, fmt.Errorf("e-discovery status: %w", err)
	}
	var c int64
	if l := x.current(); l != nil {
		c = l.cursor.Load()
	}
	return DiscoveryStatus{Cursor: c, Head: h}, nil
}

// Rebuild reads the whole journal into a new index and swaps it in;
// searches use the old one meanwhile. The indexer keeps following the
// journal on the old index until the swap (writeMu is taken only for the
// final catch-up).
func (x *Discovery) Rebuild(ctx context.Context) error {
	l, err := createDiscovery(x.cfg.Dir)
	if err != nil {
		return fmt.Errorf("e-discovery rebuild: %w", err)
	}
	abandon := func(err error) error {
		l.idx.Close()
		_ = os.RemoveAll(filepath.Join(x.cfg.Dir, l.name))
		return fmt.Errorf("e-discovery rebuild: %w", err)
	}
	catch := func() (int, error) {
		es, err := x.journal.EntriesWithContent(ctx, l.cursor.Load(), x.cfg.BatchSize)
		if err != nil {
			return 0, err
		}
		return len(es), x.apply(ctx, l, es)
	}
	for {
		n, err := catch()
		if err != nil {
			return abandon(err)
		}
		if n < x.cfg.BatchSize {
			break
		}
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	for {
		n, err := catch()
		if err != nil {
			return abandon(err)
		}
		if n < x.cfg.BatchSize {
			break
		}
	}
	if err := flush(l); err != nil {
		return abandon(err)
	}
	if err := writeCurrent(x.cfg.Dir, l.name); err != nil {
		return abandon(err)
	}
	x.mu.Lock()
	old := x.cur
	x.cur = l
	x.mu.Unlock()
	if old != nil {
		old.idx.Close()
		_ = os.RemoveAll(filepath.Join(x.cfg.Dir, old.name))
	}
	return nil
}

// Cursor returns the last journal entry the index has read.
func (x *Discovery) Cursor() int64 {
	if l := x.current(); l != nil {
		return l.cursor.Load()
	}
	return 0
}

// Close stops the indexer and closes the index.
func (x *Discovery) Close() error {
	x.runMu.Lock()
	if x.cancel != nil {
		x.cancel()
		<-x.done
	}
	x.runMu.Unlock()
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.cur == nil {
		return nil
	}
	err := flush(x.cur)
	if cerr := x.cur.idx.Close(); err == nil {
		err = cerr
	}
	x.cur = nil
	return err
}
