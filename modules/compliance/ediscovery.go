package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// E-discovery: a compliance officer searches everything on the record
// (every channel and DM, deleted, expired and moderated messages, every
// version of edited ones, shared files), opens the conversation around a
// hit and downloads a file, read-only. The record is the journal: hits
// and conversations are read from journal entries and their content, so
// what retention or erasure purged is gone here too. Every such read is an
// audit entry (and so a journal entry), written before the answer leaves:
// no read without its record.
//
// Only the compliance role reaches any of it; an admin runs the server,
// not the record.

// Finder searches the e-discovery index (search's, fed from the journal)
// and answers with journal entries.
type Finder interface {
	Find(ctx context.Context, r FindRequest) (FindResult, error)
	// Status says up to which journal entry the index has read.
	Status(ctx context.Context) (indexed, head int64, err error)
}

// FindRequest is a search as the index takes it.
type FindRequest struct {
	Query                    string
	CustodianIDs, ChannelIDs []string
	Since, Until             time.Time
	Kinds, States            []string
	Sort                     string
	Offset, Limit            int
}

// FindResult lists journal entries, one per message version or file share.
type FindResult struct {
	Total uint64
	Seqs  []int64
}

// Directory names people and channels in hits (identity and chat).
type Directory interface {
	Usernames(ctx context.Context, userIDs []string) (map[string]string, error)
	ChannelNames(ctx context.Context, channelIDs []string) (map[string]string, error)
}

// RecordedFiles opens a file's bytes for the desk, deleted or not, while
// the store still has them (files).
type RecordedFiles interface {
	OpenRecorded(ctx context.Context, fileID string) (RecordedFile, error)
}

// RecordedFile is an open file; the caller closes Body.
type RecordedFile struct {
	Name, ContentType, SHA256 string
	Size                      int64
	Deleted                   bool
	Body                      io.ReadCloser
}

// Message and file states (as the index has them).
const (
	StateLive      = "live"
	StateEdited    = "edited"
	StateDeleted   = "deleted"
	StateExpired   = "expired"
	StateModerated = "moderated"
)

// DiscoveryFilters narrow an e-discovery search. A saved search keeps
// them as they are (the export exports them).
type DiscoveryFilters struct {
	CustodianIDs []string   `json:"custodian_ids,omitempty" maxItems:"200" doc:"Written or shared by any of these people (user ids)."`
	ChannelIDs   []string   `json:"channel_ids,omitempty" maxItems:"200" doc:"In any of these channels or conversations (ids)."`
	Since        *time.Time `json:"since,omitempty" doc:"Versions and shares at or after this time."`
	Until        *time.Time `json:"until,omitempty" doc:"Versions and shares before this time."`
	Kinds        []string   `json:"kinds,omitempty" maxItems:"2" enum:"message,file" doc:"Messages, files, or both (empty)."`
	States       []string   `json:"states,omitempty" maxItems:"5" enum:"live,edited,deleted,expired,moderated" doc:"What happened to the message or file since (empty: any)."`
}

// DiscoverySearch is one e-discovery search.
type DiscoverySearch struct {
	Query   string           `json:"query,omitempty" maxLength:"1000" doc:"The search language (words, \"phrases\", -excluded, prefix*, from:@alice, in:~channel, before:/after:/on:YYYY-MM-DD, has:file, has:link, is:thread); empty when the filters say what to find." example:"Angebot from:@ann"`
	Filters DiscoveryFilters `json:"filters,omitempty"`
	Sort    string           `json:"sort,omitempty" enum:"newest,oldest,relevance" doc:"Order of hits; default newest."`
	Offset  int              `json:"offset,omitempty" minimum:"0" maximum:"10000"`
	Limit   int              `json:"limit,omitempty" minimum:"0" maximum:"200" doc:"Hits per page; default 50."`
}

