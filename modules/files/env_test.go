package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/files"
	"github.com/kontorhq/kontor/modules/files/blob"
	"github.com/kontorhq/kontor/modules/files/blob/blobtest"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/bus"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/eventlog"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/imagebudget"
	"github.com/kontorhq/kontor/modules/platform/logtest"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// env is a files module on a real database and a real blob store, served
// over HTTP, with chat and the journal stood in for by small real
// implementations on test tables.
type env struct {
	t      testing.TB
	kind   string // local or s3
	db     *db.DB
	store  blob.Store
	s3     *blob.S3Config // nil for the local store
	proxy  *blobtest.Proxy
	mod    *files.Module
	events *eventlog.Log
	clock  *clock.Manual
	url    string
	cfg    files.Config
	images *imagebudget.Budget // nil unless options.imageMemory
}

type options struct {
	conf func(*files.Config)
	// proxied puts a cuttable TCP proxy between Kontor and MinIO.
	proxied bool
	// imageMemory, when set, gives the module an image budget of this
	// many bytes that the test can look at (env.images).
	imageMemory int64
}

// eachEnv runs fn against the local store and against MinIO, each on
// SQLite and on PostgreSQL.
func eachEnv(t *testing.T, o options, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, kind := range []string{"local", "s3"} {
		t.Run(kind, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) { fn(t, newEnv(t, d, kind, o)) })
		})
	}
}

// s3Only runs fn against MinIO only (S3-specific behaviour), on SQLite.
func s3Only(t *testing.T, o options, fn func(t *testing.T, e *env)) {
	t.Helper()
	fn(t, newEnv(t, dbtest.SQLite(t), "s3", o))
}

const testSchema = `
CREATE TABLE test_members (user_id TEXT NOT NULL, channel_id TEXT NOT NULL, PRIMARY KEY (user_id, channel_id));
CREATE TABLE test_journal (seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, actor_id TEXT NOT NULL, channel_id TEXT NOT NULL,
	subject_id TEXT NOT NULL, meta TEXT NOT NULL, content TEXT NOT NULL)`

