package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// env is what a run needs: a token per client and the channel ids.
type env struct {
	tokens   []string
	channels []string
}

type stateFile struct {
	Tokens   map[string]string `json:"tokens"`   // username -> bearer token
	Channels map[string]string `json:"channels"` // name -> id
}

const loadPassword = "load-password-1"

func statePath(o options) string {
	if o.state != "" {
		return o.state
	}
	u, _ := url.Parse(o.url)
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "kontor-load", strings.ReplaceAll(u.Host, ":", "_")+".json")
}

// api calls the server with a bearer token and decodes the answer into out.
func api(ctx context.Context, method, base, token, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

func login(ctx context.Context, base, user, password string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	_, err := api(ctx, "POST", base, "", "/api/v1/auth/login", map[string]any{"username": user, "password": password, "bearer": true}, &out)
	return out.Token, err
}

// postMessage posts as the web app does, under a fresh client id (which
// costs the server a lookup and a row per message).
func postMessage(ctx context.Context, base, token, channelID, text string) error {
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	_, err := api(ctx, "POST", base, token, "/api/v1/channels/"+channelID+"/messages",
		map[string]any{"text": text, "client_id": hex.EncodeToString(id)}, nil)
	return err
}

// setup makes sure the load users exist with working tokens and that the
// channels exist with every client in its channel.
func setup(ctx context.Context, o options) (*env, error) {
	path := statePath(o)
	st := stateFile{Tokens: map[string]string{}, Channels: map[string]string{}}
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &st)
	}
	if o.adminPassword == "" {
		return nil, errors.New("give --admin-password (or KONTOR_ADMIN_PASSWORD)")
	}
	admin, err := login(ctx, o.url, o.adminUser, o.adminPassword)
	if err != nil {
		return nil, fmt.Errorf("admin login: %w", err)
	}
	e := &env{tokens: make([]string, o.clients)}
	ids := make([]string, o.clients)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	created := 0
	for i := 0; i < o.clients; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			name := fmt.Sprintf("load-%05d", i+1)
			fail := func(err error) {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
			mu.Lock()
			tok := st.Tokens[name]
			mu.Unlock()
			var me struct {
				ID string `json:"id"`
			}
			if tok != "" {
				if _, err := api(ctx, "GET", o.url, tok, "/api/v1/users/me", nil, &me); err == nil {
					e.tokens[i], ids[i] = tok, me.ID
					return
				}
			}
			if code, err := api(ctx, "POST", o.url, admin, "/api/v1/admin/users", map[string]any{"username": name, "password": loadPassword}, nil); err != nil && code != http.StatusConflict {
				fail(err)
				return
			} else if err == nil {
				mu.Lock()
				created++
				mu.Unlock()
			}
			tok, err := login(ctx, o.url, name, loadPassword)
			if err != nil {
				fail(err)
				return
			}
			if _, err := api(ctx, "GET", o.url, tok, "/api/v1/users/me", nil, &me); err != nil {
				fail(err)
				return
			}
			mu.Lock()
			st.Tokens[name] = tok
			mu.Unlock()
			e.tokens[i], ids[i] = tok, me.ID
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if created > 0 {
		fmt.Fprintf(os.Stderr, "kontor-load: created %d users\n", created)
	}
	for c := 0; c < o.channels; c++ {
		name := "load-" + strconv.Itoa(o.channels) + "-" + strconv.Itoa(c+1)
		id := st.Channels[name]
		if id == "" {
			var ch struct {
				ID string `json:"id"`
			}
			if _, err := api(ctx, "POST", o.url, admin, "/api/v1/channels", map[string]any{"name": name}, &ch); err != nil {
				return nil, err
			}
			id = ch.ID
			st.Channels[name] = id
		}
		e.channels = append(e.channels, id)
		// Everyone of this channel in, a thousand at a time (joining twice is harmless).
		var members []string
		for i := c; i < o.clients; i += o.channels {
			members = append(members, ids[i])
		}
		for start := 0; start < len(members); start += 1000 {
			chunk := members[start:min(start+1000, len(members))]
			if _, err := api(ctx, "POST", o.url, admin, "/api/v1/channels/"+id+"/members", map[string]any{"user_ids": chunk}, nil); err != nil {
				return nil, err
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
		b, _ := json.MarshalIndent(st, "", " ")
		_ = os.WriteFile(path, b, 0o600)
	}
	return e, nil
}

type memory struct{ rss, heap, cpu float64 }

// serverMemory reads the server's resident memory, Go heap and CPU time
// (process_cpu_seconds_total: utime + stime from /proc/<pid>/stat) from
// /metrics.
func serverMemory(ctx context.Context, base string) (memory, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return memory{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m memory
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "process_resident_memory_bytes":
			m.rss = v
		case "go_memstats_heap_inuse_bytes":
			m.heap = v
		case "process_cpu_seconds_total":
			m.cpu = v
		}
	}
	if m.rss == 0 {
		return m, errors.New("the server's /metrics has no process_resident_memory_bytes")
	}
	return m, nil
}
