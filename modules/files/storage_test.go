package files_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

func TestQuota(t *testing.T) {
	eachEnv(t, options{conf: func(c *files.Config) { c.UserQuota = 1000 }}, func(t *testing.T, e *env) {
		e.upload("alice", "a.bin", bytes.Repeat([]byte{1}, 600))
		for _, chunked := range []bool{false, true} {
			r := e.uploadRaw("alice", "b.bin", bytes.Repeat([]byte{2}, 600), nil, chunked)
			if r.Status != 413 || r.problem().Code != "quota_exceeded" || !strings.Contains(r.problem().Detail, "400 bytes are left") {
				t.Fatalf("over quota (chunked=%v): %d %s", chunked, r.Status, r.Body)
			}
		}
		if n := len(e.stored("f/")); n != 1 || e.count("file_blob_trash", "") != 0 {
			t.Fatalf("after refused uploads: %d blobs, %d trash rows", n, e.count("file_blob_trash", ""))
		}
		// Exactly what is left fits.
		e.upload("alice", "c.bin", bytes.Repeat([]byte{3}, 400))
		var u files.StorageUsage
		e.client("alice").Must(200, http.MethodGet, "/api/v1/files/usage", nil).JSON(t, &u)
		if u.Files != 2 || u.Bytes != 1000 || u.Quota != 1000 || u.QuotaSet {
			t.Fatalf("alice's usage: %+v", u)
		}
		// An admin lifts alice's quota; bob keeps the default.
		if r := e.do("alice", http.MethodPut, "/api/v1/admin/files/usage/alice/quota", strings.NewReader(`{"quota":0}`), -1, http.Header{"Content-Type": {"application/json"}}); r.Status != 403 {
			t.Fatalf("alice sets her own quota: %d", r.Status)
		}
		e.client("admin-1").Must(200, http.MethodPut, "/api/v1/admin/files/usage/alice/quota", map[string]any{"quota": 0}).JSON(t, &u)
		if u.Quota != 0 || !u.QuotaSet {
			t.Fatalf("after lifting: %+v", u)
		}
		e.upload("alice", "d.bin", bytes.Repeat([]byte{4}, 900))
		if r := e.uploadRaw("bob", "e.bin", bytes.Repeat([]byte{5}, 1001), nil, false); r.Status != 413 {
			t.Fatalf("bob over the default quota: %d", r.Status)
		}
		if entries, err := audit.List(context.Background(), e.db, audit.Filter{Action: "files.quota.set"}); err != nil || len(entries) != 1 || entries[0].TargetID != "alice" {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		// Back to the default: alice is now over it and cannot upload.
		e.client("admin-1").Must(200, http.MethodPut, "/api/v1/admin/files/usage/alice/quota", map[string]any{"quota": -1})
		if r := e.uploadRaw("alice", "f.bin", []byte("x"), nil, false); r.Status != 413 || r.problem().Code != "quota_exceeded" {
			t.Fatalf("alice over the default again: %d %s", r.Status, r.Body)
		}
		if r := e.client("admin-1").Do(http.MethodPut, "/api/v1/admin/files/usage/alice/quota", map[string]any{"quota": -2}); r.Status != 422 {
			t.Fatalf("quota -2: %d", r.Status)
		}
	})
}

func TestAdminUsageFigures(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		sizes := map[string]int{"alice": 3000, "bob": 1000, "carol": 2000, "dave": 1000}
		for u, n := range sizes {
			e.upload(u, "x.bin", bytes.Repeat([]byte{9}, n))
		}
		e.upload("alice", "y.bin", bytes.Repeat([]byte{9}, 500))
		var got []files.StorageUsage
		var totals files.StorageTotals
		after := ""
		for {
			var out struct {
				Items  []files.StorageUsage
				Totals files.StorageTotals
				Next   string
			}
			e.client("admin-1").Must(200, http.MethodGet, "/api/v1/admin/files/usage?limit=3&after="+after, nil).JSON(t, &out)
			got, totals = append(got, out.Items...), out.Totals
			if after = out.Next; after == "" {
				break
			}
		}
		var order []string
		for _, u := range got {
			order = append(order, u.UserID)
		}
		if strings.Join(order, ",") != "alice,carol,bob,dave" || got[0].Bytes != 3500 || got[0].Files != 2 {
			t.Fatalf("usage list: %+v", got)
		}
		if totals.Users != 4 || totals.Files != 5 || totals.Bytes != 7500 {
			t.Fatalf("totals: %+v", totals)
		}
		var one files.StorageUsage
		e.client("admin-1").Must(200, http.MethodGet, "/api/v1/admin/files/usage/carol", nil).JSON(t, &one)
		if one.Bytes != 2000 || one.Files != 1 {
			t.Fatalf("carol: %+v", one)
		}
		for _, p := range []string{"/api/v1/admin/files/usage", "/api/v1/admin/files/usage/carol"} {
			if r := e.do("alice", http.MethodGet, p, nil, 0, nil); r.Status != 403 {
				t.Errorf("member GET %s: %d", p, r.Status)
			}
		}
		if r := e.do("admin-1", http.MethodGet, "/api/v1/admin/files/usage?after=garbage", nil, 0, nil); r.Status != 422 {
			t.Errorf("bad cursor: %d", r.Status)
		}
	})
}

