// Package webapp serves Kontor's browser and desktop (PWA) client: the
// files Vite builds into webapp/dist/app, embedded into the binary.
//
// Client routes (/people, /admin/users, ...) get index.html so that a
// reload or a shared link opens the right screen; paths under /api/ never
// do, so a mistyped API call gets a problem response, not a page. Hashed
// files under /assets/ are cached for a year; index.html, the service
// worker and the manifest are revalidated on every load so that a new
// version reaches people at once. Every response carries a strict content
// security policy: scripts, styles and connections from this origin only,
// no inline scripts.
//
// A checkout where the web app was never built still compiles (dist holds
// only a .gitkeep); the handler then serves a short page saying how to
// build it.
package webapp

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with every page and file of the web app.
// connect-src 'self' covers the same-origin websocket (CSP level 3).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self'; connect-src 'self'; " +
	"worker-src 'self'; manifest-src 'self'; frame-src 'none'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// PolicyWithMedia is ContentSecurityPolicy that also lets pictures, voice
// messages and file fetches come from origins, such as the S3 endpoint that
// presigned download links point to.
func PolicyWithMedia(origins ...string) string {
	p := ContentSecurityPolicy
	if extra := strings.Join(origins, " "); extra != "" {
		for _, d := range []string{"img-src 'self'", "media-src 'self'", "connect-src 'self'"} {
			p = strings.Replace(p, d, d+" "+extra, 1)
		}
	}
	return p
}

// Handler serves the embedded build. Mount it after the API routes, e.g.
// router.Handle("/*", webapp.Handler()). mediaOrigins are allowed to serve
// pictures and media (see PolicyWithMedia).
func Handler(mediaOrigins ...string) http.Handler {
	sub, err := fs.Sub(dist, "dist/app")
	if err != nil {
		panic(err) // dist/app is a constant, valid path
	}
	h := New(sub)
	h.(*handler).csp = PolicyWithMedia(mediaOrigins...)
	return h
}

// New serves the web app from files: index.html at its root, hashed
// assets under assets/. Files are read and their ETags and gzip variants
// made once, here.
func New(files fs.FS) http.Handler {
	h := &handler{files: map[string]*file{}, csp: ContentSecurityPolicy}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return nil
		}
		h.files["/"+p] = newFile(p, b)
		return nil
	})
	h.index = h.files["/index.html"]
	if h.index == nil {
		h.index = newFile("index.html", []byte(notBuiltPage))
	}
	return h
}

type handler struct {
	files map[string]*file
	index *file
	csp   string
}

type file struct {
	body, gz    []byte
	etag        string
	contentType string
	cache       string
}

func newFile(name string, b []byte) *file {
	sum := sha256.Sum256(b)
	f := &file{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, contentType: contentType(name), cache: cachePolicy(name)}
	if len(b) > 1024 && compressible(f.contentType) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b) {
			f.gz = buf.Bytes()
		}
	}
	return f
}

// cachePolicy: names under assets/ carry a content hash and never change;
// everything else (index.html, sw.js, manifest, icons) is revalidated.
func cachePolicy(name string) string {
	if strings.HasPrefix(name, "assets/") {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".webmanifest":
		return "application/manifest+json"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "javascript") || strings.HasPrefix(ct, "image/svg")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/api" {
		httpapi.WriteError(w, r, apperr.NotFound("no such API operation: %s %s", r.Method, p))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpapi.WriteError(w, r, apperr.NotFound("no such page or API operation: %s %s", r.Method, p))
		return
	}
	w.Header().Set("Content-Security-Policy", h.csp)
	clean := path.Clean("/" + p)
	f := h.files[clean]
	switch {
	case f != nil && clean != "/index.html":
	case isFilePath(clean):
		// A missing file, not a client route: answering with index.html
		// would hand HTML to a <script> or <img>.
		http.Error(w, "not found", http.StatusNotFound)
		return
	default:
		f = h.index
	}
	h.serve(w, r, f)
}

// isFilePath tells a file the app would load (/assets/x.js, /favicon.ico)
// from a client route, which may contain dots too (/people/j.mueller).
func isFilePath(p string) bool {
	if strings.HasPrefix(p, "/assets/") || strings.HasPrefix(p, "/icons/") {
		return true
	}
	return strings.Count(p, "/") == 1 && path.Ext(p) != "" && p != "/index.html"
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, f *file) {
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("Cache-Control", f.cache)
	hd.Set("Vary", "Accept-Encoding")
	body, etag := f.body, f.etag
	if f.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		// A different representation needs its own validator.
		body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
	}
	hd.Set("ETag", etag)
	// ServeContent answers If-None-Match with 304 and handles HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// notBuiltPage is what a binary built without the web app shows.
const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kontor</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Kontor is running, but its web app was not built</h1>
<p>This binary was built without the web app. Run <code>make webapp</code> (or <code>make run</code>)
in the source tree, build the binary again, and reload this page.</p>
<p>The API works: see <a href="/api/docs">/api/docs</a>.</p></body></html>
`
