package webapp

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

var built = fstest.MapFS{
	"index.html":               {Data: []byte(`<!doctype html><script type="module" src="/assets/index-abc123.js"></script>`)},
	"assets/index-abc123.js":   {Data: []byte(strings.Repeat("console.log('kontor');\n", 200))},
	"assets/logo-def456.svg":   {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	"sw.js":                    {Data: []byte(`self.addEventListener('fetch', () => {})`)},
	"manifest.webmanifest":     {Data: []byte(`{"name":"Kontor"}`)},
	"icons/icon-192.png":       {Data: []byte("\x89PNG fake")},
	"assets/nested/chunk-1.js": {Data: []byte("export {}")},
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServesFilesWithCachePolicy(t *testing.T) {
	h := New(built)
	cases := []struct {
		name, path, status, contentType, cache, bodyHas string
	}{
		{"root is index.html", "/", "200", "text/html; charset=utf-8", "no-cache", "/assets/index-abc123.js"},
		{"index.html itself", "/index.html", "200", "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"client route gets index.html", "/people/jmueller", "200", "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"route with a dotted username", "/people/j.mueller", "200", "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"deep admin route", "/admin/users/abc", "200", "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"hashed asset cached for a year", "/assets/index-abc123.js", "200", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "kontor"},
		{"nested hashed asset", "/assets/nested/chunk-1.js", "200", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "export"},
		{"service worker revalidated", "/sw.js", "200", "text/javascript; charset=utf-8", "no-cache", "addEventListener"},
		{"manifest type", "/manifest.webmanifest", "200", "application/manifest+json", "no-cache", "Kontor"},
		{"icon", "/icons/icon-192.png", "200", "image/png", "no-cache", "PNG"},
		{"missing asset is 404, not the page", "/assets/gone-999.js", "404", "text/plain; charset=utf-8", "", "not found"},
		{"missing icon is 404", "/icons/none.png", "404", "text/plain; charset=utf-8", "", "not found"},
		{"missing file at root is 404", "/favicon.ico", "404", "text/plain; charset=utf-8", "", "not found"},
		{"dot segments stay inside", "/assets/../index.html", "200", "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := get(t, h, "GET", c.path, nil)
			if got := res.Status[:3]; got != c.status {
				t.Fatalf("status %s, want %s", res.Status, c.status)
			}
			if got := res.Header.Get("Content-Type"); got != c.contentType {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if got := res.Header.Get("Cache-Control"); got != c.cache {
				t.Errorf("Cache-Control %q, want %q", got, c.cache)
			}
			if got := res.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy %q", got)
			}
			if b := body(t, res); !strings.Contains(b, c.bodyHas) {
				t.Errorf("body %q does not contain %q", b, c.bodyHas)
			}
		})
	}
}

func TestCSPForbidsInlineAndThirdPartyScripts(t *testing.T) {
	for _, directive := range strings.Split(ContentSecurityPolicy, ";") {
		d := strings.TrimSpace(directive)
		if strings.Contains(d, "unsafe-inline") || strings.Contains(d, "unsafe-eval") || strings.Contains(d, "http") || strings.Contains(d, "*") {
			t.Errorf("directive %q allows inline code or other origins", d)
		}
	}
	for _, want := range []string{"script-src 'self'", "default-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("policy lacks %q", want)
		}
	}
}

func TestAPIPathsNeverGetThePage(t *testing.T) {
	h := New(built)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/no-such-thing"},
		{"POST", "/api/v1/no-such-thing"},
		{"GET", "/api"},
	} {
		res := get(t, h, c.method, c.path, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", c.method, c.path, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q, want a problem", c.method, c.path, ct)
		}
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if err := json.NewDecoder(res.Body).Decode(&p); err != nil || p.Status != 404 || !strings.Contains(p.Detail, c.path) {
			t.Errorf("%s %s: problem %+v (%v)", c.method, c.path, p, err)
		}
	}
}

func TestWritesToPagesAreRefused(t *testing.T) {
	res := get(t, New(built), "POST", "/people", nil)
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("POST /people: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestRevalidationAndGzip(t *testing.T) {
	h := New(built)
	res := get(t, h, "GET", "/assets/index-abc123.js", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res := get(t, h, "GET", "/assets/index-abc123.js", map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", res.StatusCode)
	}

	res = get(t, h, "GET", "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip for a client that accepts it")
	}
	if res.Header.Get("ETag") == etag {
		t.Error("gzip and identity share an ETag")
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != string(built["assets/index-abc123.js"].Data) {
		t.Error("gzip body does not decode to the file")
	}
	if res := get(t, h, "GET", "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused with q=0")
	}
	if res := get(t, h, "GET", "/assets/logo-def456.svg", map[string]string{"Accept-Encoding": "gzip"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("tiny file compressed")
	}
}

func TestNotBuiltSaysHowToBuild(t *testing.T) {
	h := New(fstest.MapFS{})
	for _, p := range []string{"/", "/people"} {
		res := get(t, h, "GET", p, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", p, res.StatusCode)
		}
		if b := body(t, res); !strings.Contains(b, "make webapp") {
			t.Errorf("%s: page does not say to run make webapp: %s", p, b)
		}
	}
}

// The embedded build is either the real app or nothing; either way the
// root page answers.
func TestEmbeddedHandlerAnswers(t *testing.T) {
	res := get(t, Handler(), "GET", "/", nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body(t, res), "<!doctype html>") {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
}

func TestPolicyWithMediaOrigins(t *testing.T) {
	p := PolicyWithMedia("https://s3.example.com")
	for _, want := range []string{"img-src 'self' https://s3.example.com", "media-src 'self' https://s3.example.com",
		"connect-src 'self' https://s3.example.com", "script-src 'self';"} {
		if !strings.Contains(p, want) {
			t.Errorf("policy lacks %q: %s", want, p)
		}
	}
	if PolicyWithMedia() != ContentSecurityPolicy {
		t.Error("no origins changed the policy")
	}
}
