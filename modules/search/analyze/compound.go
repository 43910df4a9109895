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
	r := []rune(w)
	if len(r) < minCompound {
		return nil
	}
	var out []string
	for i := 0; i < len(r); i++ {
		if i == 1 || i == 2 {
			continue
		}
		for l := minPart; l <= maxPart && i+l <= len(r); l++ {
			if i == 0 && l == len(r) {
				continue
			}
			right := len(r) - i - l
			if i == 0 && right < 4 {
				continue
			}
			p := string(r[i : i+l])
			if parts[p] {
				out = appendUnique(out, p)
			}
		}
	}
	return out
}
