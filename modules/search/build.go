package search

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/kontorhq/kontor/modules/search/analyze"
	sq "github.com/kontorhq/kontor/modules/search/query"
)

// marks collects what a snippet should highlight: the index terms the
// query looked for, and the prefixes.
type marks struct {
	terms    map[string]bool
	prefixes []string
}

// textFields are the fields words are looked for in, with their analyzers.
var textFields = []struct{ field, analyzer string }{{fText, analyze.Text}, {fName, analyze.Name}}

// wordQuery builds the index query for one word, prefix or phrase: it
// matches in the text or in the file name. It returns nil if the word has
// nothing searchable in it (punctuation only).
func wordQuery(w sq.Word, mk *marks) query.Query {
	var alts []query.Query
	if w.Prefix {
		if ps, ok := analyze.Prefixes(w.Text); ok {
			for _, f := range textFields {
				for _, p := range ps {
					if utf8.RuneCountInString(p) < 2 && !isCJKRune(p) {
						continue
					}
					pq := query.NewPrefixQuery(p)
					pq.SetField(f.field)
					alts = append(alts, pq)
				}
			}
			if mk != nil {
				mk.prefixes = append(mk.prefixes, ps...)
			}
			return disjunction(alts)
		}
		// Several CJK characters: bigrams, searched as the word itself.
	}
	for _, f := range textFields {
		phrase := analyze.Phrase(f.analyzer, w.Text)
		if len(phrase) == 0 {
			continue
		}
		if mk != nil {
			for _, alt := range phrase {
				for _, t := range alt {
					mk.terms[t] = true
				}
			}
		}
		if len(phrase) == 1 {
			for _, t := range phrase[0] {
				alts = append(alts, termQ(f.field, t))
			}
			continue
		}
		alts = append(alts, query.NewMultiPhraseQuery(phrase, f.field))
	}
	return disjunction(alts)
}

func isCJKRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r >= 0x2E80
}

func disjunction(qs []query.Query) query.Query {
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

func conjunction(qs []query.Query) query.Query {
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// plan is a parsed query turned into an index query.
type plan struct {
	q        query.Query
	marks    *marks
	hasWords bool // something to score by relevance
}

// buildQuery turns the parsed query into an index query. channels (the
// readable channels, narrowed by in:) must not be empty; authors are the
// ids from from:. Words must all match; excluded words must not; the
// rest filters without touching the score. It returns ok=false if the
// query has neither a searchable word nor a filter.
//
// The permission filter takes one of two shapes, both of which only let
// through documents whose channel is in channels:
//   - up to termsMax channels: a disjunction of channel-id terms, which the
//     index evaluates as a union of posting bitmaps. Its cost grows with
//     the number of channels (each term is looked up in every segment).
//   - more: every candidate that matched the rest of the query is checked
//     against the set of channels through the channel id's doc values. Its
//     cost grows with the number of candidates, not of channels.
//
// docs/benchmarks.md has the measurements behind the default threshold.
func buildQuery(q *sq.Query, channels, authors []string, loc *time.Location, termsMax int) (plan, bool) {
	mk := &marks{terms: map[string]bool{}}
	var must, mustNot, filter []query.Query
	for _, w := range q.Words {
		if wq := wordQuery(w, mk); wq != nil {
			must = append(must, wq)
		}
	}
	for _, w := range q.Excluded {
		if wq := wordQuery(w, nil); wq != nil {
			mustNot = append(mustNot, wq)
		}
	}
	if len(must) == 0 && !q.Filtered() {
		return plan{}, false
	}
	if len(channels) <= termsMax {
		filter = append(filter, anyTerm(fChannelID, channels))
	}
	if len(authors) > 0 {
		filter = append(filter, anyTerm(fAuthorID, authors))
	}
	if q.Since != nil || q.Until != nil {
		var start, end time.Time
		var inclusive = true
		if q.Since != nil {
			start = clampTime(q.Since.In(loc))
		}
		if q.Until != nil {
			end = clampTime(q.Until.In(loc))
		}
		exclusive := false
		dq := query.NewDateRangeInclusiveQuery(start, end, &inclusive, &exclusive)
		dq.SetField(fAt)
		filter = append(filter, dq)
	}
	if q.HasFile {
		filter = append(filter, flag(fHasFile))
	}
	if q.HasLink {
		filter = append(filter, flag(fHasLink))
	}
	if q.IsThread {
		filter = append(filter, flag(fInThread))
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
	var top query.Query = bq
	if len(must) == 0 && len(mustNot) == 0 && len(filter) == 0 {
		top = query.NewMatchAllQuery() // an empty boolean query matches nothing
	}
	if len(channels) > termsMax {
		top = channelSetFilter(top, channels)
	}
	return plan{q: top, marks: mk, hasWords: len(must) > 0}, true
}

// channelSetFilter keeps the hits of q whose channel is in channels. A
// document without a channel id doc value is dropped: the check fails
// closed.
func channelSetFilter(q query.Query, channels []string) query.Query {
	allowed := make(map[string]struct{}, len(channels))
	for _, c := range channels {
		allowed[c] = struct{}{}
	}
	return query.NewCustomFilterQueryWithFilter(q, func(_ context.Context, d *search.DocumentMatch) (bool, error) {
		c, ok := d.Fields[fChannelID].(string)
		if !ok {
			return false, nil
		}
		_, ok = allowed[c]
		return ok, nil
	}, []string{fChannelID}, nil)
}

func anyTerm(field string, values []string) query.Query {
	qs := make([]query.Query, len(values))
	for i, v := range values {
		qs[i] = termQ(field, v)
	}
	return disjunction(qs)
}

func flag(field string) query.Query {
	q := query.NewBoolFieldQuery(true)
	q.SetField(field)
	return q
}

// The index stores times as nanoseconds since 1970; dates typed outside
// what that holds are moved to its ends (no message is older or newer).
var (
	earliest = time.Unix(0, 0).UTC()
	latest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(earliest):
		return earliest
	case t.After(latest):
		return latest
	}
	return t
}
