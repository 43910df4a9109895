package blob_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/files/blob/blobtest"
)

func TestLocalConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := blob.NewLocal(t.TempDir(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestS3Conformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		cfg := blobtest.S3Config(t)
		s, err := blob.NewS3(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Runs before the bucket is removed: no multipart upload may be
		// left unfinished by anything the suite did.
		t.Cleanup(func() {
			if keys := blobtest.IncompleteUploads(t, cfg); len(keys) > 0 {
				t.Errorf("unfinished multipart uploads left behind: %v", keys)
			}
		})
		return s
	})
}

func TestLocalRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := blob.NewLocal(dir, time.Hour); err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(dir, ".tmp", "put-stale"), filepath.Join(dir, ".tmp", "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half an upload"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewLocal(dir, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatalf("fresh temporary file (an upload in flight) removed: %v", err)
	}
}

func TestS3CreatesBucketOnlyWhenAllowed(t *testing.T) {
	ctx := context.Background()
	cfg := blobtest.S3Config(t)
	cfg.CreateBucket = false
	s, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Ping(ctx)
	if !errors.Is(err, blob.ErrUnavailable) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("ping without bucket: %v", err)
	}
	cfg.CreateBucket = true
	if s, err = blob.NewS3(cfg); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := blobtest.Raw(t, cfg).BucketExists(ctx, cfg.Bucket); err != nil || !ok {
		t.Fatalf("bucket not created: %v %v", ok, err)
	}
}

func TestS3Unreachable(t *testing.T) {
	ctx := context.Background()
	cfg := blobtest.S3Config(t)
	proxy := blobtest.NewProxy(t, cfg.Endpoint)
	cfg.Endpoint = proxy.Addr()
	s, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "f/there", strings.NewReader("x"), 1, "text/plain"); err != nil {
		t.Fatal(err)
	}
	proxy.SetDown(true)
	checks := map[string]error{
		"ping":             s.Ping(ctx),
		"put":              s.Put(ctx, "f/new", strings.NewReader("data"), 4, "text/plain"),
		"put unknown size": s.Put(ctx, "f/new", strings.NewReader("data"), -1, "text/plain"),
		"delete":           s.Delete(ctx, "f/there"),
		"walk":             s.Walk(ctx, "", func(string, int64) error { return nil }),
	}
	_, checks["open"] = s.Open(ctx, "f/there")
	for op, err := range checks {
		if !errors.Is(err, blob.ErrUnavailable) {
			t.Errorf("%s while S3 is down: %v, want ErrUnavailable", op, err)
		}
	}
	proxy.SetDown(false)
	if keys := blobtest.Keys(t, s, ""); len(keys) != 1 {
		t.Fatalf("after the outage: %v, want only f/there", keys)
	}
}

func TestS3ServerSideEncryption(t *testing.T) {
	ctx := context.Background()
	cfg := blobtest.S3Config(t)
	cfg.SSE = "sse-s3"
	s, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "f/secret", strings.NewReader("confidential"), -1, "text/plain"); err != nil {
		t.Fatalf("put with SSE-S3 (the test MinIO needs MINIO_KMS_SECRET_KEY, which tools/testenv sets): %v", err)
	}
	info, err := blobtest.Raw(t, cfg).StatObject(ctx, cfg.Bucket, "f/secret", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Metadata.Get("X-Amz-Server-Side-Encryption"); got != "AES256" {
		t.Fatalf("object not encrypted at rest: X-Amz-Server-Side-Encryption=%q", got)
	}
}

func TestS3ConfigValidate(t *testing.T) {
	ok := blob.S3Config{Endpoint: "s3.example.com:9000", Bucket: "kontor", AccessKey: "a", SecretKey: "b"}
	for _, tc := range []struct {
		name   string
		change func(*blob.S3Config)
		want   string
	}{
		{"valid", func(*blob.S3Config) {}, ""},
		{"no endpoint", func(c *blob.S3Config) { c.Endpoint = "" }, "s3-endpoint is required"},
		{"scheme in endpoint", func(c *blob.S3Config) { c.Endpoint = "https://s3.example.com" }, "without scheme"},
		{"no bucket", func(c *blob.S3Config) { c.Bucket = "" }, "s3-bucket is required"},
		{"tiny parts", func(c *blob.S3Config) { c.PartSize = 1 << 20 }, "at least"},
		{"unknown sse", func(c *blob.S3Config) { c.SSE = "sse-c" }, "s3-sse"},
		{"kms without key", func(c *blob.S3Config) { c.SSE = "sse-kms:" }, "s3-sse"},
		{"kms", func(c *blob.S3Config) { c.SSE = "sse-kms:my-key" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestS3KeysFromFiles(t *testing.T) {
	dir := t.TempDir()
	ak, sk := filepath.Join(dir, "ak"), filepath.Join(dir, "sk")
	_ = os.WriteFile(ak, []byte("file-access\n"), 0o600)
	_ = os.WriteFile(sk, []byte("file-secret\n"), 0o600)
	cfg := blobtest.S3Config(t)
	real := cfg
	cfg.AccessKey, cfg.SecretKey = "wrong", "wrong"
	cfg.AccessKeyFile, cfg.SecretKeyFile = ak, sk
	// The files win over the direct values; with these made-up keys the
	// server refuses, which proves the files were read.
	s, err := blob.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, blob.ErrUnavailable) {
		t.Fatalf("ping with made-up keys from files: %v", err)
	}
	_ = os.WriteFile(ak, []byte(real.AccessKey+"\n"), 0o600)
	_ = os.WriteFile(sk, []byte(real.SecretKey+"\n"), 0o600)
	if s, err = blob.NewS3(cfg); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("ping with the real keys from files: %v", err)
	}
	cfg.AccessKeyFile = filepath.Join(dir, "missing")
	if _, err := blob.NewS3(cfg); err == nil || !strings.Contains(err.Error(), "s3-access-key-file") {
		t.Fatalf("missing key file: %v", err)
	}
}
