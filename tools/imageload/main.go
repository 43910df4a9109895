// Command imageload measures what many hostile profile-picture uploads at
// once cost a running `kontor serve`: it starts the server (SQLite in a
// temporary data dir, API rate limit off: the worst case), creates one
// ordinary user, reads the server's resident memory when idle, resets the
// kernel's peak counter, sends -n uploads of the same picture at once as
// that user and reports the peak resident memory above idle (VmHWM from
// /proc; Linux only) and the answers. docs/benchmarks.md has the figures.
//
//	go run ./tools/imageload -n 300 -picture hostile
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	n := flag.Int("n", 300, "uploads sent at once")
	picture := flag.String("picture", "hostile", "hostile: 2048x2048 16-bit PNG (32 MiB decoded, refused from its header); largest: 2048x2048 8-bit RGBA PNG (16 MiB decoded, the largest accepted)")
	bin := flag.String("bin", "", "kontor binary; empty: built from ./cmd/kontor")
	flag.Parse()
	if err := run(*n, *picture, *bin); err != nil {
		log.Fatal(err)
	}
}

func run(n int, picture, bin string) error {
	tmp, err := os.MkdirTemp("", "imageload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "kontor")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/kontor").CombinedOutput(); err != nil {
			return fmt.Errorf("build: %v\n%s", err, out)
		}
	}
	var img image.Image = image.NewNRGBA64(image.Rect(0, 0, 2048, 2048))
	if picture == "largest" {
		img = image.NewNRGBA(image.Rect(0, 0, 2048, 2048))
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		return err
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "KONTOR_ADDR="+addr, "KONTOR_DATA_DIR="+filepath.Join(tmp, "data"),
		"KONTOR_ADMIN_PASSWORD=imageload-admin-pw", "KONTOR_RATE_LIMIT=0", "KONTOR_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 600 {
			return fmt.Errorf("kontor serve did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	admin, err := login(base, "admin", "imageload-admin-pw")
	if err != nil {
		return err
	}
	if _, err := call(base, admin, "POST", "/api/v1/admin/users", "application/json",
		`{"username":"mallory","password":"mallory-password-1","display_name":"Mallory","roles":[]}`, 201); err != nil {
		return err
	}
	user, err := login(base, "mallory", "mallory-password-1")
	if err != nil {
		return err
	}
	// One upload first, so that what every request needs once is in place.
	_, _ = call(base, user, "PUT", "/api/v1/users/me/avatar", "image/png", pic.String(), 0)

	pid := cmd.Process.Pid
	idle, err := procKiB(pid, "VmRSS")
	if err != nil {
		return err
	}
	// Writing 5 to clear_refs resets VmHWM to the current RSS.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("reset the peak counter: %w", err)
	}

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: n}}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[string]int{}
	gate := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			req, _ := http.NewRequest("PUT", base+"/api/v1/users/me/avatar", bytes.NewReader(pic.Bytes()))
			req.Header.Set("Authorization", "Bearer "+user)
			req.Header.Set("Content-Type", "image/png")
			key := ""
			resp, err := client.Do(req)
			if err != nil {
				key = "error: " + err.Error()
			} else {
				var p struct{ Code string }
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				_ = json.Unmarshal(b, &p)
				key = strconv.Itoa(resp.StatusCode) + " " + p.Code
			}
			mu.Lock()
			statuses[strings.TrimSpace(key)]++
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	took := time.Since(start)
	peak, err := procKiB(pid, "VmHWM")
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("picture: %s (%d bytes), %d uploads at once by one user, in %s\n", picture, pic.Len(), n, took.Round(time.Millisecond))
	for _, k := range keys {
		fmt.Printf("  %4d x %s\n", statuses[k], k)
	}
	fmt.Printf("RSS idle %.1f MiB, peak %.1f MiB: peak above idle %.1f MiB\n", float64(idle)/1024, float64(peak)/1024, float64(peak-idle)/1024)
	return nil
}

func login(base, username, password string) (string, error) {
	b, err := call(base, "", "POST", "/api/v1/auth/login", "application/json",
		fmt.Sprintf(`{"username":%q,"password":%q,"bearer":true}`, username, password), 200)
	if err != nil {
		return "", err
	}
	var out struct{ Token string }
	return out.Token, json.Unmarshal(b, &out)
}

func call(base, token, method, path, ct, body string, want int) ([]byte, error) {
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ct)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if want != 0 && resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b, nil
}

// procKiB reads a "Name:  1234 kB" line of /proc/pid/status.
func procKiB(pid int, name string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
