// Package blob stores the bytes of shared files: a local directory (the
// embedded default) or an S3 bucket (MinIO, Ceph, AWS) through minio-go.
// Both implement Store and pass the same conformance suite (package
// blobtest). Keys are made by the files module from server ids, never from
// what a user typed.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Errors a Store returns (wrapped). Anything else is a bug or a disk that
// lies; callers treat it as unavailable too.
var (
	// ErrNotFound: no object under that key.
	ErrNotFound = errors.New("blob not found")
	// ErrUnavailable: the store cannot be reached or refused to work
	// (network, credentials, full disk). The caller may retry later.
	ErrUnavailable = errors.New("blob store unavailable")
	// ErrInvalidKey: the key is not one a Store accepts.
	ErrInvalidKey = errors.New("invalid blob key")
	// ErrNotSupported: the store cannot do this (presigned URLs on a local disk).
	ErrNotSupported = errors.New("not supported by this blob store")
)

// Store keeps objects under keys.
type Store interface {
	// Put streams r into the object key. size is the exact length, or -1
	// when unknown. It never holds the whole object in memory. When Put
	// fails (including because r failed), no object is left under key
	// that was not there before; a crash of the process may still leave
	// one, which the caller's cleanup has to handle.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the object for reading, with seeking for HTTP ranges.
	Open(ctx context.Context, key string) (Object, error)
	// Delete removes the object, and on S3 any unfinished multipart
	// upload to key. Deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// Walk calls fn for every object whose key starts with prefix.
	Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error
	// PresignGet returns a URL that fetches the object without other
	// credentials until ttl has passed, with the response headers in h.
	// Stores that cannot do that return ErrNotSupported.
	PresignGet(ctx context.Context, key string, ttl time.Duration, h ResponseHeaders) (*url.URL, error)
	// Ping checks that the store is usable (directory writable, bucket
	// reachable; an S3 store creates its bucket here when allowed).
	Ping(ctx context.Context) error
	// String describes the store for logs, without secrets.
	String() string
}

// Object is an open object.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// ResponseHeaders are what a presigned download answers with.
type ResponseHeaders struct {
	ContentType        string
	ContentDisposition string
	CacheControl       string
}

// CheckKey reports whether key is acceptable: slash-separated segments of
// lowercase letters, digits, '-', '_' and '.', no empty or dot-only
// segment, at most 200 bytes. Keys map onto file paths in the local
// store, so this is what keeps them inside its directory.
func CheckKey(key string) error {
	if key == "" || len(key) > 200 {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || strings.Trim(seg, ".") == "" {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return fmt.Errorf("%w: %q", ErrInvalidKey, key)
			}
		}
	}
	return nil
}

// checkPrefix accepts "" or a key-like prefix (may end in "/").
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return CheckKey(strings.TrimSuffix(prefix, "/"))
}

// sizeError is returned when the reader's length differs from the size given.
func sizeError(got, want int64) error {
	return fmt.Errorf("blob: read %d bytes, expected %d", got, want)
}

// Config chooses and configures the store.
type Config struct {
	Kind string // "local" (default) or "s3"
	Dir  string // local: the directory
	S3   S3Config
}

// Open returns the configured store. It does not contact S3.
func Open(c Config) (Store, error) {
	switch c.Kind {
	case "", "local":
		if c.Dir == "" {
			return nil, errors.New("files-dir: a directory is required for the local store")
		}
		// An upload running longer than a day is not running any more.
		return NewLocal(c.Dir, 24*time.Hour)
	case "s3":
		return NewS3(c.S3)
	}
	return nil, fmt.Errorf("files-store %q: want local or s3", c.Kind)
}
