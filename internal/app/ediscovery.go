package app

import (
	"context"
	"io"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/search"
)

// E-discovery adapters: the compliance desk finds through search's
// e-discovery index, which reads the journal with its content; names
// come from identity and chat, files' bytes from files.

// discoveryJournal is search.DiscoveryJournal over the compliance journal.
type discoveryJournal struct{ a *App }

func (d discoveryJournal) Head(ctx context.Context) (int64, error) { return d.a.Journal.Size(ctx) }

func (d discoveryJournal) EntriesWithContent(ctx context.Context, after int64, limit int) ([]search.DiscoveryEntry, error) {
	es, err := d.a.Journal.Entries(ctx, journal.Filter{After: after, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]search.DiscoveryEntry, len(es))
	for i, e := range es {
		out[i] = search.DiscoveryEntry{Seq: e.Seq, Kind: record.Kind(e.Kind), ActorID: e.ActorID, ChannelID: e.ChannelID,
			SubjectID: e.SubjectID, At: e.At, Meta: e.Meta, Content: e.Content}
	}
	return out, nil
}

// discoveryFinder is compliance.Finder over search's e-discovery index.
type discoveryFinder struct{ x *search.Discovery }

func (f discoveryFinder) Find(ctx context.Context, r compliance.FindRequest) (compliance.FindResult, error) {
	res, err := f.x.Find(ctx, search.DiscoveryRequest{Query: r.Query, CustodianIDs: r.CustodianIDs, ChannelIDs: r.ChannelIDs,
		Since: r.Since, Until: r.Until, Kinds: r.Kinds, States: r.States, Sort: r.Sort, Offset: r.Offset, Limit: r.Limit})
	if err != nil {
		return compliance.FindResult{}, err
	}
	return compliance.FindResult{Total: res.Total, Seqs: res.Seqs}, nil
}

func (f discoveryFinder) Status(ctx context.Context) (int64, int64, error) {
	s, err := f.x.Status(ctx)
	return s.Cursor, s.Head, err
}

// complianceDirectory is compliance.Directory over identity and chat.
type complianceDirectory struct{ a *App }

func (d complianceDirectory) Usernames(ctx context.Context, ids []string) (map[string]string, error) {
	return callsChat(d).Usernames(ctx, ids)
}

func (d complianceDirectory) ChannelNames(ctx context.Context, ids []string) (map[string]string, error) {
	return d.a.Chat.ChannelNames(ctx, ids)
}

// complianceFiles is compliance.RecordedFiles over files.
type complianceFiles struct{ f *files.Module }

func (c complianceFiles) OpenRecorded(ctx context.Context, id string) (compliance.RecordedFile, error) {
	r, err := c.f.OpenRecorded(ctx, id)
	if err != nil {
		return compliance.RecordedFile{}, err
	}
	return compliance.RecordedFile{Name: r.Name, ContentType: r.ContentType, SHA256: r.SHA256, Size: r.Size, Deleted: r.Deleted,
		Body: io.ReadCloser(r.Object)}, nil
}
