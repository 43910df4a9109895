package files_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/files/blob/blobtest"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Throughput of uploads and downloads through Kontor against the MinIO
// of `make test`, as a ratio to plain minio-go put/get of the same bytes
// on the same server: the difference is what Kontor adds (HTTP in front,
// SHA-256, sniffing, the database rows, the access check). Each iteration
// does the raw operation and the Kontor one back to back, so that both see
// the same load on a shared machine; the ratio is reported as a metric.
//
//	go run ./tools/testenv run --services minio -- \
//	  go test -run '^$' -bench . -benchtime 20x ./modules/files/
//
// Results and their reading: docs/benchmarks.md.

var benchSizes = []int{1 << 20, 32 << 20}

func benchEnv(b *testing.B, redirect bool) *env {
	return newEnv(b, dbtest.SQLite(b), "s3", options{conf: func(c *files.Config) {
		c.MaxUpload = 64 << 20
		c.S3Redirect = redirect
	}})
}

// pair times a raw operation and the same through Kontor, alternating.
type pair struct{ raw, kontor time.Duration }

func (p *pair) report(b *testing.B, size int, label string) {
	n := float64(b.N) * float64(size) / 1e6
	b.ReportMetric(n/p.raw.Seconds(), "raw-MB/s")
	b.ReportMetric(n/p.kontor.Seconds(), label+"-MB/s")
	b.ReportMetric(p.raw.Seconds()/p.kontor.Seconds(), "ratio")
}

func timed(d *time.Duration, fn func()) {
	start := time.Now()
	fn()
	*d += time.Since(start)
}

func BenchmarkUpload(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			data := blobtest.Random(size)
			e := benchEnv(b, true)
			c := e.store.(*blob.S3).Client()
			var p pair
			for b.Loop() {
				timed(&p.raw, func() {
					// The same part size as Kontor's store.
					_, err := c.PutObject(context.Background(), e.s3.Bucket, "f/"+ids.New(), bytes.NewReader(data), int64(size),
						minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: uint64(e.s3.PartSize)})
					if err != nil {
						b.Fatal(err)
					}
				})
				timed(&p.kontor, func() {
					if r := e.uploadRaw("alice", "data.bin", data, nil, false); r.Status != http.StatusCreated {
						b.Fatalf("upload: %d %s", r.Status, r.Body)
					}
				})
			}
			p.report(b, size, "kontor")
		})
	}
}

func BenchmarkDownload(b *testing.B) {
	for _, size := range benchSizes {
		for _, mode := range []struct {
			name     string
			redirect bool
		}{{"presigned-redirect", true}, {"streamed", false}} {
			b.Run(fmt.Sprintf("%s/%dMiB", mode.name, size>>20), func(b *testing.B) {
				e := benchEnv(b, mode.redirect)
				f := e.upload("alice", "data.bin", blobtest.Random(size))
				c := e.store.(*blob.S3).Client()
				// Follows the redirect like a browser, which does not send
				// the Authorization header on to another origin.
				client := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
					r.Header.Del("Authorization")
					return nil
				}}
				var p pair
				for b.Loop() {
					timed(&p.raw, func() {
						o, err := c.GetObject(context.Background(), e.s3.Bucket, "f/"+f.ID, minio.GetObjectOptions{})
						if err != nil {
							b.Fatal(err)
						}
						n, err := io.Copy(io.Discard, o)
						o.Close()
						if err != nil || n != int64(size) {
							b.Fatalf("raw get: %d bytes, %v", n, err)
						}
					})
					timed(&p.kontor, func() {
						req, _ := http.NewRequest(http.MethodGet, e.url+f.URL, nil)
						req.Header.Set("Authorization", "Bearer alice")
						resp, err := client.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						n, err := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if err != nil || n != int64(size) || resp.StatusCode != 200 {
							b.Fatalf("download: %d, %d bytes, %v", resp.StatusCode, n, err)
						}
					})
				}
				p.report(b, size, "kontor")
			})
		}
	}
}
