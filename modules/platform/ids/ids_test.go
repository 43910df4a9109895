package ids

import (
	"sort"
	"testing"
	"time"
)

func TestNewIsValidAndOrdered(t *testing.T) {
	base := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	var got []string
	for i := 0; i < 50; i++ {
		id := NewAt(base.Add(time.Duration(i) * time.Millisecond))
		if !Valid(id) {
			t.Fatalf("NewAt made %q, which Valid rejects", id)
		}
		got = append(got, id)
	}
	if !sort.StringsAreSorted(got) {
		t.Fatalf("ids made a millisecond apart do not sort in time order: %v", got)
	}
}

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"fresh", New(), true},
		{"empty", "", false},
		{"short", "01h", false},
		{"uppercase", "01JDXYZABCDEFGHJKMNPQRSTVW", false},
		{"excluded letter", "01jdxyzabcdefghjkmnpqrstvu", false},
		{"path traversal", "../../../../../../etc/pass", false},
		{"overflowing first digit", "8zzzzzzzzzzzzzzzzzzzzzzzzz", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Valid(tc.in); got != tc.want {
				t.Fatalf("Valid(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestTokenIsRandom(t *testing.T) {
	a, b := Token(32), Token(32)
	if a == b || len(a) != 43 {
		t.Fatalf("Token(32) gave %q and %q", a, b)
	}
}
