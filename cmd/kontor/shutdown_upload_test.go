package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// A slow upload does not hold a shutdown: SIGTERM ends it at once with a
// problem (it was never acknowledged, so nothing acknowledged is lost) and
// the process exits 0 (issue 9, item 14: it held SIGTERM for the whole
// shutdown timeout and exited 1).
func TestShutdownEndsUploadsInFlight(t *testing.T) {
	dataDir := t.TempDir()
	// A shutdown timeout far longer than the test may take: the server
	// must not need it.
	s := startServer(t, "KONTOR_DATA_DIR="+dataDir, "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123", "KONTOR_SHUTDOWN_TIMEOUT=10m")
	token := apitest.New(t, s.URL).LoginBearer("admin", "chosen-by-ops-123")

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Minute)) // a safety net, not the expectation
	// Expect: 100-continue: the server says "go on" when the handler
	// starts reading the body, so the upload is surely in flight.
	fmt.Fprintf(conn, "POST /api/v1/files?name=big.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Length: 50000000\r\nExpect: 100-continue\r\n\r\n", token)
	br := bufio.NewReader(conn)
	cont, err := http.ReadResponse(br, nil)
	if err != nil || cont.StatusCode != http.StatusContinue {
		t.Fatalf("want 100 Continue: %v %v", cont, err)
	}
	if _, err := io.WriteString(conn, strings.Repeat("x", 64<<10)); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the upload got no answer at shutdown: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"shutting_down"`) {
		t.Fatalf("upload at shutdown: %d %s", resp.StatusCode, body)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.Stderr())
	}
}
