package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// postRaw posts a message and reports its id and seq, or ok=false when the
// request failed in any way (the server may be gone).
// postRaw posts text (under clientID, when given) and reports the
// message, or false for anything but a 201 (the server may be dead).
func postRaw(c *http.Client, base, token, channelID, text, clientID string) (id string, seq int64, ok bool) {
	body := map[string]string{"text": text}
	if clientID != "" {
		body["client_id"] = clientID
	}
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/api/v1/channels/"+channelID+"/messages", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return "", 0, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", 0, false
	}
	var m struct {
		ID  string `json:"id"`
		Seq int64  `json:"seq"`
	}
	if json.NewDecoder(resp.Body).Decode(&m) != nil {
		return "", 0, false
	}
	return m.ID, m.Seq, true
}

// serveText serves body at every path but /missing (404) on 127.0.0.1
// until the test ends, and returns the base URL.
func serveText(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
