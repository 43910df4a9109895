package search

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/search/analyze"
	sq "github.com/kontorhq/kontor/modules/search/query"
)

// Sort orders.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
)

// Limits on paging.
const (
	MaxPerPage = 100
	MaxPage    = 100
)

// Request is a search as the caller asks it.
type Request struct {
	Query    string
	Sort     string         // SortRelevance (default) or SortNewest
	Page     int            // 1-based; 0 means 1
	PerPage  int            // 0 means 20
	Location *time.Location // the zone of before:/after:/on: days; nil: UTC
}

// Hit is one message or file found.
type Hit struct {
	Kind           string    `json:"kind" enum:"message,file" doc:"What was found."`
	ID             string    `json:"id" doc:"The message id, or the file id for a file."`
	MessageID      string    `json:"message_id" doc:"The message (for a file: the message it was shared with)."`
	FileID         string    `json:"file_id,omitempty"`
	FileName       string    `json:"file_name,omitempty"`
	ChannelID      string    `json:"channel_id"`
	ChannelName    string    `json:"channel_name,omitempty" doc:"The channel's name; empty for direct messages."`
	AuthorID       string    `json:"author_id"`
	AuthorUsername string    `json:"author_username"`
	At             time.Time `json:"at" doc:"When the message was posted or the file shared."`
	RootID         string    `json:"root_id,omitempty" doc:"For a reply: the thread's first message."`
	Snippet        string    `json:"snippet" doc:"The text around the match as HTML: escaped, with matched words in <mark>...</mark> and nothing else; safe to insert as HTML."`
	Link           string    `json:"link" doc:"Path of the message in its channel in the web app."`
}

// Results is a page of hits.
type Results struct {
	Total   uint64 `json:"total" doc:"How many messages and files match in all."`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Items   []Hit  `json:"items"`
}

// Search runs a query for the signed-in user over the channels and DMs
// they may read now.
func (m *Module) Search(ctx context.Context, r Request) (*Results, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.UserID == "" {
		return nil, apperr.Forbidden("search finds what a person may read; sign in as a user").WithCode(apperr.CodeUserRequired)
	}
	if err := r.normalize(); err != nil {
		return nil, err
	}
	q, err := sq.Parse(r.Query)
	if err != nil {
		var qe *sq.Error
		if errors.As(err, &qe) {
			return nil, apperr.Malformed("q", "%s", qe.Message).WithCode(apperr.CodeBadQuery)
		}
		return nil, err
	}
	out := &Results{Page: r.Page, PerPage: r.PerPage, Items: []Hit{}}
	authors, err := m.resolveAuthors(ctx, q.From)
	if err != nil {
		return nil, err
	}
	channels, err := m.searchableChannels(ctx, p.UserID, q.In)
	if err != nil {
		return nil, err
	}
	pl, ok := buildQuery(q, channels, authors, r.Location, m.cfg.FilterTermsMax)
	if !ok {
		return nil, apperr.Malformed("q", "nothing to search for: the query has no letters or digits to look for; type a word or add a filter such as from:@alice").WithCode(apperr.CodeBadQuery)
	}
	if len(channels) == 0 {
		return out, nil // member of nothing (that was asked for): nothing to find
	}

	req := bleve.NewSearchRequestOptions(pl.q, r.PerPage, (r.Page-1)*r.PerPage, false)
	req.Fields = storedFields
	if r.Sort == SortNewest || !pl.hasWords {
		req.SortBy([]string{"-" + fAt, "-_id"})
		req.Score = "none"
	} else {
		// No tie-break on the time: it would read the time of every
		// candidate, which costs more than the scoring itself.
		req.SortBy([]string{"-_score"})
	}
	res, err := m.searchIndex(ctx, req)
	if err != nil {
		return nil, err
	}
	out.Total = res.Total
	for _, h := range res.Hits {
		out.Items = append(out.Items, m.hit(docFromStored(h.Fields), pl.marks))
	}
	return out, nil
}

