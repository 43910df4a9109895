package analyze

import (
	_ "embed"
	"strings"
)

//go:embed compounds.txt
var compoundList string

// parts maps each dictionary word, normalised like an indexed word, to
// true; partLen bounds the lengths worth looking up.
var parts, minPart, maxPart = loadParts(compoundList)

func loadParts(list string) (map[string]bool, int, int) {
	m := map[string]bool{}
	lo, hi := 1<<30, 0
	for _, line := range strings.Split(list, "\n") {
		w := strings.TrimSpace(line)
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		n := germanNormalize(w)
		m[n] = true
		l := len([]rune(n))
		lo, hi = min(lo, l), max(hi, l)
	}
	return m, lo, hi
}

// minCompound is the shortest word worth splitting.
const minCompound = 7

// compoundParts returns the dictionary words inside the normalised word w,
// other than w itself. A part counts where a German compound puts one: at
// the start with at least four letters after it ("termin" is not a part of
// "terminal"), or after at least three letters (the head, possibly with an
// inflection ending after it, or a middle part).
func compoundParts(w string) []string {
	// Byte offsets of the characters, so parts are substrings of w (map
	// lookups with a substring do not allocate).
	var offs [64]int
	n := 0
	for i := range w {
		if n == len(offs) {
			return nil // longer than any real compound
		}
		offs[n] = i
		n++
	}
	if n < minCompound {
		return nil
	}
	at := func(i int) int {
		if i == n {
			return len(w)
		}
		return offs[i]
	}
	var out []string
	for i := 0; i < n; i++ {
		if i == 1 || i == 2 {
			continue
		}
		for l := minPart; l <= maxPart && i+l <= n; l++ {
			if i == 0 && l == n {
				continue
			}
			if i == 0 && n-l < 4 {
				continue
			}
			if p := w[at(i):at(i+l)]; parts[p] {
				out = appendUnique(out, p)
			}
		}
	}
	return out
}
