package analyze

import (
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/german"
	"golang.org/x/text/unicode/norm"
)

// stemFilter replaces each non-CJK token by its German stem and adds the
// English stem (and, with compounds, the stems of dictionary words inside
// it) at the same position. Numbers pass unchanged.
type stemFilter struct {
	compounds bool
}

func (f *stemFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in)+len(in)/2)
	for _, t := range in {
		if isCJK(t) || t.Type == analysis.Numeric {
			out = append(out, t)
			continue
		}
		word := string(t.Term)
		deStem := germanStem(word)
		t.Term = []byte(deStem)
		out = append(out, t)
		if en := englishStem(word); en != deStem {
			out = append(out, sibling(t, en))
		}
		if f.compounds {
			for _, part := range compoundParts(germanNormalize(word)) {
				if s := germanStemNormalized(part); s != deStem {
					out = append(out, sibling(t, s))
				}
			}
		}
	}
	return out
}

func sibling(t *analysis.Token, term string) *analysis.Token {
	c := *t
	c.Term = []byte(term)
	return &c
}

// germanNormalize lower-cases are done before; this folds ä/ö/ü/ß and the
// "ae"/"oe"/"ue" spellings (Bleve's German normalisation), then strips any
// other diacritics (é -> e).
func germanNormalize(w string) string {
	ts := germanNormalizer.Filter(analysis.TokenStream{{Term: []byte(w)}})
	return stripMarks(string(ts[0].Term))
}

func germanStem(w string) string { return germanStemNormalized(germanNormalize(w)) }

func germanStemNormalized(n string) string {
	env := snowballstem.NewEnv(n)
	german.Stem(env)
	return env.Current()
}

// englishStem folds umlauts without German "ue" rules (which would turn
// "issues" into "issus"), then applies Snowball English.
func englishStem(w string) string {
	env := snowballstem.NewEnv(stripMarks(umlautFold(w)))
	english.Stem(env)
	return env.Current()
}

// germanNormalizer keeps no state between calls.
var germanNormalizer = de.NewGermanNormalizeFilter()

var umlauts = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss")

func umlautFold(w string) string { return umlauts.Replace(w) }

// stripMarks removes combining marks after canonical decomposition, so
// "café" and "cafe" are the same term. ASCII passes through untouched.
func stripMarks(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	d := norm.NFD.String(w)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if r >= 0x300 && r <= 0x36f { // combining diacritical marks
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