// DiscoveryHit is one message version or one file share on the record.
type DiscoveryHit struct {
	Seq            int64     `json:"seq" doc:"The journal entry of this version or share: the hit's reference on the record; open the conversation around it."`
	Kind           string    `json:"kind" enum:"message,file"`
	MessageID      string    `json:"message_id,omitempty" doc:"The message (for a file: the message it was shared with)."`
	FileID         string    `json:"file_id,omitempty"`
	FileName       string    `json:"file_name,omitempty"`
	FileSize       int64     `json:"file_size,omitempty"`
	FileSHA256     string    `json:"file_sha256,omitempty"`
	ChannelID      string    `json:"channel_id"`
	ChannelName    string    `json:"channel_name,omitempty" doc:"Empty for direct messages."`
	AuthorID       string    `json:"author_id"`
	AuthorUsername string    `json:"author_username,omitempty"`
	At             time.Time `json:"at" doc:"When this version was written or the file shared."`
	Version        int       `json:"version" doc:"1 for the message as posted, 2 for its first edit, ..."`
	Versions       int       `json:"versions" doc:"How many versions the message has on record."`
	State          string    `json:"state" enum:"live,edited,deleted,expired,moderated"`
	Text           string    `json:"text,omitempty" doc:"The version's text (messages)."`
	RootID         string    `json:"root_id,omitempty" doc:"The thread's first message, for replies."`
}

// DiscoveryResults is a page of hits.
type DiscoveryResults struct {
	Total   uint64         `json:"total" doc:"How many versions and shares match in all."`
	Offset  int            `json:"offset"`
	Limit   int            `json:"limit"`
	Items   []DiscoveryHit `json:"items"`
	Indexed int64          `json:"indexed" doc:"The last journal entry the index has read; entries after it are not searched yet."`
	Head    int64          `json:"head" doc:"The journal's last entry."`
}

func (f DiscoveryFilters) check() (DiscoveryFilters, error) {
	var err error
	if f.CustodianIDs, err = checkIDs("filters.custodian_ids", f.CustodianIDs, MaxCustodians); err != nil {
		return f, err
	}
	if f.ChannelIDs, err = checkIDs("filters.channel_ids", f.ChannelIDs, MaxChannels); err != nil {
		return f, err
	}
	if f.Since != nil && f.Until != nil && !f.Since.Before(*f.Until) {
		return f, apperr.Invalid("filters.until", "until must be later than since").WithCode(apperr.CodeBadTimeRange)
	}
	return f, nil
}

func (f DiscoveryFilters) request(query, sort string, offset, limit int) FindRequest {
	r := FindRequest{Query: query, CustodianIDs: f.CustodianIDs, ChannelIDs: f.ChannelIDs, Kinds: f.Kinds, States: f.States,
		Sort: sort, Offset: offset, Limit: limit}
	if f.Since != nil {
		r.Since = *f.Since
	}
	if f.Until != nil {
		r.Until = *f.Until
	}
	return r
}

func (m *Module) finder() (Finder, error) {
	if m.finderDep == nil {
		return nil, apperr.Unavailable("e-discovery is not available in this process (the server runs it)")
	}
	return m.finderDep, nil
}

// Search runs an e-discovery search and puts it on the audit trail:
// who searched, the query, the filters and how many hits there were.
func (m *Module) Search(ctx context.Context, s DiscoverySearch) (DiscoveryResults, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return DiscoveryResults{}, err
	}
	f, err := m.finder()
	if err != nil {
		return DiscoveryResults{}, err
	}
	if s.Filters, err = s.Filters.check(); err != nil {
		return DiscoveryResults{}, err
	}
	if s.Limit == 0 {
		s.Limit = 50
	}
	found, err := f.Find(ctx, s.Filters.request(s.Query, s.Sort, s.Offset, s.Limit))
	if err != nil {
		return DiscoveryResults{}, err
	}
	out := DiscoveryResults{Total: found.Total, Offset: s.Offset, Limit: s.Limit}
	if out.Indexed, out.Head, err = f.Status(ctx); err != nil {
		return DiscoveryResults{}, err
	}
	if out.Items, err = m.hits(ctx, found.Seqs); err != nil {
		return DiscoveryResults{}, err
	}
	filters, _ := json.Marshal(s.Filters)
	if err := m.audit.Record(ctx, m.db, m.clock.Now(), "ediscovery.search", "ediscovery", "", map[string]any{
		"query": s.Query, "filters": json.RawMessage(filters), "sort": s.Sort, "offset": s.Offset, "limit": s.Limit,
		"hits": found.Total, "returned": len(out.Items)}); err != nil {
		return DiscoveryResults{}, err
	}
	return out, nil
}

// recorded is a journal entry with its content, as the desk reads it.
type recorded struct {
	Seq       int64
	At        time.Time
	ActorID   string
	Kind      string
	ChannelID string
	SubjectID string
	Meta      map[string]string
	Content   []byte // nil: purged
}

