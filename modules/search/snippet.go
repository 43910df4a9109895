package search

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/kontorhq/kontor/modules/search/analyze"
)

// Snippet sizes, in bytes of the original text.
const (
	snippetBefore = 80  // context before the first match
	snippetLen    = 300 // whole snippet
	// snippetScan bounds how much of a long text (a file) is analysed to
	// find the match; beyond it the snippet shows the beginning.
	snippetScan = 64 << 10
)

// snippet returns an HTML-safe excerpt of text around the first word the
// query matched: the text is escaped and matched words are wrapped in
// <mark>...</mark>, nothing else. matched says whether any word is marked.
func snippet(analyzerName, text string, mk *marks) (out string, matched bool) {
	scan := text
	if len(scan) > snippetScan {
		scan = cleanText(scan, snippetScan)
	}
	var spans [][2]int
	for _, t := range analyze.Tokens(analyzerName, scan, analyze.Index) {
		if mk.hit(t.Terms) {
			if n := len(spans); n > 0 && t.Start <= spans[n-1][1] {
				spans[n-1][1] = max(spans[n-1][1], t.End) // overlapping CJK bigrams
				continue
			}
			spans = append(spans, [2]int{t.Start, t.End})
		}
	}
	start := 0
	if len(spans) > 0 {
		start = max(0, spans[0][0]-snippetBefore)
	}
	start = wordStart(text, start)
	end := min(len(text), start+snippetLen)
	if len(spans) > 0 && spans[0][1] > end {
		end = spans[0][1]
	}
	end = wordEnd(text, end)

	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, sp := range spans {
		if sp[0] < pos || sp[1] > end {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:sp[0]]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[sp[0]:sp[1]]))
		b.WriteString("</mark>")
		pos = sp[1]
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String(), len(spans) > 0
}

func (mk *marks) hit(terms []string) bool {
	for _, t := range terms {
		if mk.terms[t] {
			return true
		}
		for _, p := range mk.prefixes {
			if strings.HasPrefix(t, p) {
				return true
			}
		}
	}
	return false
}

// wordStart moves i back to a character boundary and, if a space is near,
// to the start of the word, so a snippet does not begin mid-word.
func wordStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	for j := i; j > 0 && i-j < 20; j-- {
		if s[j-1] == ' ' || s[j-1] == '\n' {
			return j
		}
	}
	return i
}

// wordEnd moves i forward to a character boundary and, if a space is
// near, to the end of the word.
func wordEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	for j := i; j < len(s) && j-i < 20; j++ {
		if s[j] == ' ' || s[j] == '\n' {
			return j
		}
	}
	return i
}
