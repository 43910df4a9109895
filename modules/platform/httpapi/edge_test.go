package httpapi_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/httpapi"
)

func edgeServer(t *testing.T, opt httpapi.Options, tls bool) *httptest.Server {
	t.Helper()
	opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s := httpapi.New(opt)
	var ts *httptest.Server
	if tls {
		ts = httptest.NewTLSServer(s.Handler())
	} else {
		ts = httptest.NewServer(s.Handler())
	}
	t.Cleanup(ts.Close)
	return ts
}

func get(t *testing.T, c *http.Client, url string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func loopback(t *testing.T) []*net.IPNet {
	_, n, err := net.ParseCIDR("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	return []*net.IPNet{n}
}

// /metrics is for this machine (a Prometheus next to Kontor) or for
// whoever has the metrics token; a request a proxy forwards from
// the world is refused even though the proxy itself is on loopback.
func TestMetricsAreNotOpenToTheWorld(t *testing.T) {
	for _, tc := range []struct {
		name    string
		token   string
		headers map[string]string
		want    int
	}{
		{"this machine", "", nil, 200},
		{"forwarded by a proxy", "", map[string]string{"X-Forwarded-For": "203.0.113.9"}, 403},
		{"forwarded (RFC 7239)", "", map[string]string{"Forwarded": "for=203.0.113.9"}, 403},
		{"forwarded, with the token", "s3cret-metrics", map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer s3cret-metrics"}, 200},
		{"forwarded, wrong token", "s3cret-metrics", map[string]string{"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer guess"}, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := edgeServer(t, httpapi.Options{MetricsToken: tc.token, TrustedProxies: loopback(t)}, false)
			if r := get(t, ts.Client(), ts.URL+"/metrics", tc.headers); r.StatusCode != tc.want {
				t.Fatalf("GET /metrics: %d, want %d", r.StatusCode, tc.want)
			}
		})
	}
}

// HSTS goes out with answers to HTTPS requests only, and a client's own
// claim to be on HTTPS is believed only from a trusted proxy.
func TestHSTSOverHTTPSOnly(t *testing.T) {
	year := 365 * 24 * time.Hour
	for _, tc := range []struct {
		name    string
		opt     httpapi.Options
		tls     bool
		headers map[string]string
		want    string
	}{
		{"TLS", httpapi.Options{HSTSMaxAge: year}, true, nil, "max-age=31536000"},
		{"trusted proxy says https", httpapi.Options{HSTSMaxAge: year, TrustedProxies: loopback(t)}, false, map[string]string{"X-Forwarded-Proto": "https"}, "max-age=31536000"},
		{"plain http", httpapi.Options{HSTSMaxAge: year, TrustedProxies: loopback(t)}, false, nil, ""},
		{"untrusted claim", httpapi.Options{HSTSMaxAge: year}, false, map[string]string{"X-Forwarded-Proto": "https"}, ""},
		{"turned off", httpapi.Options{}, true, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := edgeServer(t, tc.opt, tc.tls)
			r := get(t, ts.Client(), ts.URL+"/healthz", tc.headers)
			if got := r.Header.Get("Strict-Transport-Security"); got != tc.want {
				t.Fatalf("Strict-Transport-Security %q, want %q", got, tc.want)
			}
		})
	}
}