const recordedCols = `e.seq, e.at, e.actor_id, e.kind, e.channel_id, e.subject_id, e.meta, c.content`

func scanRecorded(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) ([]recorded, error) {
	var out []recorded
	for rows.Next() {
		var r recorded
		var at int64
		var meta string
		if err := rows.Scan(&r.Seq, &at, &r.ActorID, &r.Kind, &r.ChannelID, &r.SubjectID, &meta, &r.Content); err != nil {
			return nil, err
		}
		r.At = time.UnixMilli(at).UTC()
		_ = json.Unmarshal([]byte(meta), &r.Meta)
		out = append(out, r)
	}
	return out, rows.Err()
}

// readRecorded reads journal entries where the condition holds, in seq order.
func readRecorded(ctx context.Context, q db.Querier, where string, args ...any) ([]recorded, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+recordedCols+` FROM journal_entries e LEFT JOIN journal_content c ON c.seq = e.seq
		WHERE `+where+` ORDER BY e.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read the record: %w", err)
	}
	defer rows.Close()
	out, err := scanRecorded(rows)
	if err != nil {
		return nil, fmt.Errorf("read the record: %w", err)
	}
	return out, nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// subjectHistory is what the record says happened to a message or file.
type subjectHistory struct {
	versions int
	state    string
	endedAt  time.Time
	endedBy  string
	rootID   string
}

var endKinds = map[string]string{"message.deleted": StateDeleted, "message.expired": StateExpired, "message.moderated": StateModerated,
	"file.deleted": StateDeleted, "file.moderated": StateModerated}

// histories reads the history of each subject from the journal.
func histories(ctx context.Context, q db.Querier, subjects []string) (map[string]*subjectHistory, error) {
	out := map[string]*subjectHistory{}
	if len(subjects) == 0 {
		return out, nil
	}
	rs, err := readRecorded(ctx, q, `e.subject_id IN (`+db.In(len(subjects))+`) AND e.kind IN ('message.created', 'message.edited',
		'message.deleted', 'message.expired', 'message.moderated', 'file.attached', 'file.deleted', 'file.moderated')`, anys(subjects)...)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		h := out[r.SubjectID]
		if h == nil {
			h = &subjectHistory{versions: 1, state: StateLive}
			out[r.SubjectID] = h
		}
		switch r.Kind {
		case "message.created":
			var c struct {
				RootID string `json:"root_id"`
			}
			if r.Content != nil && json.Unmarshal(r.Content, &c) == nil {
				h.rootID = c.RootID
			}
		case "message.edited":
			if v, err := strconv.Atoi(r.Meta["version"]); err == nil && v > h.versions {
				h.versions = v
			}
			if h.state == StateLive {
				h.state = StateEdited
			}
		default:
			if s, ok := endKinds[r.Kind]; ok {
				h.state, h.endedAt, h.endedBy = s, r.At, r.ActorID
			}
		}
	}
	return out, nil
}

// fileContent is what files records of a shared file.
type fileContent struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// hits reads the found entries back from the journal, in the index's
// order; entries purged since the index read them are left out.
func (m *Module) hits(ctx context.Context, seqs []int64) ([]DiscoveryHit, error) {
	out := []DiscoveryHit{}
	if len(seqs) == 0 {
		return out, nil
	}
	rs, err := readRecorded(ctx, m.db, `e.seq IN (`+db.In(len(seqs))+`)`, anys(seqs)...)
	if err != nil {
		return nil, err
	}
	bySeq := map[int64]recorded{}
	var subjects, users, chans []string
	for _, r := range rs {
		if r.Content == nil || string(r.Content) == "null" {
			continue
		}
		bySeq[r.Seq] = r
		subjects, users, chans = append(subjects, r.SubjectID), append(users, r.ActorID), append(chans, r.ChannelID)
	}
	hist, err := histories(ctx, m.db, uniq(subjects))
	if err != nil {
		return nil, err
	}
	names, channels, err := m.names(ctx, users, chans)
	if err != nil {
		return nil, err
	}
	for _, s := range seqs {
		r, ok := bySeq[s]
		if !ok {
			continue
		}
		h := hist[r.SubjectID]
		if h == nil {
			h = &subjectHistory{versions: 1, state: StateLive}
		}
		hit := DiscoveryHit{Seq: r.Seq, ChannelID: r.ChannelID, ChannelName: channels[r.ChannelID], AuthorID: r.ActorID,
			AuthorUsername: names[r.ActorID], At: r.At, Version: 1, Versions: h.versions, State: h.state}
		switch r.Kind {
		case "file.attached":
			var c fileContent
			_ = json.Unmarshal(r.Content, &c)
			hit.Kind, hit.FileID, hit.MessageID = "file", r.SubjectID, r.Meta["message_id"]
			hit.FileName, hit.FileSize, hit.FileSHA256 = c.Name, c.Size, c.SHA256
			hit.Versions = 1
		default:
			var c struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(r.Content, &c)
			hit.Kind, hit.MessageID, hit.Text, hit.RootID = "message", r.SubjectID, c.Text, h.rootID
			if r.Kind == "message.edited" {
				hit.Version, _ = strconv.Atoi(r.Meta["version"])
			}
		}
		out = append(out, hit)
	}
	return out, nil
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (m *Module) names(ctx context.Context, users, chans []string) (map[string]string, map[string]string, error) {
	if m.dir == nil {
		return map[string]string{}, map[string]string{}, nil
	}
	u, err := m.dir.Usernames(ctx, uniq(users))
	if err != nil {
		return nil, nil, fmt.Errorf("e-discovery: usernames: %w", err)
	}
	c, err := m.dir.ChannelNames(ctx, uniq(chans))
	if err != nil {
		return nil, nil, fmt.Errorf("e-discovery: channel names: %w", err)
	}
	return u, c, nil
}

// Conversation is a stretch of a channel as the record holds it.
type Conversation struct {
	ChannelID   string                `json:"channel_id"`
	ChannelName string                `json:"channel_name,omitempty"`
	Items       []ConversationMessage `json:"items" doc:"Messages in the order they were posted."`
	MoreBefore  bool                  `json:"more_before" doc:"Older messages exist: open around the first item's seq."`
	MoreAfter   bool                  `json:"more_after" doc:"Newer messages exist: open around the last item's seq."`
}

// ConversationMessage is a message with every version the record kept.
type ConversationMessage struct {
	Seq            int64                 `json:"seq" doc:"The message.created journal entry."`
	MessageID      string                `json:"message_id"`
	AuthorID       string                `json:"author_id"`
	AuthorUsername string                `json:"author_username,omitempty"`
	At             time.Time             `json:"at"`
	RootID         string                `json:"root_id,omitempty"`
	State          string                `json:"state" enum:"live,edited,deleted,expired,moderated"`
	EndedAt        *time.Time            `json:"ended_at,omitempty" doc:"When it was deleted, expired or taken down."`
	EndedBy        string                `json:"ended_by,omitempty" doc:"Who deleted or took it down (empty: Kontor itself)."`
	Versions       []ConversationVersion `json:"versions" doc:"Oldest first; the last is what members saw last."`
	Files          []ConversationFile    `json:"files,omitempty"`
	Anchor         bool                  `json:"anchor,omitempty" doc:"The message the conversation was opened around."`
}

// ConversationVersion is one version of a message.
type ConversationVersion struct {
	Seq     int64     `json:"seq"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	Text    string    `json:"text"`
	Purged  bool      `json:"purged,omitempty" doc:"Retention or erasure removed this version's content; the record keeps that it existed."`
}

