package blob

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// S3Config says where the bucket is and how to reach it.
type S3Config struct {
	Endpoint string // host[:port], without scheme
	Region   string // default us-east-1
	Bucket   string
	// The access key and secret, given directly or read from files (the
	// files win when both are set, so secrets can stay out of the environment).
	AccessKey, AccessKeyFile string
	SecretKey, SecretKeyFile string
	TLS                      bool   // https to the endpoint
	CAFile                   string // PEM CA bundle for a private CA (default: system roots)
	// PathStyle forces bucket-in-path URLs (MinIO, Ceph). Off, minio-go
	// picks: virtual-host style for AWS and Google, path style elsewhere.
	PathStyle bool
	// SSE asks for server-side encryption: "" (none), "sse-s3", or
	// "sse-kms:KEY-ID".
	SSE string
	// CreateBucket makes the bucket on Ping when it is missing.
	CreateBucket bool
	// PartSize is the multipart part size in bytes (at least 5 MiB). An
	// upload of unknown length holds one part in memory at a time.
	PartSize int64
	// Timeout bounds connecting and each request that is not a transfer
	// (stat, delete, list); transfers are bounded by their context.
	Timeout time.Duration
}

// MinPartSize is S3's smallest multipart part.
const MinPartSize = 5 << 20

// Validate checks the configuration without contacting the endpoint.
func (c S3Config) Validate() error {
	switch {
	case c.Endpoint == "":
		return errors.New("s3-endpoint is required for the S3 store (host:port)")
	case strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/"):
		return fmt.Errorf("s3-endpoint %q: give host[:port] without scheme or path; use s3-tls for https", c.Endpoint)
	case c.Bucket == "":
		return errors.New("s3-bucket is required for the S3 store")
	case c.PartSize != 0 && c.PartSize < MinPartSize:
		return fmt.Errorf("s3-part-size %d: must be at least %d (5 MiB)", c.PartSize, MinPartSize)
	case c.PartSize > 5<<30:
		return fmt.Errorf("s3-part-size %d: must be at most 5 GiB", c.PartSize)
	}
	if _, err := c.sse(); err != nil {
		return err
	}
	return nil
}

func (c S3Config) sse() (encrypt.ServerSide, error) {
	switch {
	case c.SSE == "":
		return nil, nil
	case c.SSE == "sse-s3":
		return encrypt.NewSSE(), nil
	case strings.HasPrefix(c.SSE, "sse-kms:") && len(c.SSE) > len("sse-kms:"):
		sse, err := encrypt.NewSSEKMS(strings.TrimPrefix(c.SSE, "sse-kms:"), nil)
		if err != nil {
			return nil, fmt.Errorf("s3-sse: %w", err)
		}
		return sse, nil
	}
	return nil, fmt.Errorf("s3-sse %q: want empty, sse-s3 or sse-kms:KEY-ID", c.SSE)
}

func secretFrom(value, file, name string) (string, error) {
	if file == "" {
		return value, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s-file: %w", name, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// S3 keeps objects in a bucket.
type S3 struct {
	client   *minio.Client
	bucket   string
	sse      encrypt.ServerSide
	partSize uint64
	timeout  time.Duration
	create   bool
	region   string
	where    string
}

var _ Store = (*S3)(nil)

// NewS3 returns a store for the bucket. It reads the key files but does
// not contact the endpoint; Ping does.
func NewS3(c S3Config) (*S3, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	access, err := secretFrom(c.AccessKey, c.AccessKeyFile, "s3-access-key")
	if err != nil {
		return nil, err
	}
	secret, err := secretFrom(c.SecretKey, c.SecretKeyFile, "s3-secret-key")
	if err != nil {
		return nil, err
	}
	if access == "" || secret == "" {
		return nil, errors.New("s3-access-key and s3-secret-key (or their -file variants) are required for the S3 store")
	}
	sse, _ := c.sse()
	if c.Region == "" {
		// Set, so that presigning never has to ask the endpoint for the
		// bucket's region.
		c.Region = "us-east-1"
	}
	if c.PartSize == 0 {
		c.PartSize = 16 << 20
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	tr, err := transport(c)
	if err != nil {
		return nil, err
	}
	lookup := minio.BucketLookupAuto
	if c.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(c.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(access, secret, ""),
		Secure:       c.TLS,
		Transport:    tr,
		Region:       c.Region,
		BucketLookup: lookup,
		// A few quick retries; an outage should become a clear 503 in
		// seconds, not after minio-go's default ten attempts.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	scheme := "http"
	if c.TLS {
		scheme = "https"
	}
	return &S3{
		client: client, bucket: c.Bucket, sse: sse, partSize: uint64(c.PartSize), timeout: c.Timeout,
		create: c.CreateBucket, region: c.Region,
		where: fmt.Sprintf("s3 bucket %s at %s://%s", c.Bucket, scheme, c.Endpoint),
	}, nil
}

func transport(c S3Config) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = c.Timeout
	tr.MaxIdleConnsPerHost = 32
	// The object bytes are already compressed or not worth it; asking for
	// gzip would also break Content-Length on downloads.
	tr.DisableCompression = true
	if c.TLS {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return nil, fmt.Errorf("s3-ca-file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("s3-ca-file %s: no PEM certificates in it", c.CAFile)
			}
			tr.TLSClientConfig.RootCAs = pool
		}
	}
	return tr, nil
}

func (s *S3) String() string { return s.where }

// Client is the underlying minio-go client, for tests and benchmarks that
// compare against it.
func (s *S3) Client() *minio.Client { return s.client }

// Bucket names the bucket.
func (s *S3) Bucket() string { return s.bucket }

// classify maps minio-go's errors onto this package's.
func (s *S3) classify(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	resp := minio.ToErrorResponse(err)
	if resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket" {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("%w: s3 %s %s: %w", ErrUnavailable, op, key, err)
}

// Put uploads r: one PUT when the size is known and fits in a part,
// otherwise a multipart upload, one part in memory at a time. minio-go
// aborts the multipart upload when r fails.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	cr := &countingReader{r: r}
	info, err := s.client.PutObject(ctx, s.bucket, key, cr, size, minio.PutObjectOptions{
		ContentType:          contentType,
		ServerSideEncryption: s.sse,
		PartSize:             s.partSize,
	})
	if err != nil {
		if cr.err != nil && ctx.Err() == nil {
			return fmt.Errorf("blob: read for %s: %w", key, cr.err)
		}
		return s.classify(ctx, "put", key, err)
	}
	if size >= 0 && info.Size != size {
		_ = s.Delete(context.WithoutCancel(ctx), key)
		return sizeError(info.Size, size)
	}
	return nil
}

// countingReader remembers the reader's own error, so that a failure of
// the caller's stream is not mistaken for an S3 outage.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// Open starts the download with one GET (which also tells the size), so
// that a whole-object download costs one request. Seeking only moves the
// position; the next read after a seek issues a ranged GET from there.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	o := &s3Object{s: s, ctx: ctx, key: key}
	if err := o.fetch(); err != nil {
		return nil, err
	}
	o.size, o.mod, o.etag = o.info.Size, o.info.LastModified, o.info.ETag
	return o, nil
}

