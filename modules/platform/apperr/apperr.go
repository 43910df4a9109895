// Package apperr holds the error kinds that every module shares and that
// the HTTP edge maps to status codes. Services return these (wrapped with
// context); only the edge turns them into problem responses.
//
// An *Error carries a message written for the person using Kontor; any
// other error is treated as internal and its text is never shown to them.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kinds. Wrap them (fmt.Errorf("...: %w", apperr.ErrNotFound)) or make a
// user-facing error with one of the constructors below.
var (
	ErrInvalid         = errors.New("invalid input")
	ErrMalformed       = errors.New("malformed request")
	ErrUnauthenticated = errors.New("not signed in")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrTooLarge        = errors.New("too large")
	ErrRateLimited     = errors.New("too many requests")
	ErrUnavailable     = errors.New("unavailable")
	ErrGone            = errors.New("gone")
)

// Error is an error whose message is safe to show to the caller.
type Error struct {
	Kind    error  // one of the kinds above
	Message string // shown to the caller as the problem detail
	// Field names the input the message is about, when there is one
	// (for example "body.username").
	Field string
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter time.Duration
	// Code is a short stable machine-readable reason, e.g. "account_disabled",
	// so clients can pick a translated message; one of Codes.
	Code Code
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

func newf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalid says the input cannot be accepted and why.
func Invalid(field, format string, args ...any) *Error {
	e := newf(ErrInvalid, format, args...)
	e.Field = field
	return e
}

// Malformed says the request cannot even be read (a query that does not
// parse); Invalid is for well-formed input that is not acceptable.
func Malformed(field, format string, args ...any) *Error {
	e := newf(ErrMalformed, format, args...)
	e.Field = field
	return e
}

// Unauthenticated says the caller must sign in (again).
func Unauthenticated(format string, args ...any) *Error {
	return newf(ErrUnauthenticated, format, args...)
}

// Forbidden says the caller is known but may not do this.
func Forbidden(format string, args ...any) *Error { return newf(ErrForbidden, format, args...) }

// NotFound says the thing does not exist or the caller may not know that it does.
func NotFound(format string, args ...any) *Error { return newf(ErrNotFound, format, args...) }

// Conflict says the request clashes with the current state.
func Conflict(format string, args ...any) *Error { return newf(ErrConflict, format, args...) }

// TooLarge says the request is over a size limit.
func TooLarge(format string, args ...any) *Error { return newf(ErrTooLarge, format, args...) }

// Unavailable says a dependency is down; the caller may retry later.
func Unavailable(format string, args ...any) *Error { return newf(ErrUnavailable, format, args...) }

// Gone says the thing existed but is no longer available.
func Gone(format string, args ...any) *Error { return newf(ErrGone, format, args...) }

// RateLimited says the caller must wait before trying again.
func RateLimited(retryAfter time.Duration, format string, args ...any) *Error {
	e := newf(ErrRateLimited, format, args...)
	e.RetryAfter = retryAfter
	return e
}

// WithCode sets the machine-readable reason and returns e.
func (e *Error) WithCode(code Code) *Error {
	e.Code = code
	return e
}
