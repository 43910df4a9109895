package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	sq "github.com/kontorhq/kontor/modules/search/query"
)

// Limits of one e-discovery search.
const (
	// MaxDiscoveryOffset bounds paging: deeper pages cost the index more
	// with every page; narrow the search (dates, custodians) instead.
	MaxDiscoveryOffset = 10_000
	MaxDiscoveryLimit  = 200
	MaxDiscoveryIDs    = 200
)

// Orders of e-discovery results.
const (
	DiscoveryNewest    = "newest"
	DiscoveryOldest    = "oldest"
	DiscoveryRelevance = "relevance"
)

// DiscoveryRequest is one e-discovery search. The caller (the compliance
// desk) has checked who asks; this searches everything on the record.
type DiscoveryRequest struct {
	// Query is in the search language (docs/search.md); empty when the
	// filters alone say what to find. in:@name is refused: it names the
	// searcher's own direct messages.
	Query string
	// CustodianIDs: written or shared by any of these people.
	CustodianIDs []string
	// ChannelIDs: in any of these channels or conversations.
	ChannelIDs []string
	// Since (inclusive) and Until (exclusive) bound the time of the
	// version or share; zero: unbounded.
	Since, Until time.Time
	// Kinds: message, file (empty: both).
	Kinds []string
	// States: live, edited, deleted, expired, moderated (empty: all).
	States []string
	// Sort: newest (default), oldest, relevance.
	Sort   string
	Offset int
	Limit  int
	// Location is the zone of the query's before:/after:/on: days (UTC
	// when nil).
	Location *time.Location
}

// DiscoveryResult is a page of an e-discovery search: the journal entries
// found (one per message version or file share), in order.
type DiscoveryResult struct {
	Total uint64
	Seqs  []int64
}

func checkValues(field string, vs, allowed []string) error {
	if len(vs) > len(allowed) {
		return apperr.Invalid(field, "at most %d values", len(allowed))
	}
	for _, v := range vs {
		if !slices.Contains(allowed, v) {
			return apperr.Invalid(field, "%q is not one of %v", v, allowed)
		}
	}
	return nil
}

