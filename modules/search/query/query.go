// Package query parses the search language people know from Slack and
// Mattermost into a plain structure. It knows nothing about the index: the
// search module turns the structure into index queries, so nothing a person
// types ever reaches the index's own query syntax.
//
//	budget report                 both words (forms of them: "reports" too)
//	"exact phrase"                the words in this order („…“ and “…” work too)
//	-draft  -"old plan"           leave out messages with this word or phrase
//	comp*                         words starting with "comp"
//	from:@alice  from:alice       written by alice (several: any of them)
//	in:~general  in:general       in the channel general (several: any of them)
//	in:@bob                       in my direct messages with bob
//	before:2026-11-01             posted before that day
//	after:2026-11-01              posted after that day
//	on:2026-11-01                 posted on that day
//	has:file  has:link            with an attachment / a link
//	is:thread                     part of a thread
package query

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a query may contain.
const (
	MaxRunes = 1000 // characters in the whole query
	MaxParts = 50   // words, phrases and operators
	// MinPrefix is the number of letters needed before '*' (one CJK
	// character is enough): "a*" would expand to most of the dictionary.
	MinPrefix = 2
)

// Word is a word, prefix or phrase to look for (or to leave out).
type Word struct {
	Text   string // as typed, without quotes, '-' or '*'
	Phrase bool   // typed in quotes
	Prefix bool   // typed with a trailing '*'
}

// Place is an in: operator's target.
type Place struct {
	Name string // without the ~, # or @
	DM   bool   // in:@name: the direct messages with that person
}

// Date is a calendar day, without a time zone: the caller decides which
// zone the day is in.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// In returns the start of the day in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

func (d Date) next() Date {
	t := time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

func (d Date) before(o Date) bool {
	return d.In(time.UTC).Before(o.In(time.UTC))
}

// Query is a parsed search.
type Query struct {
	Words    []Word
	Excluded []Word
	From     []string // usernames, without '@'
	In       []Place
	// Since and Until bound the days: posted on or after Since and before
	// Until (both nil: any time). before:, after: and on: set them.
	Since, Until *Date
	HasFile      bool
	HasLink      bool
	IsThread     bool
}

// Filtered reports whether any operator narrows the search.
func (q *Query) Filtered() bool {
	return len(q.From) > 0 || len(q.In) > 0 || q.Since != nil || q.Until != nil || q.HasFile || q.HasLink || q.IsThread
}

// Error says what is wrong with a query, in words for the person who typed it.
type Error struct {
	Message string
}

func (e *Error) Error() string { return e.Message }

func errorf(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

var known = map[string]bool{"from": true, "in": true, "before": true, "after": true, "on": true, "has": true, "is": true}

// operators lists the known operators with an example, for messages.
var operators = []string{"from:@alice", "in:~channel", "in:@bob", "before:2026-11-01", "after:2026-11-01", "on:2026-11-01", "has:file", "has:link", "is:thread"}

// isQuote reports whether r opens or closes a phrase: straight quotes and
// the typographic ones German and English keyboards produce.
func isQuote(r rune) bool {
	switch r {
	case '"', '„', '“', '”', '«', '»':
		return true
	}
	return false
}

// Parse parses s. An empty or blank query is an error, as is a query with
// nothing to look for (only exclusions). Operators alone are a valid
// search ("from:@alice" lists alice's messages).
func Parse(s string) (*Query, error) {
	if n := utf8.RuneCountInString(s); n > MaxRunes {
		return nil, errorf("the query is %d characters long; at most %d are allowed", n, MaxRunes)
	}
	if !utf8.ValidString(s) {
		return nil, errorf("the query is not valid UTF-8 text")
	}
	var b builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case isQuote(r) || (r == '-' && i+1 < len(rs) && isQuote(rs[i+1])):
			excluded := r == '-'
			if excluded {
				i++
			}
			start := i
			j := i + 1
			for j < len(rs) && !isQuote(rs[j]) {
				j++
			}
			if j == len(rs) {
				return nil, errorf("unbalanced quotation mark: the phrase that starts at character %d is not closed; add a closing \" or remove the opening one", start+1)
			}
			if err := b.phrase(string(rs[i+1:j]), excluded); err != nil {
				return nil, err
			}
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !isQuote(rs[j]) {
				j++
			}
			if err := b.token(string(rs[i:j])); err != nil {
				return nil, err
			}
			i = j
		}
	}
	return b.finish()
}

type builder struct {
	q                 Query
	parts             int
	before, after, on *Date
}

func (b *builder) count() error {
	b.parts++
	if b.parts > MaxParts {
		return errorf("the query has more than %d words and operators; shorten it", MaxParts)
	}
	return nil
}

func (b *builder) phrase(text string, excluded bool) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil // "" finds nothing and excludes nothing
	}
	if err := b.count(); err != nil {
		return err
	}
	w := Word{Text: text, Phrase: true}
	if excluded {
		b.q.Excluded = append(b.q.Excluded, w)
	} else {
		b.q.Words = append(b.q.Words, w)
	}
	return nil
}

