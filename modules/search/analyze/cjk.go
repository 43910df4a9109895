package analyze

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// cjkFilter turns runs of adjacent CJK characters into overlapping
// bigrams, one position per bigram: 会议室 -> 会议 议室. A run of one
// character stays a unigram. With unigrams (index mode) each character is
// also indexed on its own, at the position of the bigram it starts (the
// last one at the last bigram's), so a one-character query finds it
// inside a longer run while positions stay the same as in query mode and
// phrases across a CJK run and Latin words line up.
//
// Bleve's cjk_bigram filter gives the trailing unigram a position of its
// own, which shifts every later word by one between index and query.
type cjkFilter struct {
	unigrams bool
}

type cjkChar struct {
	term       []byte
	start, end int
}

func (f *cjkFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in))
	pos := 0
	var run []cjkChar
	flush := func() {
		switch {
		case len(run) == 1:
			pos++
			out = append(out, &analysis.Token{Term: run[0].term, Start: run[0].start, End: run[0].end, Position: pos, Type: analysis.Single})
		case len(run) > 1:
			for i := 0; i+1 < len(run); i++ {
				pos++
				a, b := run[i], run[i+1]
				term := make([]byte, 0, len(a.term)+len(b.term))
				term = append(append(term, a.term...), b.term...)
				out = append(out, &analysis.Token{Term: term, Start: a.start, End: b.end, Position: pos, Type: analysis.Double})
				if f.unigrams {
					out = append(out, &analysis.Token{Term: a.term, Start: a.start, End: a.end, Position: pos, Type: analysis.Single})
					if i+2 == len(run) {
						out = append(out, &analysis.Token{Term: b.term, Start: b.start, End: b.end, Position: pos, Type: analysis.Single})
					}
				}
			}
		}
		run = run[:0]
	}
	for _, t := range in {
		if t.Type != analysis.Ideographic {
			flush()
			pos++
			t.Position = pos
			out = append(out, t)
			continue
		}
		if n := len(run); n > 0 && run[n-1].end != t.Start {
			flush()
		}
		for off := 0; off < len(t.Term); {
			_, size := utf8.DecodeRune(t.Term[off:])
			run = append(run, cjkChar{term: t.Term[off : off+size], start: t.Start + off, end: t.Start + off + size})
			off += size
		}
	}
	flush()
	return out
}
