package chat

import (
	"fmt"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// channelColsC is written out so that the statement text is a constant
// (one cached prepared statement, nothing built per request); it must
// name the same columns as channelCols, in the same order.
func TestChannelColsC(t *testing.T) {
	if got, want := db.Prefixed("", channelColsC), db.Prefixed("c.", channelCols); got != want {
		t.Fatalf("channelColsC is out of step with channelCols:\n%s\n%s", got, want)
	}
}

func TestParseMentions(t *testing.T) {
	for _, c := range []struct {
		text      string
		names     string
		all, here bool
	}{
		{"no mention at all", "[]", false, false},
		{"", "[]", false, false},
		{"hi @Anna and @bob.", "[anna bob]", false, false},
		{"mail anna@example.com", "[]", false, false},
		{"@channel look", "[]", true, false},
		{"@here and @anna @anna", "[anna]", false, true},
	} {
		names, all, here := parseMentions(c.text)
		if got := fmt.Sprint(names); got != c.names && !(c.names == "[]" && names == nil) || all != c.all || here != c.here {
			t.Errorf("parseMentions(%q) = %v %v %v, want %s %v %v", c.text, names, all, here, c.names, c.all, c.here)
		}
	}
}