func (r *Request) normalize() error {
	switch r.Sort {
	case "":
		r.Sort = SortRelevance
	case SortRelevance, SortNewest:
	default:
		return apperr.Invalid("sort", "sort must be %s or %s", SortRelevance, SortNewest)
	}
	if r.Page == 0 {
		r.Page = 1
	}
	if r.PerPage == 0 {
		r.PerPage = 20
	}
	if r.Page < 1 || r.Page > MaxPage {
		return apperr.Invalid("page", "page must be between 1 and %d; narrow the search to see older results", MaxPage)
	}
	if r.PerPage < 1 || r.PerPage > MaxPerPage {
		return apperr.Invalid("per_page", "per_page must be between 1 and %d", MaxPerPage)
	}
	if r.Location == nil {
		r.Location = time.UTC
	}
	return nil
}

func (m *Module) searchIndex(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.cur == nil {
		return nil, apperr.Unavailable("search is not available right now; try again in a moment")
	}
	res, err := m.cur.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// resolveAuthors turns from: usernames into user ids.
func (m *Module) resolveAuthors(ctx context.Context, names []string) ([]string, error) {
	var ids []string
	for _, n := range names {
		id, found, err := m.users.UserByName(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("search: look up user %q: %w", n, err)
		}
		if !found {
			return nil, apperr.Invalid("q", "from:@%s: there is no user with that name", n).WithCode(apperr.CodeUnknownUser)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// searchableChannels returns the channels userID may read now, narrowed
// to those named with in: (if any). A channel named in in: that the user
// cannot read is reported the same way as one that does not exist.
func (m *Module) searchableChannels(ctx context.Context, userID string, in []sq.Place) ([]string, error) {
	readable, err := m.access.ReadableChannels(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("search: readable channels of %s: %w", userID, err)
	}
	if len(in) == 0 {
		return readable, nil
	}
	var chosen []string
	for _, p := range in {
		id, err := m.resolvePlace(ctx, userID, p)
		if err != nil {
			return nil, err
		}
		if slices.Contains(readable, id) && !slices.Contains(chosen, id) {
			chosen = append(chosen, id)
		}
	}
	return chosen, nil
}

func (m *Module) resolvePlace(ctx context.Context, userID string, p sq.Place) (string, error) {
	if !p.DM {
		id, found, err := m.channels.ChannelByName(ctx, userID, p.Name)
		if err != nil {
			return "", fmt.Errorf("search: look up channel %q: %w", p.Name, err)
		}
		if !found {
			return "", apperr.Invalid("q", "in:~%s: you have no channel with that name", p.Name).WithCode(apperr.CodeUnknownChannel)
		}
		return id, nil
	}
	other, found, err := m.users.UserByName(ctx, p.Name)
	if err != nil {
		return "", fmt.Errorf("search: look up user %q: %w", p.Name, err)
	}
	if !found {
		return "", apperr.Invalid("q", "in:@%s: there is no user with that name", p.Name).WithCode(apperr.CodeUnknownUser)
	}
	id, found, err := m.channels.DirectChannel(ctx, userID, other)
	if err != nil {
		return "", fmt.Errorf("search: look up direct messages with %q: %w", p.Name, err)
	}
	if !found {
		return "", apperr.Invalid("q", "in:@%s: you have no direct messages with %s", p.Name, p.Name).WithCode(apperr.CodeUnknownChannel)
	}
	return id, nil
}

func (m *Module) hit(d *doc, mk *marks) Hit {
	h := Hit{
		Kind: d.Kind, ID: d.MessageID, MessageID: d.MessageID, ChannelID: d.ChannelID, ChannelName: d.ChannelName,
		AuthorID: d.AuthorID, AuthorUsername: d.AuthorName, At: d.At, RootID: d.RootID,
	}
	if d.Kind == kindFile {
		h.ID, h.FileID, h.FileName = d.FileID, d.FileID, d.Name
		var matched bool
		if h.Snippet, matched = snippet(analyze.Text, d.Text, mk); !matched || d.Text == "" {
			h.Snippet, _ = snippet(analyze.Name, d.Name, mk)
		}
	} else {
		h.Snippet, _ = snippet(analyze.Text, d.Text, mk)
	}
	h.Link = strings.NewReplacer("{channel}", url.PathEscape(d.ChannelID), "{message}", url.PathEscape(d.MessageID)).Replace(m.cfg.MessageLink)
	return h
}
