// Package apitest is a small HTTP client for tests that talk to a real
// Kontor server the way the web app and API clients do: cookies plus the
// CSRF header, or a bearer token.
package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

// Client calls one server as one person.
type Client struct {
	t       testing.TB
	base    string
	http    *http.Client
	CSRF    string // sent as X-CSRF-Token when set
	Bearer  string // sent as Authorization: Bearer when set
	Headers map[string]string
}

// New returns a client for the server at base with its own cookie jar.
func New(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar}, Headers: map[string]string{}}
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Problem decodes the body as problem details.
func (r *Response) Problem() httpapi.Problem {
	var p httpapi.Problem
	_ = json.Unmarshal(r.Body, &p)
	return p
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body into a generic map.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	m := map[string]any{}
	r.JSON(t, &m)
	return m
}

// Do sends a request; body is marshalled to JSON unless it is a string
// or []byte, which are sent as they are.
func (c *Client) Do(method, path string, body any) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Must sends a request and fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any) *Response {
	c.t.Helper()
	r := c.Do(method, path, body)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Header returns the credentials this client sends (cookies, bearer),
// for other protocols such as the websocket.
func (c *Client) Header() http.Header {
	h := http.Header{}
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	if c.Bearer != "" {
		h.Set("Authorization", "Bearer "+c.Bearer)
	}
	return h
}

// Base is the server's URL.
func (c *Client) Base() string { return c.base }

// Login signs in with the session cookie and remembers the CSRF token.
func (c *Client) Login(username, password string) *Response {
	c.t.Helper()
	r := c.Must(http.StatusOK, http.MethodPost, "/api/v1/auth/login", map[string]string{"username": username, "password": password})
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	r.JSON(c.t, &body)
	c.CSRF = body.CSRF
	return r
}

// LoginBearer signs in for a bearer token and uses it from then on.
func (c *Client) LoginBearer(username, password string) string {
	c.t.Helper()
	r := c.Must(http.StatusOK, http.MethodPost, "/api/v1/auth/login", map[string]any{"username": username, "password": password, "bearer": true})
	var body struct {
		Token string `json:"token"`
	}
	r.JSON(c.t, &body)
	c.Bearer = body.Token
	return body.Token
}