// Find runs an e-discovery search.
func (x *Discovery) Find(ctx context.Context, r DiscoveryRequest) (DiscoveryResult, error) {
	if r.Sort == "" {
		r.Sort = DiscoveryNewest
	}
	if !slices.Contains([]string{DiscoveryNewest, DiscoveryOldest, DiscoveryRelevance}, r.Sort) {
		return DiscoveryResult{}, apperr.Invalid("sort", "sort must be newest, oldest or relevance")
	}
	if r.Limit == 0 {
		r.Limit = 50
	}
	if r.Limit < 1 || r.Limit > MaxDiscoveryLimit {
		return DiscoveryResult{}, apperr.Invalid("limit", "limit must be between 1 and %d", MaxDiscoveryLimit)
	}
	if r.Offset < 0 || r.Offset > MaxDiscoveryOffset {
		return DiscoveryResult{}, apperr.Invalid("offset", "offset must be between 0 and %d; narrow the search to see further", MaxDiscoveryOffset)
	}
	if len(r.CustodianIDs) > MaxDiscoveryIDs || len(r.ChannelIDs) > MaxDiscoveryIDs {
		return DiscoveryResult{}, apperr.Invalid("filters", "at most %d custodians and %d channels", MaxDiscoveryIDs, MaxDiscoveryIDs)
	}
	if err := checkValues("filters.kinds", r.Kinds, []string{kindMessage, kindFile}); err != nil {
		return DiscoveryResult{}, err
	}
	if err := checkValues("filters.states", r.States, States()); err != nil {
		return DiscoveryResult{}, err
	}
	if !r.Since.IsZero() && !r.Until.IsZero() && !r.Since.Before(r.Until) {
		return DiscoveryResult{}, apperr.Invalid("filters.until", "until must be later than since").WithCode(apperr.CodeBadTimeRange)
	}
	if r.Location == nil {
		r.Location = time.UTC
	}
	q, hasWords, err := x.buildDiscovery(ctx, r)
	if err != nil {
		return DiscoveryResult{}, err
	}
	req := bleve.NewSearchRequestOptions(q, r.Limit, r.Offset, false)
	switch {
	case r.Sort == DiscoveryRelevance && hasWords:
		req.SortBy([]string{"-_score", "-" + dAt})
	case r.Sort == DiscoveryOldest:
		req.SortBy([]string{dAt, "_id"})
		req.Score = "none"
	default:
		req.SortBy([]string{"-" + dAt, "-_id"})
		req.Score = "none"
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.cur == nil {
		return DiscoveryResult{}, apperr.Unavailable("e-discovery is not available right now; try again in a moment")
	}
	res, err := x.cur.idx.SearchInContext(ctx, req)
	if err != nil {
		return DiscoveryResult{}, fmt.Errorf("e-discovery search: %w", err)
	}
	out := DiscoveryResult{Total: res.Total, Seqs: make([]int64, 0, len(res.Hits))}
	for _, h := range res.Hits {
		if s, ok := seqOfDocID(h.ID); ok {
			out.Seqs = append(out.Seqs, s)
		}
	}
	return out, nil
}

// buildDiscovery turns the request into an index query; every part is a
// conjunction (the query's own from:/in: and the request's filters both
// have to hold).
func (x *Discovery) buildDiscovery(ctx context.Context, r DiscoveryRequest) (query.Query, bool, error) {
	var must, mustNot, filter []query.Query
	parsed := &sq.Query{}
	if r.Query != "" {
		p, err := sq.Parse(r.Query)
		if err != nil {
			var qe *sq.Error
			if errors.As(err, &qe) {
				return nil, false, apperr.Malformed("query", "%s", qe.Message).WithCode(apperr.CodeBadQuery)
			}
			return nil, false, err
		}
		parsed = p
	}
	for _, w := range parsed.Words {
		if wq := wordQuery(w, nil); wq != nil {
			must = append(must, wq)
		}
	}
	for _, w := range parsed.Excluded {
		if wq := wordQuery(w, nil); wq != nil {
			mustNot = append(mustNot, wq)
		}
	}
	if len(parsed.From) > 0 {
		var authors []string
		for _, n := range parsed.From {
			id, found, err := x.users.UserByName(ctx, n)
			if err != nil {
				return nil, false, fmt.Errorf("e-discovery: look up user %q: %w", n, err)
			}
			if !found {
				return nil, false, apperr.Invalid("query", "from:@%s: there is no user with that name", n).WithCode(apperr.CodeUnknownUser)
			}
			authors = append(authors, id)
		}
		filter = append(filter, anyTerm(dAuthorID, authors))
	}
	if len(parsed.In) > 0 {
		var chans []string
		for _, p := range parsed.In {
			if p.DM {
				return nil, false, apperr.Invalid("query", "in:@%s names your own direct messages; on the compliance desk, filter by custodian or channel instead", p.Name).WithCode(apperr.CodeBadQuery)
			}
			ids, err := x.channels.ChannelIDsNamed(ctx, p.Name)
			if err != nil {
				return nil, false, fmt.Errorf("e-discovery: look up channel %q: %w", p.Name, err)
			}
			if len(ids) == 0 {
				return nil, false, apperr.Invalid("query", "in:~%s: there is no channel with that name", p.Name).WithCode(apperr.CodeUnknownChannel)
			}
			chans = append(chans, ids...)
		}
		filter = append(filter, anyTerm(dChannelID, chans))
	}
	if parsed.Since != nil || parsed.Until != nil {
		var start, end time.Time
		if parsed.Since != nil {
			start = clampTime(parsed.Since.In(r.Location))
		}
		if parsed.Until != nil {
			end = clampTime(parsed.Until.In(r.Location))
		}
		filter = append(filter, timeRange(start, end))
	}
	if parsed.HasFile {
		filter = append(filter, flag(dHasFile))
	}
	if parsed.HasLink {
		filter = append(filter, flag(dHasLink))
	}
	if parsed.IsThread {
		filter = append(filter, flag(dInThread))
	}
	if len(r.CustodianIDs) > 0 {
		filter = append(filter, anyTerm(dAuthorID, r.CustodianIDs))
	}
	if len(r.ChannelIDs) > 0 {
		filter = append(filter, anyTerm(dChannelID, r.ChannelIDs))
	}
	if !r.Since.IsZero() || !r.Until.IsZero() {
		var start, end time.Time
		if !r.Since.IsZero() {
			start = clampTime(r.Since)
		}
		if !r.Until.IsZero() {
			end = clampTime(r.Until)
		}
		filter = append(filter, timeRange(start, end))
	}
	if len(r.Kinds) > 0 {
		filter = append(filter, anyTerm(dKind, r.Kinds))
	}
	if len(r.States) > 0 {
		filter = append(filter, anyTerm(dState, r.States))
	}
	if len(must) == 0 && len(filter) == 0 {
		if r.Query != "" {
			return nil, false, apperr.Malformed("query", "nothing to search for: the query has no letters or digits to look for; type a word or add a filter").WithCode(apperr.CodeBadQuery)
		}
		return nil, false, apperr.Malformed("query", "nothing to search for: type a query or choose a custodian, channel, time, kind or state").WithCode(apperr.CodeBadQuery)
	}
	bq := query.NewBooleanQuery(nil, nil, nil)
	if c := conjunction(must); c != nil {
		bq.AddMust(c)
	}
	if len(mustNot) > 0 {
		bq.AddMustNot(mustNot...)
	}
	if f := conjunction(filter); f != nil {
		bq.AddFilter(f)
	}
	return bq, len(must) > 0, nil
}

func timeRange(start, end time.Time) query.Query {
	inclusive, exclusive := true, false
	dq := query.NewDateRangeInclusiveQuery(start, end, &inclusive, &exclusive)
	dq.SetField(dAt)
	return dq
}
