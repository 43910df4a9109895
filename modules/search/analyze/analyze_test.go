package analyze

import (
	"slices"
	"strings"
	"testing"
)

// finds reports whether the query text, analysed as a query, matches the
// document text, analysed for the index: every query position must have
// an alternative at consecutive document positions (a phrase; one word is
// a phrase of one position, a CJK word a phrase of its bigrams).
func finds(field, query, text string) bool {
	q := Phrase(field, query)
	if len(q) == 0 {
		return false
	}
	doc := Tokens(field, text, Index)
	for start := range doc {
		ok := true
		for i, alts := range q {
			j := start + i
			if j >= len(doc) || doc[j].Position != doc[start].Position+i || !overlaps(alts, doc[j].Terms) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func TestLanguages(t *testing.T) {
	const (
		de    = "Die Häuser an der Straße: morgen ist die Projektbesprechung mit den Kunden, bitte die Verträge mitbringen."
		en    = "The computers were running all night; Alice's issues are fixed and the meetings moved."
		zh    = "我们明天在会议室讨论项目计划。"
		ja    = "会議は明日の午後です。コンピュータを持ってきてください。"
		mixed = "Das Meeting im 会议室 beginnt um 10 Uhr, see the ＡＢＣ notes at the café"
	)
	for _, tc := range []struct {
		name, query, text string
		want              bool
	}{
		// German: plural, umlaut, ß, compounds.
		{"singular finds plural with umlaut", "Haus", de, true},
		{"plural finds singular", "Häuser", "Das Haus ist neu.", true},
		{"umlaut typed as ae", "Haeuser", de, true},
		{"umlaut typed without dots", "Hauser", de, true},
		{"ß typed as ss", "Strasse", de, true},
		{"ss finds ß", "Straße", "Die Strasse ist gesperrt.", true},
		{"plural ending", "Vertrag", de, true},
		{"dative plural", "Kunde", de, true},
		{"word inside a compound", "Besprechung", de, true},
		{"plural of a word inside a compound", "Besprechungen", de, true},
		{"first part of a compound", "Projekt", de, true},
		{"compound with linking s", "Nummer", "Bitte die Rechnungsnummer angeben.", true},
		{"a compound does not match its parts alone", "Projektbesprechung", "Besprechung im Projekt", false},
		{"verb and noun share a stem", "besprechen", de, true},
		{"unrelated German word", "Garten", de, false},
		// English.
		{"plural", "computer", en, true},
		{"ing form", "run", en, true},
		{"plural finds singular", "meeting", en, true},
		{"possessive", "Alice", en, true},
		{"past tense", "fix", en, true},
		{"issue", "issue", en, true},
		{"unrelated English word", "printer", en, false},
		// Chinese: words inside a sentence without spaces.
		{"two-character word", "会议", zh, true},
		{"three-character word", "会议室", zh, true},
		{"four characters across words", "项目计划", zh, true},
		{"characters out of order", "计划项目", zh, false},
		{"characters not adjacent", "会室", zh, false},
		{"single character", "室", zh, true},
		// Japanese.
		{"kanji word", "会議", ja, true},
		{"katakana word", "コンピュータ", ja, true},
		{"hiragana word", "ください", ja, true},
		{"kanji not in text", "会社", ja, false},
		// Mixed in one message.
		{"German word in a mixed message", "Meeting", mixed, true},
		{"Chinese word in a mixed message", "会议室", mixed, true},
		{"full-width Latin", "ABC", mixed, true},
		{"accents folded", "cafe", mixed, true},
		// Phrases.
		{"phrase in order", "an der Straße", de, true},
		{"phrase with other forms", "die Haus", de, true},
		{"phrase out of order", "der an Straße", de, false},
		{"English phrase", "meetings moved", en, true},
		{"mixed phrase", "im 会议室 beginnt", mixed, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := finds(Text, tc.query, tc.text); got != tc.want {
				t.Errorf("query %q in %q: found=%v, want %v\nquery terms %v\ntext tokens %v",
					tc.query, tc.text, got, tc.want, Phrase(Text, tc.query), Tokens(Text, tc.text, Index))
			}
		})
	}
}

func TestSeparators(t *testing.T) {
	if !finds(Text, "case", "write it in snake_case please") {
		t.Error("snake_case: the part after '_' is not a word of its own")
	}
	if !finds(Name, "plan", "Q3_plan_final.txt") || !finds(Name, "txt", "Q3_plan_final.txt") {
		t.Error("file name parts are not found")
	}
	if finds(Text, "com", "see example.com") {
		t.Error("in message text, example.com must stay one word")
	}
}

func TestOffsetsPointAtTheOriginal(t *testing.T) {
	text := "Häuser und 会议室"
	var got []string
	for _, tk := range Tokens(Text, text, Index) {
		got = append(got, text[tk.Start:tk.End])
	}
	want := []string{"Häuser", "und", "会议", "议室"}
	if !slices.Equal(got, want) {
		t.Fatalf("token spans %q, want %q", got, want)
	}
}

func TestCompoundParts(t *testing.T) {
	for _, tc := range []struct {
		word string
		want []string
	}{
		{"projektbesprechungen", []string{"projekt", "besprechung"}},
		{"rechnungsnummer", []string{"rechnung", "nummer"}},
		{"terminal", nil},      // "termin" at the start needs four more letters
		{"determination", nil}, // "termin" after two letters is not a part
		{"termin", nil},        // the word itself
		{"kundenservice", []string{"kunde"}},
	} {
		got := compoundParts(germanNormalize(tc.word))
		if !slices.Equal(got, tc.want) {
			t.Errorf("compoundParts(%q) = %q, want %q", tc.word, got, tc.want)
		}
	}
}

func TestPrefixes(t *testing.T) {
	for _, tc := range []struct {
		prefix, text string
		want         bool
	}{
		{"comp", "The computers are slow", true},
		{"computer", "The computers are slow", true}, // stem "comput"
		{"Häus", "Die Häuser", true},
		{"haeu", "Die Häuser", true},
		{"Besprech", "Projektbesprechung morgen", true},
		{"会", "我们明天在会议室", true},
		{"xyz", "The computers are slow", false},
	} {
		ps, ok := Prefixes(tc.prefix)
		if !ok {
			t.Fatalf("Prefixes(%q): not one word", tc.prefix)
		}
		found := false
		for _, tk := range Tokens(Text, tc.text, Index) {
			for _, term := range tk.Terms {
				for _, p := range ps {
					if strings.HasPrefix(term, p) {
						found = true
					}
				}
			}
		}
		if found != tc.want {
			t.Errorf("prefix %q (%v) in %q: found=%v, want %v", tc.prefix, ps, tc.text, found, tc.want)
		}
	}
	if _, ok := Prefixes("计算机"); ok {
		t.Error("a three-character CJK prefix is several bigrams, not one word")
	}
	if _, ok := Prefixes("!!"); ok {
		t.Error("punctuation is no prefix")
	}
}

func TestRegister(t *testing.T) {
	if err := Register(); err != nil {
		t.Fatal(err)
	}
	if err := Register(); err != nil {
		t.Fatalf("second Register: %v", err)
	}
}
