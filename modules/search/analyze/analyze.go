// Package analyze turns message text into the terms the search index
// stores, for German, English and CJK side by side in one field.
//
// One chain serves every language, because a message does not say which
// language it is in and often mixes several ("Das Meeting im 会议室"):
//
//  1. '_' becomes a space (file names also split on '.'), so "snake_case"
//     and "plan_final.txt" are separate words.
//  2. Unicode word segmentation (UAX #29). Han, Hiragana and Katakana come
//     out one character at a time.
//  3. Full-width Latin and half-width Katakana are folded (ＡＢＣ -> abc),
//     then everything is lower-cased.
//  4. CJK characters are joined into overlapping bigrams (会议室 -> 会议,
//     议室); a lone character stays a unigram, and the index also keeps
//     every character on its own. A CJK word of any length is then found
//     as a phrase of its bigrams (one character: as that character),
//     wherever it sits in a sentence.
//  5. Every other word is reduced to a German stem (German normalisation
//     of ä/ö/ü/ß and "ae"/"oe"/"ue", then the Snowball German stemmer) and
//     to an English stem (umlauts folded, then Snowball English). Both are
//     indexed at the same position when they differ, so "Häuser" finds
//     "Haus", "Straße" finds "Strasse", "meetings" finds "meeting".
//  6. At index time only: German compounds are split against a dictionary
//     of common workplace nouns, and the parts are indexed at the
//     compound's position, so "Besprechung" finds "Projektbesprechung".
//
// The same functions build query terms (without step 6: a compound typed
// in a query must not match its parts alone) and find the words to mark in
// a snippet.
package analyze

import (
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// Names of the analyzers in the index mapping.
const (
	// Text analyzes message bodies and file contents.
	Text = "kontor_text"
	// Name analyzes file names: like Text, but '.' also separates words.
	Name = "kontor_name"
)

// Mode says what the terms are for.
type Mode int

// Modes.
const (
	// Index adds compound parts; it is what the index stores.
	Index Mode = iota
	// Query leaves compounds whole.
	Query
)

// build returns the analyzer chain for a field kind and mode.
func build(separators string, mode Mode) *analysis.DefaultAnalyzer {
	return &analysis.DefaultAnalyzer{
		CharFilters: []analysis.CharFilter{spacer(separators)},
		Tokenizer:   unicode.NewUnicodeTokenizer(),
		TokenFilters: []analysis.TokenFilter{
			cjk.NewCJKWidthFilter(),
			lowercase.NewLowerCaseFilter(),
			// The index also keeps each CJK character on its own, so a
			// one-character word is found inside a longer run; queries
			// of two or more characters use the bigrams only.
			&cjkFilter{unigrams: mode == Index},
			&stemFilter{compounds: mode == Index},
		},
	}
}

var (
	textIndex   = build("_", Index)
	textQuery   = build("_", Query)
	nameIndex   = build("_.", Index)
	nameQuery   = build("_.", Query)
	registerMu  sync.Once
	registerErr error
)

// Register adds the analyzers to Bleve's registry, where index mappings
// find them by name. It is safe to call more than once.
func Register() error {
	registerMu.Do(func() {
		for name, a := range map[string]analysis.Analyzer{Text: textIndex, Name: nameIndex} {
			a := a
			if err := registry.RegisterAnalyzer(name, func(map[string]interface{}, *registry.Cache) (analysis.Analyzer, error) {
				return a, nil
			}); err != nil {
				registerErr = err
				return
			}
		}
	})
	return registerErr
}

// analyzer returns the chain for field analyzer name and mode.
func analyzer(name string, mode Mode) *analysis.DefaultAnalyzer {
	switch {
	case name == Name && mode == Index:
		return nameIndex
	case name == Name:
		return nameQuery
	case mode == Index:
		return textIndex
	default:
		return textQuery
	}
}

// isCJK reports whether t is a CJK character, unigram or bigram.
func isCJK(t *analysis.Token) bool {
	switch t.Type {
	case analysis.Ideographic, analysis.Single, analysis.Double:
		return true
	}
	return false
}

// Token is one word of a text: where it is and the terms it was indexed as.
type Token struct {
	Start, End int      // byte offsets in the original text
	Position   int      // 1-based word position (CJK: one per character)
	Terms      []string // alternatives at this position, first the German stem
	CJK        bool
}

// Tokens analyzes text with the named analyzer (Text or Name) and groups
// the terms by position.
func Tokens(analyzerName, text string, mode Mode) []Token {
	ts := analyzer(analyzerName, mode).Analyze([]byte(text))
	var out []Token
	for _, t := range ts {
		if n := len(out); n > 0 && out[n-1].Position == t.Position {
			last := &out[n-1]
			last.Terms = appendUnique(last.Terms, string(t.Term))
			last.Start, last.End = min(last.Start, t.Start), max(last.End, t.End)
			continue
		}
		out = append(out, Token{Start: t.Start, End: t.End, Position: t.Position, Terms: []string{string(t.Term)}, CJK: isCJK(t)})
	}
	return out
}

// Phrase returns the query terms of text: one entry per position, each
// with its alternatives. A single word gives one position (or several for
// a CJK word, whose bigrams must then appear in order).
func Phrase(analyzerName, text string) [][]string {
	toks := Tokens(analyzerName, text, Query)
	out := make([][]string, len(toks))
	for i, t := range toks {
		out[i] = t.Terms
	}
	return out
}

// Prefixes returns the index-term prefixes that the typed prefix p (the
// part before '*') should match: p normalised, and its stems, so
// "computer*" also finds "computers" (indexed as "comput"). ok is false if
// p is not exactly one word (a CJK run longer than two characters is
// several bigrams; the caller searches it as a word instead).
func Prefixes(p string) (prefixes []string, ok bool) {
	toks := Tokens(Text, p, Query)
	if len(toks) != 1 {
		return nil, false
	}
	t := toks[0]
	out := t.Terms
	if !t.CJK {
		out = appendUnique(out, germanNormalize(strings.ToLower(p[t.Start:t.End])))
	}
	return out, true
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

// spacer is a char filter that turns the given ASCII separators into
// spaces; byte offsets stay the same, so snippets can mark the original.
type spacer string

func (s spacer) Filter(in []byte) []byte {
	var out []byte
	for i, c := range in {
		for j := 0; j < len(s); j++ {
			if c == s[j] {
				if out == nil {
					out = append([]byte(nil), in...)
				}
				out[i] = ' '
			}
		}
	}
	if out == nil {
		return in
	}
	return out
}
