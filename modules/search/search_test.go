package search

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

func TestFindsWordsInEveryLanguage(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	de := f.post(ch, ann, "Die Häuser an der Straße werden renoviert; morgen ist die Projektbesprechung.")
	de2 := f.post(ch, ann, "Das Haus hat einen neuen Vertrag mit dem Kunden.")
	en := f.post(ch, ann, "The computers were running all night and the meetings moved to Friday.")
	zh := f.post(ch, ann, "我们明天在会议室讨论项目计划。")
	ja := f.post(ch, ann, "会議は明日の午後です。コンピュータを持ってきてください。")
	mixed := f.post(ch, ann, "Das Meeting im 会议室 beginnt um 10 Uhr")
	f.sync()

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"Haus", []string{de, de2}},             // singular finds the plural with umlaut
		{"Häuser", []string{de, de2}},           // and the plural the singular
		{"Strasse", []string{de}},               // ss finds ß
		{"Besprechung", []string{de}},           // the head of a compound
		{"Verträge", []string{de2}},             // plural with umlaut finds the singular
		{"computer", []string{en}},              // English plural
		{"meeting", []string{en, mixed}},        // English plural; German sentence with an English word
		{"会议", []string{zh, mixed}},             // Chinese word inside longer sentences
		{"会议室", []string{zh, mixed}},            // three characters, in order
		{"计划项目", nil},                           // same characters, wrong order
		{"会議", []string{ja}},                    // Japanese kanji
		{"コンピュータ", []string{ja}},                // Katakana
		{`"an der Straße"`, []string{de}},       // phrase
		{`"der an Straße"`, nil},                // words in the wrong order
		{`"Meeting im 会议室"`, []string{mixed}},   // phrase across Latin and CJK
		{"Haus Kunden", []string{de2}},          // all words must match
		{"Haus -Vertrag", []string{de}},         // excluded word
		{`Haus -"neuen Vertrag"`, []string{de}}, // excluded phrase
		{"comp*", []string{en}},                 // prefix
		{"Projektbesp*", []string{de}},          // prefix of a compound
		{"renov*", []string{de}},                // prefix of a German word
		{"Garten", nil},                         // absent word
		{"!!!  has:link", nil},                  // punctuation only, with a filter
	} {
		t.Run(tc.q, func(t *testing.T) { f.expect(ann, tc.q, tc.want...) })
	}
}

func TestOperators(t *testing.T) { eachFilter(t, operators) }

