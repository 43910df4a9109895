package db

import "testing"

func TestPrefixedAndEscapeLike(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Prefixed("m.", "id, channel_id,seq"), "m.id, m.channel_id, m.seq"},
		{Prefixed("c.", "id"), "c.id"},
		{EscapeLike(`50%_off\now`), `50\%\_off\\now`},
		{EscapeLike("plain"), "plain"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