func newEnv(t testing.TB, d *db.DB, kind string, o options) *env {
	t.Helper()
	ctx := context.Background()
	for _, stmt := range strings.Split(testSchema, ";") {
		if _, err := d.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, kind: kind, db: d, clock: clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	switch kind {
	case "local":
		s, err := blob.NewLocal(t.TempDir(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.store = s
	case "s3":
		cfg := blobtest.S3Config(t)
		if o.proxied {
			e.proxy = blobtest.NewProxy(t, cfg.Endpoint)
			cfg.Endpoint = e.proxy.Addr()
		}
		s, err := blob.NewS3(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		e.store, e.s3 = s, &cfg
	}
	e.cfg = files.DefaultConfig()
	e.cfg.MaxUpload = 2 << 20
	if o.conf != nil {
		o.conf(&e.cfg)
	}
	log := logtest.New(t)
	if o.imageMemory > 0 {
		e.images = imagebudget.New(o.imageMemory)
	}
	e.events = eventlog.New(d, bus.NewLocal())
	m, err := files.New(files.Deps{DB: d, Store: e.store, Log: log, Clock: e.clock,
		Access: members{d}, Journal: testJournal{}, Events: e.events, Images: e.images}, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.mod = m
	srv := httpapi.New(httpapi.Options{Log: log, Middleware: []func(http.Handler) http.Handler{testAuth}})
	m.Register(srv.API())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

// testAuth signs callers in by their bearer token, which is their user
// id; ids starting with "admin" are admins. (The identity module does
// this for real; files only reads the principal.)
func testAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			r = r.WithContext(userContext(r.Context(), tok))
		}
		next.ServeHTTP(w, r)
	})
}

func userContext(ctx context.Context, id string) context.Context {
	p := &authn.Principal{UserID: id, Username: id}
	if strings.HasPrefix(id, "admin") {
		p.Roles = []authn.Role{authn.RoleAdmin}
	}
	return authn.WithPrincipal(ctx, p)
}

// members stands in for chat: who may read which channel, in a test table.
type members struct{ d *db.DB }

func (m members) CanRead(ctx context.Context, userID, channelID string) (bool, error) {
	var n int
	err := m.d.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_members WHERE user_id = ? AND channel_id = ?`, userID, channelID).Scan(&n)
	return n > 0, err
}

// testJournal stands in for compliance/journal: entries go to a test
// table in the caller's transaction.
type testJournal struct{}

func (testJournal) Append(ctx context.Context, tx *db.Tx, e record.Entry) (int64, error) {
	seq, err := db.NextCounter(ctx, tx, "test_journal")
	if err != nil {
		return 0, err
	}
	meta, _ := json.Marshal(e.Meta)
	content, _ := json.Marshal(e.Content)
	_, err = tx.ExecContext(ctx, `INSERT INTO test_journal (seq, kind, actor_id, channel_id, subject_id, meta, content) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		seq, e.Kind, e.ActorID, e.ChannelID, e.SubjectID, string(meta), string(content))
	return seq, err
}

type journalEntry struct {
	Kind, Actor, Channel, Subject string
	Meta                          map[string]string
}

func (e *env) journal() []journalEntry {
	e.t.Helper()
	rows, err := e.db.QueryContext(context.Background(), `SELECT kind, actor_id, channel_id, subject_id, meta FROM test_journal ORDER BY seq`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []journalEntry
	for rows.Next() {
		var j journalEntry
		var meta string
		if err := rows.Scan(&j.Kind, &j.Actor, &j.Channel, &j.Subject, &meta); err != nil {
			e.t.Fatal(err)
		}
		_ = json.Unmarshal([]byte(meta), &j.Meta)
		out = append(out, j)
	}
	return out
}

func (e *env) join(user, channel string) {
	e.t.Helper()
	if _, err := e.db.ExecContext(context.Background(), `INSERT INTO test_members (user_id, channel_id) VALUES (?, ?)`, user, channel); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) leave(user, channel string) {
	e.t.Helper()
	if _, err := e.db.ExecContext(context.Background(), `DELETE FROM test_members WHERE user_id = ? AND channel_id = ?`, user, channel); err != nil {
		e.t.Fatal(err)
	}
}

// post stands in for chat posting a message with files: Attach in the
// message's transaction. It returns the message id and the attachments.
func (e *env) post(user, channel string, fileIDs ...string) (string, []files.Attachment, error) {
	msg := ids.New()
	var raw json.RawMessage
	err := e.db.WithTx(context.Background(), func(tx *db.Tx) error {
		var err error
		raw, err = e.mod.Attach(context.Background(), tx, user, channel, msg, fileIDs)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	var as []files.Attachment
	if err := json.Unmarshal(raw, &as); err != nil {
		e.t.Fatalf("attachments %s: %v", raw, err)
	}
	return msg, as, nil
}

func (e *env) mustPost(user, channel string, fileIDs ...string) string {
	e.t.Helper()
	msg, _, err := e.post(user, channel, fileIDs...)
	if err != nil {
		e.t.Fatalf("post with files %v: %v", fileIDs, err)
	}
	return msg
}

func (e *env) client(user string) *apitest.Client {
	c := apitest.New(e.t, e.url)
	if user != "" {
		c.Bearer = user
	}
	return c
}

// noRedirect is an HTTP client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) problem() httpapi.Problem {
	var p httpapi.Problem
	_ = json.Unmarshal(r.Body, &p)
	return p
}

func (e *env) do(user, method, path string, body io.Reader, size int64, header http.Header) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.ContentLength = size
	for k, v := range header {
		req.Header[k] = v
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+user)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// uploadRaw sends data as an upload; chunked sends it without a length.
func (e *env) uploadRaw(user, name string, data []byte, q url.Values, chunked bool) response {
	e.t.Helper()
	if q == nil {
		q = url.Values{}
	}
	if name != "" {
		q.Set("name", name)
	}
	var body io.Reader = bytes.NewReader(data)
	size := int64(len(data))
	if chunked {
		body, size = io.MultiReader(bytes.NewReader(data)), -1
	}
	return e.do(user, http.MethodPost, "/api/v1/files?"+q.Encode(), body, size,
		http.Header{"Content-Type": {"image/png"}}) // a lie the server must ignore
}

// upload uploads and expects success.
func (e *env) upload(user, name string, data []byte) files.File {
	e.t.Helper()
	r := e.uploadRaw(user, name, data, nil, false)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("upload %q: %d %s", name, r.Status, r.Body)
	}
	var f files.File
	if err := json.Unmarshal(r.Body, &f); err != nil {
		e.t.Fatal(err)
	}
	if r.Header.Get("Location") != f.URL {
		e.t.Fatalf("Location %q, want %q", r.Header.Get("Location"), f.URL)
	}
	return f
}

// get fetches a file's bytes as user, following a redirect to S3 the way
// a browser does (without Kontor's credentials).
func (e *env) get(user, path string, header http.Header) response {
	e.t.Helper()
	r := e.do(user, http.MethodGet, path, nil, 0, header)
	if r.Status != http.StatusFound {
		return r
	}
	if e.kind != "s3" {
		e.t.Fatalf("GET %s: redirect from the local store", path)
	}
	loc := r.Header.Get("Location")
	if !strings.Contains(loc, "X-Amz-Signature=") || r.Header.Get("Cache-Control") != "no-store" {
		e.t.Fatalf("GET %s: redirect to %q (Cache-Control %q), want a presigned S3 URL that is not cached", path, loc, r.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodGet, loc, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// count returns the rows of a table matching where.
func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	q := `SELECT COUNT(*) FROM ` + table
	if where != "" {
		q += ` WHERE ` + where
	}
	var n int
	if err := e.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// stored lists the objects in the blob store under prefix.
func (e *env) stored(prefix string) map[string]int64 {
	e.t.Helper()
	return blobtest.Keys(e.t, e.store, prefix)
}

// nothingStored asserts that no file, blob, leftover or usage exists.
func (e *env) nothingStored() {
	e.t.Helper()
	if keys := e.stored(""); len(keys) != 0 {
		e.t.Errorf("blobs left in the store: %v", keys)
	}
	if e.s3 != nil {
		if up := blobtest.IncompleteUploads(e.t, *e.s3); len(up) != 0 {
			e.t.Errorf("unfinished multipart uploads left: %v", up)
		}
	}
	for _, table := range []string{"files", "file_blob_trash"} {
		if n := e.count(table, ""); n != 0 {
			e.t.Errorf("%d rows in %s", n, table)
		}
	}
	if n := e.count("file_usage", "bytes <> 0 OR files <> 0"); n != 0 {
		e.t.Errorf("usage recorded for nothing stored")
	}
}

// eventsOf returns the events of type typ so far.
func (e *env) eventsOf(typ string) []eventlog.Event {
	e.t.Helper()
	all, err := e.events.Since(context.Background(), 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []eventlog.Event
	for _, ev := range all {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) runPreviews() {
	e.t.Helper()
	if _, err := e.mod.RunPreviews(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) getFile(user, id string) files.File {
	e.t.Helper()
	var f files.File
	e.client(user).Must(http.StatusOK, http.MethodGet, "/api/v1/files/"+id, nil).JSON(e.t, &f)
	return f
}
