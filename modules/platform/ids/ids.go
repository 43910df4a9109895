// Package ids makes the identifiers Kontor hands out: 26 characters of
// lowercase Crockford base32, time-ordered (48 bits of milliseconds first,
// then 80 random bits) so that ids sort in creation order, like ULIDs.
package ids

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"time"
)

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// Len is the length of every id made by New.
const Len = 26

// New returns a fresh id for the current time.
func New() string { return NewAt(time.Now()) }

// NewAt returns a fresh id whose time part is t.
func NewAt(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("ids: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return encode(b)
}

func encode(b [16]byte) string {
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [Len]byte
	// 128 bits in 26 base32 digits: the first digit holds the top 3 bits.
	for i := Len - 1; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// Valid reports whether s has the shape of an id made by New. It says
// nothing about whether anything with that id exists.
func Valid(s string) bool {
	if len(s) != Len || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') || c == 'i' || c == 'l' || c == 'o' || c == 'u' {
			return false
		}
	}
	return true
}

// Token returns n random bytes encoded as unpadded base64url, for secrets
// such as session tokens.
func Token(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("ids: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
