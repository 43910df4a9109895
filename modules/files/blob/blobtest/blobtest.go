// Package blobtest holds the conformance suite every blob.Store passes,
// and helpers that give tests a real store: a bucket on the MinIO server
// that `make test` starts, and a TCP proxy that can cut a store off to
// simulate an outage.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Env variables set by tools/testenv for its MinIO server.
const (
	EndpointEnv  = "KONTOR_TEST_S3_ENDPOINT"
	AccessKeyEnv = "KONTOR_TEST_S3_ACCESS_KEY"
	SecretKeyEnv = "KONTOR_TEST_S3_SECRET_KEY"
)

// Random returns n random bytes.
func Random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Keys returns every key under prefix with its size.
func Keys(t testing.TB, s blob.Store, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	if err := s.Walk(context.Background(), prefix, func(k string, n int64) error { out[k] = n; return nil }); err != nil {
		t.Fatalf("walk %q: %v", prefix, err)
	}
	return out
}

// failingReader yields n bytes of data, then fails.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// Run checks that the store behaves as blob.Store promises. newStore
// returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	ctx := context.Background()
	readAll := func(t *testing.T, s blob.Store, key string) []byte {
		t.Helper()
		o, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer o.Close()
		b, err := io.ReadAll(o)
		if err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		if o.Size() != int64(len(b)) {
			t.Fatalf("size %d, read %d bytes", o.Size(), len(b))
		}
		return b
	}
	mustNotExist := func(t *testing.T, s blob.Store, key string) {
		t.Helper()
		if o, err := s.Open(ctx, key); !errors.Is(err, blob.ErrNotFound) {
			if err == nil {
				o.Close()
			}
			t.Fatalf("open %s after a failed or deleted put: %v, want ErrNotFound", key, err)
		}
		if keys := Keys(t, s, ""); len(keys) != 0 {
			t.Fatalf("objects left behind: %v", keys)
		}
	}

	t.Run("put and read back, size known and unknown", func(t *testing.T) {
		s := newStore(t)
		for _, tc := range []struct {
			name string
			size int
			tell bool
		}{{"empty", 0, true}, {"small-known", 1000, true}, {"small-unknown", 1000, false}, {"one-mib-unknown", 1 << 20, false}} {
			data := Random(tc.size)
			size := int64(-1)
			if tc.tell {
				size = int64(len(data))
			}
			key := "f/" + tc.name
			if err := s.Put(ctx, key, bytes.NewReader(data), size, "application/octet-stream"); err != nil {
				t.Fatalf("%s: put: %v", tc.name, err)
			}
			if got := readAll(t, s, key); !bytes.Equal(got, data) {
				t.Fatalf("%s: read back %d bytes that differ from the %d written", tc.name, len(got), len(data))
			}
		}
	})

	t.Run("large object of unknown size goes in parts", func(t *testing.T) {
		s := newStore(t)
		data := Random(3*blob.MinPartSize + 12345)
		if err := s.Put(ctx, "f/large", io.MultiReader(bytes.NewReader(data)), -1, "video/mp4"); err != nil {
			t.Fatal(err)
		}
		got := readAll(t, s, "f/large")
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatal("large object differs after reading back")
		}
	})

	t.Run("seek serves ranges", func(t *testing.T) {
		s := newStore(t)
		data := Random(10000)
		if err := s.Put(ctx, "f/r", bytes.NewReader(data), int64(len(data)), "image/png"); err != nil {
			t.Fatal(err)
		}
		o, err := s.Open(ctx, "f/r")
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		for _, tc := range []struct {
			off    int64
			whence int
			at     int
		}{{4000, io.SeekStart, 4000}, {-100, io.SeekEnd, 9900}, {0, io.SeekStart, 0}} {
			pos, err := o.Seek(tc.off, tc.whence)
			if err != nil || pos != int64(tc.at) {
				t.Fatalf("seek(%d, %d) = %d, %v; want %d", tc.off, tc.whence, pos, err, tc.at)
			}
			buf := make([]byte, 50)
			if _, err := io.ReadFull(o, buf); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf, data[tc.at:tc.at+50]) {
				t.Fatalf("bytes at %d differ", tc.at)
			}
		}
	})

	t.Run("overwrite replaces", func(t *testing.T) {
		s := newStore(t)
		for _, v := range []string{"first version", "second"} {
			if err := s.Put(ctx, "f/o", strings.NewReader(v), int64(len(v)), "text/plain"); err != nil {
				t.Fatal(err)
			}
		}
		if got := string(readAll(t, s, "f/o")); got != "second" {
			t.Fatalf("read %q after overwrite", got)
		}
	})

	t.Run("missing objects", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, "f/nothing-here"); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("open missing: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "f/nothing-here"); err != nil {
			t.Fatalf("delete missing: %v, want nil", err)
		}
	})

	t.Run("delete removes", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "f/d", strings.NewReader("x"), 1, "text/plain"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "f/d"); err != nil {
			t.Fatal(err)
		}
		mustNotExist(t, s, "f/d")
	})

	t.Run("a failing reader leaves nothing behind", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			n    int
			size int64
		}{
			{"small unknown size", 1000, -1},
			{"small known size", 1000, 5000},
			{"after one part, unknown size", blob.MinPartSize + 1000, -1},
			{"after one part, known size", blob.MinPartSize + 1000, 3 * blob.MinPartSize},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := newStore(t)
				boom := errors.New("client went away")
				err := s.Put(ctx, "f/fail", &failingReader{data: Random(tc.n), err: boom}, tc.size, "application/pdf")
				if err == nil {
					t.Fatal("put succeeded with a failing reader")
				}
				mustNotExist(t, s, "f/fail")
			})
		}
	})

	t.Run("a short reader is an error and leaves nothing", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "f/short", strings.NewReader("only this"), 100, "text/plain"); err == nil {
			t.Fatal("put of 9 bytes declared as 100 succeeded")
		}
		mustNotExist(t, s, "f/short")
	})

	t.Run("cancelled context stops the put", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		r := &cancelAfter{data: Random(2 * blob.MinPartSize), after: blob.MinPartSize / 2, cancel: cancel}
		if err := s.Put(cctx, "f/cancel", r, -1, "application/zip"); err == nil {
			t.Fatal("put succeeded after cancel")
		}
		mustNotExist(t, s, "f/cancel")
	})

	t.Run("keys that are not ours are refused", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"", "../escape", "f/../../etc/passwd", "/abs", "f//x", "F/Upper", "f/sp ace", "f/.", "f/..", "f/x/", strings.Repeat("a", 201)} {
			if err := s.Put(ctx, k, strings.NewReader("x"), 1, "text/plain"); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("put %q: %v, want ErrInvalidKey", k, err)
			}
			if _, err := s.Open(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("open %q: %v, want ErrInvalidKey", k, err)
			}
			if err := s.Delete(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
				t.Errorf("delete %q: %v, want ErrInvalidKey", k, err)
			}
		}
		if keys := Keys(t, s, ""); len(keys) != 0 {
			t.Fatalf("objects stored under refused keys: %v", keys)
		}
	})

	t.Run("walk lists by prefix", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"f/a1", "f/a2", "t/a1", "p/a1", "fx/a"} {
			if err := s.Put(ctx, k, strings.NewReader(k), int64(len(k)), "text/plain"); err != nil {
				t.Fatal(err)
			}
		}
		got := Keys(t, s, "f/")
		want := map[string]int64{"f/a1": 4, "f/a2": 4}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("walk f/: %v, want %v", got, want)
		}
		all := Keys(t, s, "")
		names := make([]string, 0, len(all))
		for k := range all {
			names = append(names, k)
		}
		sort.Strings(names)
		if strings.Join(names, " ") != "f/a1 f/a2 fx/a p/a1 t/a1" {
			t.Fatalf("walk all: %v", names)
		}
	})

	t.Run("concurrent puts", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := bytes.Repeat([]byte{byte(i)}, 100000)
				errs <- s.Put(ctx, fmt.Sprintf("f/c%d", i), bytes.NewReader(d), -1, "application/octet-stream")
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for i := range 8 {
			if got := readAll(t, s, fmt.Sprintf("f/c%d", i)); !bytes.Equal(got, bytes.Repeat([]byte{byte(i)}, 100000)) {
				t.Fatalf("object %d mixed up", i)
			}
		}
	})

	t.Run("presigned get", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "f/p", strings.NewReader("<html><script>alert(1)</script>"), -1, "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
		h := blob.ResponseHeaders{ContentType: "application/octet-stream", ContentDisposition: `attachment; filename="x.html"`, CacheControl: "private, max-age=60"}
		u, err := s.PresignGet(ctx, "f/p", 60e9, h)
		if errors.Is(err, blob.ErrNotSupported) {
			return // the local store streams instead
		}
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "<html>") {
			t.Fatalf("presigned get: %d %s", resp.StatusCode, body)
		}
		if resp.Header.Get("Content-Type") != h.ContentType || resp.Header.Get("Content-Disposition") != h.ContentDisposition || resp.Header.Get("Cache-Control") != h.CacheControl {
			t.Fatalf("presigned response headers %v, want %+v", resp.Header, h)
		}
		// The signature covers the key: another key with the same query fails.
		other := *u
		other.Path = strings.Replace(other.Path, "/f/p", "/f/q", 1)
		resp2, err := http.Get(other.String())
		if err != nil {
			t.Fatal(err)
		}
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusForbidden {
			t.Fatalf("tampered presigned url: %d, want 403", resp2.StatusCode)
		}
	})

	t.Run("ping", func(t *testing.T) {
		if err := newStore(t).Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

type cancelAfter struct {
	data   []byte
	after  int
	read   int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.read >= c.after {
		c.cancel()
	}
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.data)
	c.data = c.data[n:]
	c.read += n
	return n, nil
}

// S3Config returns the configuration of a fresh bucket on the test MinIO
// server; the bucket and everything in it are removed when the test ends.
// The test fails, saying how to start MinIO, when it is not running.
func S3Config(t testing.TB) blob.S3Config {
	t.Helper()
	ep, ak, sk := os.Getenv(EndpointEnv), os.Getenv(AccessKeyEnv), os.Getenv(SecretKeyEnv)
	if ep == "" || ak == "" || sk == "" {
		t.Fatalf("MinIO is not available: %s, %s and %s are not set; %s", EndpointEnv, AccessKeyEnv, SecretKeyEnv, dbtest.HowToStart)
	}
	cfg := blob.S3Config{
		Endpoint: ep, AccessKey: ak, SecretKey: sk, Bucket: "kt-" + ids.New(),
		PathStyle: true, CreateBucket: true, PartSize: blob.MinPartSize,
	}
	t.Cleanup(func() { RemoveBucket(t, cfg) })
	return cfg
}

// Raw returns a plain minio-go client for cfg's endpoint.
func Raw(t testing.TB, cfg blob.S3Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// RemoveBucket empties and removes cfg's bucket, aborting unfinished uploads.
func RemoveBucket(t testing.TB, cfg blob.S3Config) {
	c := Raw(t, cfg)
	ctx := context.Background()
	if ok, err := c.BucketExists(ctx, cfg.Bucket); err != nil || !ok {
		return
	}
	for u := range c.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		if u.Err == nil {
			_ = c.RemoveIncompleteUpload(ctx, cfg.Bucket, u.Key)
		}
	}
	for o := range c.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err == nil {
			_ = c.RemoveObject(ctx, cfg.Bucket, o.Key, minio.RemoveObjectOptions{})
		}
	}
	if err := c.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Logf("remove test bucket %s: %v", cfg.Bucket, err)
	}
}

// IncompleteUploads lists the keys with unfinished multipart uploads.
func IncompleteUploads(t testing.TB, cfg blob.S3Config) []string {
	t.Helper()
	var keys []string
	for u := range Raw(t, cfg).ListIncompleteUploads(context.Background(), cfg.Bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list incomplete uploads: %v", u.Err)
		}
		keys = append(keys, u.Key)
	}
	return keys
}
