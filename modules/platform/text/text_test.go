package text

import (
	"errors"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, code string
	}{
		{"plain", "  Jürgen Müller ", "Jürgen Müller", ""},
		{"cjk", "李伟", "李伟", ""},
		{"emoji with joiner", "Ann 👩\u200D💻", "Ann 👩\u200D💻", ""},
		{"persian with non-joiner", "می\u200Cخواهم", "می\u200Cخواهم", ""},
		{"right-to-left override", "Admin\u202Enimda", "", "invisible_character"},
		{"left-to-right isolate", "a\u2066b\u2069", "", "invisible_character"},
		{"left-to-right mark", "ann\u200E", "", "invisible_character"},
		{"zero-width space", "an\u200Bn", "", "invisible_character"},
		{"byte order mark", "\uFEFFann", "", "invisible_character"},
		{"word joiner", "an\u2060n", "", "invisible_character"},
		{"tag character", "ann\U000E0041", "", "invisible_character"},
		{"control", "a\x07b", "", ""},
		{"line break", "a\nb", "", ""},
		{"too long", "abcdefghijklmnopqrstuvwxyz", "", ""},
		{"not utf-8", "a\xffb", "", "invalid_utf8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Line("body.display_name", tc.in, 20)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("Line(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || !errors.Is(err, apperr.ErrInvalid) || ae.Field != "body.display_name" {
				t.Fatalf("Line(%q) = %q, %v; want an invalid-input error on the field", tc.in, got, err)
			}
			if tc.code != "" && string(ae.Code) != tc.code {
				t.Fatalf("Line(%q) code %q, want %q", tc.in, ae.Code, tc.code)
			}
		})
	}
}

func TestReserved(t *testing.T) {
	for in, want := range map[string]bool{
		"Administrator": true, "ADMIN": true, "A.d.m.i.n": true, "Compliance Officer": true, "  system ": true,
		"Kontor": true, "Anna Admin": false, "Administrator Müller": false, "Ann": false, "Sys": false,
	} {
		if got := Reserved(in); got != want {
			t.Errorf("Reserved(%q) = %v, want %v", in, got, want)
		}
	}
}
