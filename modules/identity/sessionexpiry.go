package identity

import (
	"context"
	"time"
)

// SessionExpiry tells when the session or API token that authenticated
// the request in ctx ends: zero when it never expires or the request was
// not authenticated by the middleware. The websocket gateway closes a
// connection when the session that opened it expires.
func SessionExpiry(ctx context.Context) time.Time {
	si, _ := ctx.Value(sessionInfoKey{}).(sessionInfo)
	return si.ExpiresAt
}