// s3Object reads an object through ranged GETs. It keeps the context of
// Open because io.Reader has no place for one; like an *os.File, it is
// used within the request that opened it.
type s3Object struct {
	s       *S3
	ctx     context.Context
	key     string
	size    int64
	mod     time.Time
	etag    string
	info    minio.ObjectInfo
	body    io.ReadCloser // the open GET, positioned at bodyPos
	bodyPos int64
	pos     int64
}

func (o *s3Object) Size() int64        { return o.size }
func (o *s3Object) ModTime() time.Time { return o.mod }

// fetch opens a GET from o.pos to the end, of the same version as the
// first GET (If-Match), so that a seek never mixes two versions.
func (o *s3Object) fetch() error {
	var opts minio.GetObjectOptions
	if o.pos > 0 {
		_ = opts.SetRange(o.pos, 0)
	}
	if o.etag != "" {
		_ = opts.SetMatchETag(o.etag)
	}
	body, info, _, err := minio.Core{Client: o.s.client}.GetObject(o.ctx, o.s.bucket, o.key, opts)
	if err != nil {
		return o.s.classify(o.ctx, "get", o.key, err)
	}
	o.body, o.bodyPos, o.info = body, o.pos, info
	return nil
}

func (o *s3Object) Read(p []byte) (int, error) {
	if o.pos >= o.size {
		return 0, io.EOF
	}
	if o.body == nil || o.bodyPos != o.pos {
		if o.body != nil {
			o.body.Close()
			o.body = nil
		}
		if err := o.fetch(); err != nil {
			return 0, err
		}
	}
	n, err := o.body.Read(p)
	o.pos += int64(n)
	o.bodyPos += int64(n)
	if err == io.EOF && o.pos < o.size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		err = o.s.classify(o.ctx, "read", o.key, err)
	}
	return n, err
}

func (o *s3Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.pos
	case io.SeekEnd:
		offset += o.size
	default:
		return o.pos, fmt.Errorf("blob: seek: bad whence %d", whence)
	}
	if offset < 0 {
		return o.pos, fmt.Errorf("blob: seek to %d: negative position", offset)
	}
	o.pos = offset
	return offset, nil
}

func (o *s3Object) Close() error {
	if o.body == nil {
		return nil
	}
	err := o.body.Close()
	o.body = nil
	return err
}

// Delete removes the object and any multipart upload left unfinished
// under key (after a crash mid-upload).
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		if err := s.classify(ctx, "delete", key, err); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := s.client.RemoveIncompleteUpload(ctx, s.bucket, key); err != nil {
		if err := s.classify(ctx, "abort upload", key, err); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// Walk lists the bucket under prefix.
func (s *S3) Walk(ctx context.Context, prefix string, fn func(key string, size int64) error) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine when fn returns early
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return s.classify(ctx, "list", prefix, obj.Err)
		}
		if err := fn(obj.Key, obj.Size); err != nil {
			return err
		}
	}
	return nil
}

// PresignGet signs a GET for key. Signing happens locally; the URL is
// checked by the S3 server when it is used.
func (s *S3) PresignGet(ctx context.Context, key string, ttl time.Duration, h ResponseHeaders) (*url.URL, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	q := url.Values{}
	if h.ContentType != "" {
		q.Set("response-content-type", h.ContentType)
	}
	if h.ContentDisposition != "" {
		q.Set("response-content-disposition", h.ContentDisposition)
	}
	if h.CacheControl != "" {
		q.Set("response-cache-control", h.CacheControl)
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, q)
	if err != nil {
		return nil, fmt.Errorf("s3 presign %s: %w", key, err)
	}
	return u, nil
}

// Ping checks that the bucket is reachable, creating it when it is
// missing and that is allowed.
func (s *S3) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.classify(ctx, "bucket exists", s.bucket, err)
	}
	if ok {
		return nil
	}
	if !s.create {
		return fmt.Errorf("%w: bucket %s does not exist (create it, or allow s3-create-bucket)", ErrUnavailable, s.bucket)
	}
	if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region}); err != nil {
		resp := minio.ToErrorResponse(err)
		if resp.Code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return s.classify(ctx, "make bucket", s.bucket, err)
	}
	return nil
}