// ConversationFile is a file shared with a message.
type ConversationFile struct {
	Seq         int64  `json:"seq"`
	FileID      string `json:"file_id"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	State       string `json:"state" enum:"live,deleted,moderated"`
	Purged      bool   `json:"purged,omitempty"`
}

// Conversation windows.
const (
	DefaultConversationWindow = 25
	MaxConversationWindow     = 200
)

// OpenConversation reads the messages of channelID around the journal
// entry around (0: the newest), before and after it, with every version,
// and puts the reading on the audit trail: the channel and the window.
func (m *Module) OpenConversation(ctx context.Context, channelID string, around int64, before, after int) (Conversation, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return Conversation{}, err
	}
	if !ids.Valid(channelID) {
		return Conversation{}, apperr.NotFound("no conversation %q on the record", channelID).WithCode(apperr.CodeChannelNotFound)
	}
	if before < 0 || before > MaxConversationWindow || after < 0 || after > MaxConversationWindow || around < 0 {
		return Conversation{}, apperr.Invalid("before", "before and after must be between 0 and %d, around a journal entry ≥ 0", MaxConversationWindow)
	}
	anchor := int64(1<<62 - 1)
	if around > 0 {
		a, err := m.anchor(ctx, channelID, around)
		if err != nil {
			return Conversation{}, err
		}
		anchor = a
	}
	// The messages: up to before (and the anchor) at or before the
	// anchor, plus one more to tell whether there are older ones and
	// where their files begin; up to after behind it, plus one.
	older, err := createdIn(ctx, m.db, `e.seq <= ? ORDER BY e.seq DESC`, channelID, anchor, before+2)
	if err != nil {
		return Conversation{}, err
	}
	newer, err := createdIn(ctx, m.db, `e.seq > ? ORDER BY e.seq`, channelID, anchor, after+1)
	if err != nil {
		return Conversation{}, err
	}
	conv := Conversation{ChannelID: channelID, Items: []ConversationMessage{}}
	var lo int64 // files of the window's first message come after the message before it
	if len(older) > before+1 {
		conv.MoreBefore, lo = true, older[before+1].seq
		older = older[:before+1]
	}
	if len(newer) > after {
		conv.MoreAfter, newer = true, newer[:after]
	}
	if around == 0 && len(older) == 0 {
		if err := m.noteOpen(ctx, conv, around, before, after); err != nil {
			return Conversation{}, err
		}
		return conv, nil
	}
	var window []createdRef
	for i := len(older) - 1; i >= 0; i-- {
		window = append(window, older[i])
	}
	window = append(window, newer...)
	if len(window) == 0 {
		return Conversation{}, apperr.NotFound("no conversation %q on the record", channelID).WithCode(apperr.CodeChannelNotFound)
	}
	msgIDs := make([]string, len(window))
	for i, w := range window {
		msgIDs[i] = w.subject
	}
	entries, err := readRecorded(ctx, m.db, `e.subject_id IN (`+db.In(len(msgIDs))+`) AND e.kind IN ('message.created', 'message.edited',
		'message.deleted', 'message.expired', 'message.moderated')`, anys(msgIDs)...)
	if err != nil {
		return Conversation{}, err
	}
	hi := window[len(window)-1].seq
	shares, err := readRecorded(ctx, m.db, `e.channel_id = ? AND e.kind = 'file.attached' AND e.seq > ? AND e.seq < ?`, channelID, lo, hi)
	if err != nil {
		return Conversation{}, err
	}
	byID := map[string]*ConversationMessage{}
	var users []string
	for _, w := range window {
		byID[w.subject] = &ConversationMessage{Seq: w.seq, MessageID: w.subject, State: StateLive, Versions: []ConversationVersion{},
			Anchor: w.seq == anchor}
	}
	for _, r := range entries {
		cm := byID[r.SubjectID]
		if cm == nil {
			continue
		}
		switch r.Kind {
		case "message.created", "message.edited":
			var c struct {
				Text   string `json:"text"`
				RootID string `json:"root_id"`
			}
			v := ConversationVersion{Seq: r.Seq, Version: 1, At: r.At, Purged: r.Content == nil}
			if r.Content != nil {
				_ = json.Unmarshal(r.Content, &c)
				v.Text = c.Text
			}
			if r.Kind == "message.created" {
				cm.AuthorID, cm.At, cm.RootID = r.ActorID, r.At, c.RootID
				users = append(users, r.ActorID)
			} else {
				v.Version, _ = strconv.Atoi(r.Meta["version"])
				if cm.State == StateLive {
					cm.State = StateEdited
				}
			}
			cm.Versions = append(cm.Versions, v)
		default:
			at := r.At
			cm.State, cm.EndedAt, cm.EndedBy = endKinds[r.Kind], &at, r.ActorID
		}
	}
	var fileIDs []string
	for _, r := range shares {
		if byID[r.Meta["message_id"]] != nil {
			fileIDs = append(fileIDs, r.SubjectID)
		}
	}
	fh, err := histories(ctx, m.db, uniq(fileIDs))
	if err != nil {
		return Conversation{}, err
	}
	for _, r := range shares {
		cm := byID[r.Meta["message_id"]]
		if cm == nil {
			continue
		}
		f := ConversationFile{Seq: r.Seq, FileID: r.SubjectID, State: StateLive, Purged: r.Content == nil,
			Name: r.Meta["name"], ContentType: r.Meta["content_type"], SHA256: r.Meta["sha256"]}
		f.Size, _ = strconv.ParseInt(r.Meta["size"], 10, 64)
		if h := fh[r.SubjectID]; h != nil && h.state != StateEdited {
			f.State = h.state
		}
		cm.Files = append(cm.Files, f)
	}
	names, channels, err := m.names(ctx, users, []string{channelID})
	if err != nil {
		return Conversation{}, err
	}
	conv.ChannelName = channels[channelID]
	for _, w := range window {
		cm := byID[w.subject]
		cm.AuthorUsername = names[cm.AuthorID]
		conv.Items = append(conv.Items, *cm)
	}
	if err := m.noteOpen(ctx, conv, around, before, after); err != nil {
		return Conversation{}, err
	}
	return conv, nil
}

// noteOpen puts the opening of a conversation on the audit trail.
func (m *Module) noteOpen(ctx context.Context, c Conversation, around int64, before, after int) error {
	d := map[string]any{"channel_id": c.ChannelID, "around": around, "before": before, "after": after, "messages": len(c.Items)}
	if n := len(c.Items); n > 0 {
		d["from_seq"], d["to_seq"] = c.Items[0].Seq, c.Items[n-1].Seq
		d["from_at"], d["to_at"] = c.Items[0].At.Format(time.RFC3339Nano), c.Items[n-1].At.Format(time.RFC3339Nano)
	}
	return m.audit.Record(ctx, m.db, m.clock.Now(), "ediscovery.open", "channel", c.ChannelID, d)
}

type createdRef struct {
	seq     int64
	subject string
}

// createdIn lists message.created entries of a channel.
func createdIn(ctx context.Context, q db.Querier, cond, channelID string, seq int64, limit int) ([]createdRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.seq, e.subject_id FROM journal_entries e
		WHERE e.channel_id = ? AND e.kind = 'message.created' AND `+cond+` LIMIT ?`, channelID, seq, limit)
	if err != nil {
		return nil, fmt.Errorf("read the record: %w", err)
	}
	defer rows.Close()
	var out []createdRef
	for rows.Next() {
		var c createdRef
		if err := rows.Scan(&c.seq, &c.subject); err != nil {
			return nil, fmt.Errorf("read the record: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// anchor finds the message.created entry of the message that the entry
// around is about (a version, a file share, an ending), in channelID.
func (m *Module) anchor(ctx context.Context, channelID string, around int64) (int64, error) {
	notHere := apperr.Invalid("around", "journal entry %d is not a message or file of this conversation", around).WithCode(apperr.CodeNotInConversation)
	rs, err := readRecorded(ctx, m.db, `e.seq = ?`, around)
	if err != nil {
		return 0, err
	}
	if len(rs) == 0 || rs[0].ChannelID != channelID {
		return 0, notHere
	}
	subject := rs[0].SubjectID
	switch rs[0].Kind {
	case "message.created":
		return around, nil
	case "file.attached":
		subject = rs[0].Meta["message_id"]
	case "message.edited", "message.deleted", "message.expired", "message.moderated":
	default:
		return 0, notHere
	}
	var seq int64
	err = m.db.QueryRowContext(ctx, `SELECT seq FROM journal_entries WHERE subject_id = ? AND kind = 'message.created' AND channel_id = ?`,
		subject, channelID).Scan(&seq)
	if err != nil {
		return 0, notHere
	}
	return seq, nil
}

// OpenFile opens a file's bytes for a compliance officer, deleted or
// not, while the store has them, and puts the download on the audit
// trail first.
func (m *Module) OpenFile(ctx context.Context, fileID string) (RecordedFile, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return RecordedFile{}, err
	}
	if m.recorded == nil {
		return RecordedFile{}, apperr.Unavailable("files are not available in this process")
	}
	if !ids.Valid(fileID) {
		return RecordedFile{}, apperr.NotFound("no file %q", fileID).WithCode(apperr.CodeFileNotFound)
	}
	f, err := m.recorded.OpenRecorded(ctx, fileID)
	if err != nil {
		return RecordedFile{}, err
	}
	if err := m.audit.Record(ctx, m.db, m.clock.Now(), "ediscovery.download", "file", fileID, map[string]any{
		"name": f.Name, "sha256": f.SHA256, "size": f.Size, "deleted": f.Deleted}); err != nil {
		f.Body.Close()
		return RecordedFile{}, err
	}
	return f, nil
}
