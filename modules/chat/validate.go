package chat

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/text"
)

var channelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func checkChannelName(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !channelName.MatchString(s) {
		return "", apperr.Invalid("body.name", "a channel name is 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter or digit")
	}
	return s, nil
}

// checkLine validates a one-line text field (display name, topic).
func checkLine(field, s string, maxRunes int) (string, error) { return text.Line(field, s, maxRunes) }

func checkUTF8(field, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return apperr.Invalid(field, "not valid UTF-8 text").WithCode(apperr.CodeInvalidUTF8)
	}
	return nil
}

// checkText validates a message's Markdown text.
func (m *Module) checkText(s string, allowEmpty bool) (string, error) {
	if err := checkUTF8("body.text", s); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > m.cfg.MaxMessageRunes {
		return "", apperr.TooLarge("a message is at most %d characters; this one has %d", m.cfg.MaxMessageRunes, n).WithCode(apperr.CodeMessageTooLong)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return "", apperr.Invalid("body.text", "text contains control characters")
		}
	}
	if strings.TrimSpace(s) == "" && !allowEmpty {
		return "", apperr.Invalid("body.text", "write something (or attach a file)").WithCode(apperr.CodeMessageEmpty)
	}
	return s, nil
}

var shortcode = regexp.MustCompile(`^:[a-z0-9_+-]{1,40}:$`)

// checkEmoji accepts a :shortcode: or one emoji as Unicode (with skin
// tones, variation selectors and ZWJ sequences), nothing else.
func checkEmoji(s string) (string, error) {
	bad := apperr.Invalid("emoji", "use one emoji, e.g. 👍 or :thumbsup:").WithCode(apperr.CodeInvalidEmoji)
	if shortcode.MatchString(s) {
		return s, nil
	}
	if s == "" || len(s) > 64 || !utf8.ValidString(s) {
		return "", bad
	}
	pictographs := 0
	for _, r := range s {
		switch {
		case r == 0x200D, r == 0xFE0F, r == 0xFE0E, r >= 0x1F3FB && r <= 0x1F3FF, r == 0x20E3, r >= 0xE0020 && r <= 0xE007F:
			// joiners, variation selectors, skin tones, keycaps, tag sequences
		case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2300 && r <= 0x23FF,
			r >= 0x2B00 && r <= 0x2BFF, r >= 0x1F1E6 && r <= 0x1F1FF, r == 0x00A9, r == 0x00AE, r == 0x203C, r == 0x2049,
			r == 0x2122, r == 0x2139, r >= 0x2194 && r <= 0x21AA, r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299:
			pictographs++
		case r >= '0' && r <= '9' || r == '#' || r == '*':
			// keycap bases, valid only with U+20E3, checked below
		default:
			return "", bad
		}
	}
	if pictographs == 0 && !strings.ContainsRune(s, 0x20E3) {
		return "", bad
	}
	return s, nil
}

func checkID(field, id string) error {
	if !ids.Valid(id) {
		return apperr.NotFound("no %s %q", field, id)
	}
	return nil
}

var mentionRE = regexp.MustCompile(`(^|[^\w@.])@([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})`)

// parseMentions returns the usernames mentioned in text, and whether it
// mentions everyone (@channel, @all) or everyone online (@here).
func parseMentions(text string) (names []string, all, here bool) {
	if strings.IndexByte(text, '@') < 0 {
		return nil, false, false // most messages: no need to run the expression
	}
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		n := strings.ToLower(strings.TrimRight(m[2], "._-"))
		switch n {
		case "channel", "all", "everyone":
			all = true
		case "here":
			here = true
		default:
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	return names, all, here
}