// A crash in the middle of an upload (or of a preview) leaves a blob and
// its trash row; the cleanup job removes it once files-orphan-grace has
// passed, and leaves uploads that may still be running alone.
func TestCleanupRemovesOrphans(t *testing.T) {
	eachEnv(t, options{}, func(t *testing.T, e *env) {
		ctx := context.Background()
		kept := e.upload("alice", "kept.pdf", pdfBytes)
		orphan := "f/" + ids.New()
		if _, err := e.db.ExecContext(ctx, `INSERT INTO file_blob_trash (blob_key, reason, since) VALUES (?, 'upload', ?)`,
			orphan, e.clock.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if err := e.store.Put(ctx, orphan, bytes.NewReader(make([]byte, 1000)), 1000, "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
		if n, err := e.mod.Cleanup(ctx); err != nil || n != 0 {
			t.Fatalf("cleanup during the grace period: removed %d, %v", n, err)
		}
		if _, ok := e.stored("f/")[orphan]; !ok {
			t.Fatal("an upload that may still be running was removed")
		}
		e.clock.Advance(e.cfg.OrphanGrace + time.Minute)
		if n, err := e.mod.Cleanup(ctx); err != nil || n != 1 {
			t.Fatalf("cleanup after the grace period: removed %d, %v", n, err)
		}
		keys := e.stored("")
		if _, ok := keys[orphan]; ok || len(keys) != 1 || e.count("file_blob_trash", "") != 0 {
			t.Fatalf("after cleanup: %v, trash rows %d", keys, e.count("file_blob_trash", ""))
		}
		if r := e.get("alice", kept.URL, nil); r.Status != 200 {
			t.Fatalf("a live file was touched: %d", r.Status)
		}
	})
}

// With S3 down, an upload fails with a clear 503 and leaves no file and
// no usage; once S3 is back, the cleanup job removes whatever the store
// may hold of it. (Downloads are streamed here, so that they touch S3;
// presigning does not contact it.)
func TestS3Outage(t *testing.T) {
	s3Only(t, options{proxied: true, conf: func(c *files.Config) { c.S3Redirect = false }}, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.join("bob", "c")
		f := e.upload("alice", "before.pdf", pdfBytes)
		e.mustPost("alice", "c", f.ID)
		e.proxy.SetDown(true)

		for _, chunked := range []bool{false, true} {
			r := e.uploadRaw("alice", "during.pdf", pdfBytes, nil, chunked)
			if r.Status != http.StatusServiceUnavailable || r.problem().Code != "storage_unavailable" || !strings.Contains(r.problem().Detail, "try again later") {
				t.Fatalf("upload while S3 is down (chunked=%v): %d %s", chunked, r.Status, r.Body)
			}
		}
		if n := e.count("files", ""); n != 1 {
			t.Fatalf("%d files after failed uploads", n)
		}
		var u files.StorageUsage
		e.client("alice").Must(200, http.MethodGet, "/api/v1/files/usage", nil).JSON(t, &u)
		if u.Files != 1 || u.Bytes != int64(len(pdfBytes)) {
			t.Fatalf("usage counts failed uploads: %+v", u)
		}
		if r := e.do("bob", http.MethodGet, f.URL, nil, 0, nil); r.Status != http.StatusServiceUnavailable || r.problem().Code != "storage_unavailable" {
			t.Fatalf("download while S3 is down: %d %s", r.Status, r.Body)
		}
		if r := e.do("alice", http.MethodDelete, "/api/v1/files/"+f.ID, nil, 0, nil); r.Status != http.StatusNoContent {
			t.Fatalf("delete while S3 is down: %d %s", r.Status, r.Body)
		}
		if _, err := e.mod.Cleanup(ctx); err == nil {
			t.Fatal("cleanup reports success while S3 is down")
		}

		e.proxy.SetDown(false)
		e.clock.Advance(e.cfg.OrphanGrace + time.Minute)
		if _, err := e.mod.Cleanup(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.count("file_blob_trash", ""); n != 0 {
			t.Fatalf("%d trash rows after the outage", n)
		}
		if keys := e.stored(""); len(keys) != 0 {
			t.Fatalf("blobs left after the outage: %v", keys)
		}
	})
}

func TestPresignedURLExpires(t *testing.T) {
	s3Only(t, options{conf: func(c *files.Config) { c.URLTTL = 2 * time.Second }}, func(t *testing.T, e *env) {
		e.join("bob", "c")
		f := e.upload("alice", "a.pdf", pdfBytes)
		e.mustPost("alice", "c", f.ID)
		r := e.do("bob", http.MethodGet, f.URL, nil, 0, nil)
		loc := r.Header.Get("Location")
		if r.Status != http.StatusFound || !strings.Contains(loc, "X-Amz-Expires=2&") {
			t.Fatalf("redirect: %d %q", r.Status, loc)
		}
		first, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		first.Body.Close()
		if first.StatusCode != 200 {
			t.Fatalf("fresh presigned URL: %d", first.StatusCode)
		}
		// The signing time is cut to whole seconds, so a URL signed with a
		// 2 s life lives between 1 and 2 s: fetched at once, it works.
		time.Sleep(3100 * time.Millisecond)
		late, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		late.Body.Close()
		if late.StatusCode != http.StatusForbidden {
			t.Fatalf("expired presigned URL: %d, want 403", late.StatusCode)
		}
		// Asking Kontor again gives a fresh one, but only to members.
		if r := e.get("bob", f.URL, nil); r.Status != 200 {
			t.Fatalf("fresh URL: %d", r.Status)
		}
		e.leave("bob", "c")
		if r := e.do("bob", http.MethodGet, f.URL, nil, 0, nil); r.Status != 404 {
			t.Fatalf("after leaving: %d", r.Status)
		}
	})
}
