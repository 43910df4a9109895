package query

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) *Date { return &Date{y, m, d} }

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want Query
	}{
		{"words", "budget  report", Query{Words: []Word{{Text: "budget"}, {Text: "report"}}}},
		{"phrase", `"exact phrase" plan`, Query{Words: []Word{{Text: "exact phrase", Phrase: true}, {Text: "plan"}}}},
		{"german quotes", `„Projekt Alpha“`, Query{Words: []Word{{Text: "Projekt Alpha", Phrase: true}}}},
		{"english curly quotes", `“next steps”`, Query{Words: []Word{{Text: "next steps", Phrase: true}}}},
		{"phrase glued to a word", `plan"Q3 budget"`, Query{Words: []Word{{Text: "plan"}, {Text: "Q3 budget", Phrase: true}}}},
		{"excluded word and phrase", `budget -draft -"old plan"`, Query{Words: []Word{{Text: "budget"}}, Excluded: []Word{{Text: "draft"}, {Text: "old plan", Phrase: true}}}},
		{"prefix", "comp*", Query{Words: []Word{{Text: "comp", Prefix: true}}}},
		{"excluded prefix", "report -draf*", Query{Words: []Word{{Text: "report"}}, Excluded: []Word{{Text: "draf", Prefix: true}}}},
		{"cjk prefix of one character", "会*", Query{Words: []Word{{Text: "会", Prefix: true}}}},
		{"chinese word", "会议室", Query{Words: []Word{{Text: "会议室"}}}},
		{"from with and without @", "from:@alice from:bob", Query{From: []string{"alice", "bob"}}},
		{"operator keys are case-insensitive", "FROM:@alice", Query{From: []string{"alice"}}},
		{"in channel", "in:~general in:#random in:dev", Query{In: []Place{{Name: "general"}, {Name: "random"}, {Name: "dev"}}}},
		{"in dm", "in:@bob", Query{In: []Place{{Name: "bob", DM: true}}}},
		{"before", "x before:2026-11-01", Query{Words: []Word{{Text: "x"}}, Until: day(2026, 11, 1)}},
		{"after excludes the day", "x after:2026-11-01", Query{Words: []Word{{Text: "x"}}, Since: day(2026, 11, 2)}},
		{"on", "x on:2026-02-28", Query{Words: []Word{{Text: "x"}}, Since: day(2026, 2, 28), Until: day(2026, 3, 1)}},
		{"leap day", "x on:2028-02-29", Query{Words: []Word{{Text: "x"}}, Since: day(2028, 2, 29), Until: day(2028, 3, 1)}},
		{"after and before", "after:2026-01-01 before:2026-02-01", Query{Since: day(2026, 1, 2), Until: day(2026, 2, 1)}},
		{"on within after", "after:2026-01-01 on:2026-01-05", Query{Since: day(2026, 1, 5), Until: day(2026, 1, 6)}},
		{"has and is", "has:file has:link is:thread", Query{HasFile: true, HasLink: true, IsThread: true}},
		{"operators alone are a search", "in:~general has:file", Query{In: []Place{{Name: "general"}}, HasFile: true}},
		{"colon without value is a word", "Hinweis: Termin", Query{Words: []Word{{Text: "Hinweis:"}, {Text: "Termin"}}}},
		{"times and urls are words", "12:30 https://example.com/a", Query{Words: []Word{{Text: "12:30"}, {Text: "https://example.com/a"}}}},
		{"leading plus is dropped", "+budget", Query{Words: []Word{{Text: "budget"}}}},
		{"empty phrase is ignored", `"" plan`, Query{Words: []Word{{Text: "plan"}}}},
		{"injection in quotes is text", `"+channel_id:*"`, Query{Words: []Word{{Text: "+channel_id:*", Phrase: true}}}},
		{"bleve syntax characters are words", `title^5 a~2`, Query{Words: []Word{{Text: "title^5"}, {Text: "a~2"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tc.in, *got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string // part of the message
	}{
		{"empty", "", "nothing to search for"},
		{"blank", "   \t ", "nothing to search for"},
		{"only empty phrase", `""`, "nothing to search for"},
		{"only exclusions", "-draft -old", "only leaves words out"},
		{"unbalanced quote", `budget "next steps`, "unbalanced quotation mark: the phrase that starts at character 8"},
		{"unbalanced german quote", `„Projekt`, "unbalanced quotation mark"},
		{"unbalanced excluded phrase", `x -"old`, "unbalanced quotation mark"},
		{"unknown operator", "foo:bar", "unknown operator foo:"},
		{"field injection", "+channel_id:*", "unknown operator channel_id:"},
		{"internal field", "author_id:u1", "unknown operator author_id:"},
		{"excluded operator", "-from:@alice", "operators cannot be excluded"},
		{"from without name", "from:@", "name a person after from:"},
		{"in without name", "in:~", "name a channel or a person"},
		{"in dm without name", "in:@", "name a channel or a person"},
		{"operators without values", "from: in:", "from: needs a value, as in from:@alice"},
		{"date operator without value", "x before:", "before: needs a value, as in before:2026-11-01"},
		{"has without value", "x has:", "has: needs a value, as in has:file"},
		{"impossible date", "before:2026-02-30", "there is no such day"},
		{"month 13", "on:2026-13-01", "there is no such day"},
		{"wrong date format", "after:1.11.2026", "write the date as YYYY-MM-DD"},
		{"short date", "on:2026-1-1", "write the date as YYYY-MM-DD"},
		{"date twice", "before:2026-01-01 before:2026-02-01", "before: is given twice"},
		{"empty range", "after:2026-02-01 before:2026-02-01", "no day matches after:2026-02-01 before:2026-02-01"},
		{"on outside before", "on:2026-03-01 before:2026-02-01", "no day matches"},
		{"unknown has", "has:picture", "has: knows has:file and has:link"},
		{"unknown is", "is:pinned", "is: knows is:thread"},
		{"bare star", "*", "put at least 2 letters before *"},
		{"one letter prefix", "a*", "put at least 2 letters before *"},
		{"star inside", "co*er", "* works only at the end"},
		{"leading star", "*port", "* works only at the end"},
		{"too long", strings.Repeat("a", 10000), "10000 characters long; at most 1000"},
		{"too many words", strings.Repeat("w ", MaxParts+1), "more than 50 words"},
		{"invalid utf-8", "caf\xe9", "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error containing %q", tc.in, q, tc.want)
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q): error is %T, want *Error", tc.in, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q): %q does not contain %q", tc.in, err, tc.want)
			}
		})
	}
}