func operators(t *testing.T, f *fixture) {
	ann, bob, cat := f.w.user("ann"), f.w.user("bob"), f.w.user("cat")
	gen := f.w.channel("general", true, ann, bob, cat)
	fin := f.w.channel("finance", false, ann, bob)
	dmAB := f.w.dm(ann, bob)
	dmAC := f.w.dm(ann, cat)

	day := func(d int, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	m1 := f.post(gen, ann, "budget draft for next year", at(day(1, 10)))
	m2 := f.post(fin, bob, "budget approved, see https://intranet.example/budget", at(day(2, 10)))
	m3 := f.post(dmAB, bob, "the budget numbers are in the sheet", at(day(3, 23)), func(c *Change) { c.HasFile = true })
	m4 := f.post(dmAC, cat, "budget question from cat", at(day(4, 10)))
	m5 := f.post(gen, cat, "I agree with the budget", at(day(5, 10)), replyTo(m1))
	f.sync()

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"budget", []string{m1, m2, m3, m4, m5}},
		{"budget from:@bob", []string{m2, m3}},
		{"budget from:bob from:@cat", []string{m2, m3, m4, m5}},
		{"from:@ann", []string{m1}}, // operators alone
		{"budget in:~finance", []string{m2}},
		{"budget in:#general", []string{m1, m5}},
		{"budget in:~general in:~finance", []string{m1, m2, m5}},
		{"budget in:@bob", []string{m3}},
		{"in:@cat", []string{m4}},
		{"budget before:2026-11-03", []string{m1, m2}},
		{"budget after:2026-11-03", []string{m4, m5}},
		{"budget on:2026-11-03", []string{m3}},
		{"budget after:2026-11-01 before:2026-11-04", []string{m2, m3}},
		{"budget has:link", []string{m2}},
		{"has:file", []string{m3}},
		{"budget is:thread", []string{m1, m5}}, // the reply and its root
		{"budget -draft -question", []string{m2, m3, m5}},
		{"budg* from:@cat", []string{m4, m5}},
	} {
		t.Run(tc.q, func(t *testing.T) { f.expect(ann, tc.q, tc.want...) })
	}

	t.Run("days begin in the given time zone", func(t *testing.T) {
		berlin, _ := time.LoadLocation("Europe/Berlin")
		// m3 is 23:00 UTC on the 3rd: the 4th in Berlin.
		res, err := f.m.Search(asUser(ann), Request{Query: "budget on:2026-11-04", Location: berlin})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Items {
			got = append(got, h.ID)
		}
		if strings.Join(got, ",") != m4+","+m3 {
			t.Errorf("on:2026-11-04 in Berlin: got %v, want [%s %s]", got, m4, m3)
		}
	})

	t.Run("newest first, pages and total", func(t *testing.T) {
		var got []string
		for page := 1; page <= 3; page++ {
			res, err := f.m.Search(asUser(ann), Request{Query: "budget", Sort: SortNewest, Page: page, PerPage: 2})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 5 {
				t.Errorf("page %d: total %d, want 5", page, res.Total)
			}
			for _, h := range res.Items {
				got = append(got, h.ID)
			}
		}
		if want := []string{m5, m4, m3, m2, m1}; strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("newest first over three pages: %v, want %v", got, want)
		}
	})

	t.Run("relevance puts the better match first", func(t *testing.T) {
		res, err := f.m.Search(asUser(ann), Request{Query: "budget approved"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 || res.Items[0].ID != m2 {
			t.Fatalf("got %+v", res.Items)
		}
	})

	t.Run("names that do not resolve", func(t *testing.T) {
		for q, want := range map[string]string{
			"from:@nobody":  "from:@nobody: there is no user with that name",
			"in:~nowhere":   "in:~nowhere: you have no channel with that name",
			"in:@nobody":    "in:@nobody: there is no user with that name",
			"x in:@ann":     "in:@ann: you have no direct messages with ann",
			"budget sort:x": "unknown operator sort:",
		} {
			_, err := f.m.Search(asUser(ann), Request{Query: q})
			var ae *apperr.Error
			if !errors.As(err, &ae) || !(errors.Is(err, apperr.ErrInvalid) || errors.Is(err, apperr.ErrMalformed)) || !strings.Contains(ae.Message, want) {
				t.Errorf("%q: error %v, want a rejected query saying %q", q, err, want)
			}
		}
	})
}

func TestHitsCarryWhatTheClientShows(t *testing.T) {
	f := newFixture(t)
	ann := f.w.user("ann")
	ch := f.w.channel("general", true, ann)
	long := strings.Repeat("Vorher steht viel Text. ", 20) + "<script>alert('x')</script> Das Budget & die Planung " + strings.Repeat("danach auch. ", 40)
	id := f.post(ch, ann, long)
	zh := f.post(ch, ann, "我们明天在会议室讨论<b>项目</b>计划")
	f.sync()

	res, err := f.m.Search(asUser(ann), Request{Query: "Budget"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 {
		t.Fatalf("hits %+v", res.Items)
	}
	h := res.Items[0]
	if h.Kind != "message" || h.ID != id || h.ChannelID != ch || h.ChannelName != "general" || h.AuthorID != ann ||
		h.AuthorUsername != "ann" || h.At.IsZero() || h.Link != "/c/c-general?m="+id {
		t.Errorf("hit fields: %+v", h)
	}
	if !strings.Contains(h.Snippet, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Das <mark>Budget</mark> &amp; die Planung") {
		t.Errorf("snippet not escaped or not marked: %q", h.Snippet)
	}
	if !strings.HasPrefix(h.Snippet, "…") || !strings.HasSuffix(h.Snippet, "…") || len(h.Snippet) > 600 {
		t.Errorf("snippet is not an excerpt around the match: %q", h.Snippet)
	}
	if strings.Count(h.Snippet, "<mark>") != 1 || strings.Contains(strings.ReplaceAll(strings.ReplaceAll(h.Snippet, "<mark>", ""), "</mark>", ""), "<") {
		t.Errorf("snippet has markup other than one <mark>: %q", h.Snippet)
	}

	res, err = f.m.Search(asUser(ann), Request{Query: "会议室"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].ID != zh || !strings.Contains(res.Items[0].Snippet, "在<mark>会议室</mark>讨论&lt;b&gt;项目") {
		t.Errorf("CJK snippet: %+v", res.Items)
	}
}

func TestInjectionReachesNoInternalField(t *testing.T) {
	f := newFixture(t)
	ann, bob := f.w.user("ann"), f.w.user("bob")
	mine := f.w.channel("mine", false, ann)
	secret := f.w.channel("secret", false, bob)
	f.post(secret, bob, "secret channel_id c-secret text budget")
	visible := f.post(mine, ann, "my note mentions channel_id too")
	f.sync()

	for _, q := range []string{"+channel_id:*", "channel_id:c-secret", "author_id:u-bob", "_id:*", "text:budget", "kind:message", "*:*", "*", "budget*~"} {
		if _, err := f.m.Search(asUser(ann), Request{Query: q}); !errors.Is(err, apperr.ErrMalformed) {
			t.Errorf("%q: err %v, want invalid input", q, err)
		}
	}
	// Quoted, the same text is just words, and only in channels ann reads.
	f.expect(ann, `"channel_id"`, visible)
	f.expect(ann, `"+channel_id:*"`, visible)
	f.expect(ann, `"channel_id:c-secret"`)
	f.expect(ann, `budget OR secret`)
	f.expect(ann, `secret^10 budget~2`)
}
