// Package text checks the short one-line texts people give names with
// (display names, channel names and topics, profile fields): valid UTF-8,
// no control characters and no invisible format characters that would make
// one name look like another or reverse how a line reads.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// Line trims s and checks that it is one line of at most maxRunes
// characters a person can read as it is stored. The error names field.
func Line(field, s string, maxRunes int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return "", apperr.Invalid(field, "not valid UTF-8 text").WithCode(apperr.CodeInvalidUTF8)
	}
	if utf8.RuneCountInString(s) > maxRunes {
		return "", apperr.Invalid(field, "longer than %d characters", maxRunes)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", apperr.Invalid(field, "must be one line without control characters")
		}
		if Invisible(r) {
			return "", apperr.Invalid(field, "contains an invisible formatting character (U+%04X); type the name without it", r).
				WithCode(apperr.CodeInvisibleCharacter)
		}
	}
	return s, nil
}

// Invisible reports whether r is a format character (Unicode category Cf:
// bidirectional overrides and isolates, zero-width space, word joiner,
// byte order mark, tag characters, ...). Such characters render as nothing
// or reorder what is around them, so "Admin\u202Enimda" or "ann\u200B"
// can pose as someone else. The zero-width joiner and non-joiner are kept:
// emoji sequences and Persian and Indic names need them, and they do not
// change the order of what is read.
func Invisible(r rune) bool {
	if r == '\u200C' || r == '\u200D' {
		return false
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r)
}

// reserved are display names that belong to the system and its operators:
// a colleague calling themselves "Administrator" could ask people for
// their passwords.
var reserved = []string{"administrator", "admin", "system", "kontor", "root", "moderator", "compliance",
	"compliance officer", "security"}

// Reserved reports whether name, read the way a person reads it (case,
// spaces and punctuation ignored), is one of the names kept for the system.
func Reserved(name string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	folded := b.String()
	for _, n := range reserved {
		if folded == strings.ReplaceAll(n, " ", "") {
			return true
		}
	}
	return false
}