func (b *builder) token(tok string) error {
	// '+' means "required" in some search engines; every word is required here.
	tok = strings.TrimLeft(tok, "+")
	excluded := false
	if strings.HasPrefix(tok, "-") {
		excluded = true
		tok = strings.TrimLeft(tok, "-")
	}
	if tok == "" {
		return nil
	}
	if key, val, ok := operator(tok); ok {
		if excluded {
			return errorf("-%s: operators cannot be excluded; only words and phrases can", tok)
		}
		if err := b.count(); err != nil {
			return err
		}
		return b.operator(strings.ToLower(key), val, tok)
	}
	if err := b.count(); err != nil {
		return err
	}
	w := Word{Text: tok}
	if strings.HasSuffix(tok, "*") {
		w.Text = strings.TrimRight(tok, "*")
		w.Prefix = true
		if !prefixLongEnough(w.Text) {
			return errorf("%s: put at least %d letters before * (one is enough for Chinese or Japanese)", tok, MinPrefix)
		}
	}
	if strings.Contains(w.Text, "*") {
		return errorf("%s: * works only at the end of a word, as in comp*", tok)
	}
	if excluded {
		b.q.Excluded = append(b.q.Excluded, w)
	} else {
		b.q.Words = append(b.q.Words, w)
	}
	return nil
}

// operator splits tok into key and value if it has the shape of an
// operator. "Hinweis:" (nothing after the colon), "12:30" and
// "https://..." are words, not operators.
func operator(tok string) (key, val string, ok bool) {
	key, val, found := strings.Cut(tok, ":")
	if !found || key == "" || strings.HasPrefix(val, "/") {
		return "", "", false
	}
	if val == "" && !known[strings.ToLower(key)] {
		return "", "", false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			return "", "", false
		}
	}
	return key, val, true
}

func (b *builder) operator(key, val, tok string) error {
	if val == "" && known[key] {
		return errorf("%s needs a value, as in %s", tok, example(key))
	}
	switch key {
	case "from":
		name := strings.TrimPrefix(val, "@")
		if name == "" {
			return errorf("%s: name a person after from:, as in from:@alice", tok)
		}
		b.q.From = append(b.q.From, name)
	case "in":
		p := Place{Name: val}
		switch {
		case strings.HasPrefix(val, "@"):
			p = Place{Name: val[1:], DM: true}
		case strings.HasPrefix(val, "~"), strings.HasPrefix(val, "#"):
			p.Name = val[1:]
		}
		if p.Name == "" {
			return errorf("%s: name a channel or a person after in:, as in in:~general or in:@bob", tok)
		}
		b.q.In = append(b.q.In, p)
	case "before", "after", "on":
		d, err := parseDate(key, val)
		if err != nil {
			return err
		}
		slot := map[string]**Date{"before": &b.before, "after": &b.after, "on": &b.on}[key]
		if *slot != nil {
			return errorf("%s: is given twice; keep one", key)
		}
		*slot = &d
	case "has":
		switch strings.ToLower(val) {
		case "file", "files", "attachment":
			b.q.HasFile = true
		case "link", "links":
			b.q.HasLink = true
		default:
			return errorf("%s: has: knows has:file and has:link", tok)
		}
	case "is":
		switch strings.ToLower(val) {
		case "thread":
			b.q.IsThread = true
		default:
			return errorf("%s: is: knows is:thread", tok)
		}
	default:
		return errorf("%s: unknown operator %s:; known are %s. To search for the text itself, put it in quotes: \"%s\"",
			tok, key, strings.Join(operators, ", "), tok)
	}
	return nil
}

// example returns the example of operator key from operators.
func example(key string) string {
	for _, o := range operators {
		if strings.HasPrefix(o, key+":") {
			return o
		}
	}
	return key + ":"
}

func parseDate(key, val string) (Date, error) {
	if len(val) != 10 || val[4] != '-' || val[7] != '-' {
		return Date{}, errorf("%s:%s: write the date as YYYY-MM-DD, as in %s:2026-11-01", key, val, key)
	}
	t, err := time.Parse("2006-01-02", val)
	if err != nil {
		return Date{}, errorf("%s:%s: there is no such day; write an existing date as YYYY-MM-DD", key, val)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// prefixLongEnough reports whether p has MinPrefix letters or digits, or
// one CJK character.
func prefixLongEnough(p string) bool {
	n := 0
	for _, r := range p {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n >= MinPrefix
}

func (b *builder) finish() (*Query, error) {
	q := &b.q
	// Turn before:/after:/on: into one half-open range of days.
	if b.on != nil {
		since, until := *b.on, b.on.next()
		q.Since, q.Until = &since, &until
	}
	if b.after != nil {
		since := b.after.next() // after: excludes the day itself
		if q.Since == nil || q.Since.before(since) {
			q.Since = &since
		}
	}
	if b.before != nil {
		until := *b.before
		if q.Until == nil || until.before(*q.Until) {
			q.Until = &until
		}
	}
	if q.Since != nil && q.Until != nil && !q.Since.before(*q.Until) {
		return nil, errorf("no day matches %s: check the before:, after: and on: dates", strings.Join(b.dateOps(), " "))
	}
	if len(q.Words) == 0 && !q.Filtered() {
		if len(q.Excluded) > 0 {
			return nil, errorf("the query only leaves words out; add a word to look for or a filter such as in:~channel")
		}
		return nil, errorf("nothing to search for: type a word, a \"phrase\" or a filter such as from:@alice")
	}
	return q, nil
}

func (b *builder) dateOps() []string {
	var out []string
	for _, x := range []struct {
		k string
		d *Date
	}{{"after", b.after}, {"on", b.on}, {"before", b.before}} {
		if x.d != nil {
			out = append(out, x.k+":"+x.d.String())
		}
	}
	return out
}
