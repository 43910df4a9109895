package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tmpDir holds objects being written; they are renamed into place when
// complete, so a reader never sees half an object.
const tmpDir = ".tmp"

// Local keeps objects as files under a directory.
type Local struct {
	root string
}

var _ Store = (*Local)(nil)

// NewLocal returns a store under dir, creating it if needed, and removes
// temporary files older than staleAfter that a crash left behind.
func NewLocal(dir string, staleAfter time.Duration) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: local store %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Join(abs, tmpDir), 0o700); err != nil {
		return nil, fmt.Errorf("blob: local store: %w", err)
	}
	l := &Local{root: abs}
	l.removeStaleTemp(staleAfter)
	return l, nil
}

func (l *Local) String() string { return "local directory " + l.root }

func (l *Local) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

func unavailable(op string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, op, err)
}

// Put writes to a temporary file, syncs it and renames it into place.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) (err error) {
	dst, err := l.path(key)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Join(l.root, tmpDir), "put-*")
	if err != nil {
		return unavailable("create", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("blob: write %s: %w", key, err)
	}
	if size >= 0 && n != size {
		return sizeError(n, size)
	}
	if err := f.Sync(); err != nil {
		return unavailable("sync", err)
	}
	if err := f.Close(); err != nil {
		return unavailable("close", err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return unavailable("mkdir", err)
	}
	if err := os.Rename(f.Name(), dst); err != nil {
		return unavailable("rename", err)
	}
	// The rename, and a directory MkdirAll may have just made, are only
	// durable once their directories are synced: without it a power cut
	// can lose a file whose upload was acknowledged.
	for d := filepath.Dir(dst); ; d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return unavailable("sync directory", err)
		}
		if d == l.root || len(d) <= len(l.root) {
			return nil
		}
	}
}

func syncDir(path string) error {
	d, err := os.Open(path)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type localObject struct {
	*os.File
	size int64
	mod  time.Time
}

func (o localObject) Size() int64        { return o.size }
func (o localObject) ModTime() time.Time { return o.mod }

// Open opens the object's file.
func (l *Local) Open(_ context.Context, key string) (Object, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, unavailable("open", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, unavailable("stat", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return localObject{File: f, size: st.Size(), mod: st.ModTime()}, nil
}

// Delete removes the object's file.
func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return unavailable("delete", err)
	}
	return nil
}

// Walk lists the files under the prefix in key order.
func (l *Local) Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	err := filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(l.root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			// Skip the temporary area and directories that cannot hold a match.
			if rel == tmpDir || rel != "." && !strings.HasPrefix(rel+"/", prefix) && !strings.HasPrefix(prefix, rel+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(rel, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return fn(rel, info.Size())
	})
	var pe *fs.PathError
	if err != nil && ctx.Err() == nil && errors.As(err, &pe) {
		return unavailable("walk", err)
	}
	return err
}

// PresignGet is not possible for files on a local disk; the files module
// streams them instead.
func (l *Local) PresignGet(context.Context, string, time.Duration, ResponseHeaders) (*url.URL, error) {
	return nil, ErrNotSupported
}

// Ping checks that the directory is there and writable.
func (l *Local) Ping(context.Context) error {
	f, err := os.CreateTemp(filepath.Join(l.root, tmpDir), "ping-*")
	if err != nil {
		return unavailable("ping", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func (l *Local) removeStaleTemp(age time.Duration) {
	entries, err := os.ReadDir(filepath.Join(l.root, tmpDir))
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.Remove(filepath.Join(l.root, tmpDir, e.Name()))
		}
	}
}
