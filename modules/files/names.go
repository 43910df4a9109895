package files

import (
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameBytes is what most file systems allow for one name.
const maxNameBytes = 255

// maxRawNameBytes bounds what a client may send as a name at all; longer
// input is refused rather than cut, since it cannot be a real file name.
const maxRawNameBytes = 4096

// windowsReserved are device names Windows refuses as file names, with or
// without an extension.
var windowsReserved = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true, "conin$": true, "conout$": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true, "com5": true, "com6": true, "com7": true, "com8": true, "com9": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true, "lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

// SanitizeName turns what a client called a file into a name that is safe
// to show and to save on any desktop: the last path element only, NFC, no
// control or bidirectional-override characters (which can disguise
// "evil\u202Egpj.exe" as "evilexe.jpg"), none of the characters Windows
// forbids, no leading dots (hidden files) or trailing dots and spaces, no
// device names such as CON, at most 255 bytes with the extension kept.
// An empty result becomes "file".
func SanitizeName(raw string) string {
	s := strings.ToValidUTF8(raw, "\uFFFD")
	s = norm.NFC.String(s)
	// Both separators, since the name may come from Windows.
	s = strings.ReplaceAll(s, "\\", "/")
	s = path.Base("/" + s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/':
			// path.Base leaves "/" only for an empty or all-slash name.
		case unicode.IsSpace(r): // tabs and line breaks too
			b.WriteRune(' ')
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r), r == '\u200B', r == '\uFEFF':
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s = strings.Trim(b.String(), " .")
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	if s == "" {
		return "file"
	}
	stem, ext := splitExt(s)
	if windowsReserved[strings.ToLower(strings.TrimRight(stem, " "))] {
		stem = "_" + stem
	}
	if len(stem)+len(ext) > maxNameBytes {
		if len(ext) > 32 { // not a real extension: cut the whole name
			stem, ext = stem+ext, ""
		}
		stem = truncateUTF8(stem, maxNameBytes-len(ext))
		stem = strings.TrimRight(stem, " .")
	}
	if stem == "" {
		stem = "file"
	}
	return stem + ext
}

// splitExt splits "report.final.pdf" into "report.final" and ".pdf".
func splitExt(s string) (stem, ext string) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// disposition is the Content-Disposition header for name: an ASCII
// filename for old clients first, then, for names beyond ASCII, the RFC
// 2231 filename* that current browsers prefer (RFC 6266).
func disposition(kind, name string) string {
	if isASCII(name) {
		if v := mime.FormatMediaType(kind, map[string]string{"filename": name}); v != "" {
			return v
		}
		return kind
	}
	full := mime.FormatMediaType(kind, map[string]string{"filename": name})
	ext, _ := strings.CutPrefix(full, kind+"; ")
	return kind + `; filename="` + asciiFallback(name) + `"; ` + ext
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func asciiFallback(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < utf8.RuneSelf && r >= ' ' && r != '"' && r != '\\':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
