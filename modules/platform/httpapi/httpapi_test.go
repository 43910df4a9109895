package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

type echoIn struct {
	Mode string `path:"mode"`
	Body struct {
		Name string `json:"name" maxLength:"8"`
	}
}
type echoOut struct {
	Body struct {
		Name string `json:"name"`
	}
}

func newServer(t *testing.T, logs *bytes.Buffer) *httptest.Server {
	log := slog.New(slog.NewJSONHandler(logs, nil))
	s := httpapi.New(httpapi.Options{Log: log, Version: "test",
		Ready: map[string]func(context.Context) error{"db": func(context.Context) error { return nil }}})
	huma.Register(s.API(), huma.Operation{OperationID: "test-echo", Method: http.MethodPost, Path: "/api/v1/echo/{mode}"},
		func(ctx context.Context, in *echoIn) (*echoOut, error) {
			switch in.Mode {
			case "internal":
				return nil, fmt.Errorf("query users: %w", fmt.Errorf("pq: relation \"secret_table\" does not exist"))
			case "notfound":
				return nil, fmt.Errorf("load channel: %w", apperr.NotFound("channel %q does not exist", in.Body.Name))
			case "wrapped-sentinel":
				return nil, fmt.Errorf("row for /var/lib/kontor: %w", apperr.ErrNotFound)
			case "limited":
				return nil, apperr.RateLimited(90*time.Second, "too many attempts; wait")
			}
			out := &echoOut{}
			out.Body.Name = in.Body.Name
			return out, nil
		})
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func post(t *testing.T, url, body string) (*http.Response, httpapi.Problem, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var p httpapi.Problem
	_ = json.Unmarshal(raw, &p)
	return resp, p, string(raw)
}

func TestErrorsBecomeSafeProblems(t *testing.T) {
	var logs bytes.Buffer
	ts := newServer(t, &logs)
	for _, tc := range []struct {
		name, mode, body string
		status           int
		detail           string
		mustNotContain   string
	}{
		{"ok", "ok", `{"name":"ann"}`, 200, "", ""},
		{"internal error hides its text", "internal", `{"name":"x"}`, 500, "error id", "secret_table"},
		{"user-facing error keeps its message", "notfound", `{"name":"general"}`, 404, `channel "general" does not exist`, ""},
		{"wrapped sentinel maps status without the wrapping text", "wrapped-sentinel", `{"name":"x"}`, 404, "Not Found", "/var/lib"},
		{"validation says which field but not the value", "ok", `{"name":"far too long a name"}`, 422, "validation failed", "far too long"},
		{"malformed json", "ok", `{"name":`, 400, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, p, raw := post(t, ts.URL+"/api/v1/echo/"+tc.mode, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, raw)
			}
			if tc.status >= 400 {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("content type %q, want application/problem+json", ct)
				}
				if p.Status != tc.status || p.Title == "" {
					t.Errorf("problem %+v lacks status or title", p)
				}
			}
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q does not contain %q", p.Detail, tc.detail)
			}
			if tc.mustNotContain != "" && strings.Contains(raw, tc.mustNotContain) {
				t.Errorf("response leaks %q: %s", tc.mustNotContain, raw)
			}
		})
	}
	if !strings.Contains(logs.String(), "secret_table") {
		t.Errorf("the internal error is not in the server log, so nobody can find it:\n%s", logs.String())
	}
}

func TestRateLimitedSetsRetryAfter(t *testing.T) {
	var logs bytes.Buffer
	ts := newServer(t, &logs)
	resp, p, _ := post(t, ts.URL+"/api/v1/echo/limited", `{"name":"x"}`)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "90" || p.Detail != "too many attempts; wait" {
		t.Fatalf("got %d Retry-After=%q %+v", resp.StatusCode, resp.Header.Get("Retry-After"), p)
	}
}

func TestHealthMetricsDocsAndUnknownRoutes(t *testing.T) {
	var logs bytes.Buffer
	ts := newServer(t, &logs)
	post(t, ts.URL+"/api/v1/echo/ok", `{"name":"a"}`)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/healthz", "ok", 200},
		{"/readyz", "ready", 200},
		{"/metrics", `kontor_http_requests_total{code="200",method="POST",operation="test-echo"} 1`, 200},
		{"/api/openapi.json", `"operationId":"test-echo"`, 200},
		{"/api/docs", "/api/v1/echo/{mode}", 200},
		{"/nope", "no such page", 404},
	} {
		resp, err := http.Get(ts.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s: %d, body lacks %q:\n%.400s", tc.path, resp.StatusCode, tc.want, b)
		}
		if resp.Header.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", tc.path)
		}
	}
}

func TestRateLimitAnswers429(t *testing.T) {
	var logs bytes.Buffer
	s := httpapi.New(httpapi.Options{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Middleware: []func(http.Handler) http.Handler{httpapi.RateLimit(1, 3)}})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	codes := []int{}
	for i := 0; i < 5; i++ {
		resp, err := http.Get(ts.URL + "/api/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Fatalf("codes %v", codes)
	}
	// Outside /api/ nothing is counted.
	if resp, _ := http.Get(ts.URL + "/healthz"); resp.StatusCode != 200 {
		t.Fatalf("healthz limited: %d", resp.StatusCode)
	}
}

func TestAddressesMustBeText(t *testing.T) {
	ts := newServer(t, &bytes.Buffer{})
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/v1/echo/plain", http.StatusOK},
		{"/api/v1/echo/caf%C3%A9?q=M%C3%BCller&x=%E6%9D%8E", http.StatusOK},
		{"/api/v1/echo/plain?q=%ZZ", http.StatusOK}, // not an escape at all: the operation's own parser decides
		{"/api/v1/echo/a%00b", http.StatusBadRequest},
		{"/api/v1/echo/%FF%FE", http.StatusBadRequest},
		{"/api/v1/echo/plain?q=%00", http.StatusBadRequest},
		{"/api/v1/echo/plain?a=1&q=%C3", http.StatusBadRequest},
		{"/api/v1/echo/plain?%FF=1", http.StatusBadRequest},
	} {
		resp, p, raw := post(t, ts.URL+tc.path, `{"name":"x"}`)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.path, resp.StatusCode, tc.want, raw)
		}
		if tc.want == http.StatusBadRequest && p.Code != "address_not_text" {
			t.Errorf("%s: code %q", tc.path, p.Code)
		}
	}
}

// A private feed's address is its credential: the request log shows the
// prefix, never the token.
func TestSecretPathsAreNotLogged(t *testing.T) {
	var logs bytes.Buffer
	srv := httpapi.New(httpapi.Options{Log: slog.New(slog.NewTextHandler(&logs, nil)), SecretPaths: []string{"/api/v1/feed/"}})
	srv.Router().Get("/api/v1/feed/{token}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, p := range []string{"/api/v1/feed/kcf_geheimes-token", "/api/v1/other"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if strings.Contains(logs.String(), "geheimes-token") || !strings.Contains(logs.String(), "/api/v1/feed/…") {
		t.Errorf("the log shows the token or not the prefix:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "path=/api/v1/other") {
		t.Errorf("other paths are logged as they are:\n%s", logs.String())
	}
}
