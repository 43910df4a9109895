package main

import (
	"bufio"

	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/kontorhq/kontor/modules/identity/ldapdir/ldaptest"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

var kontorBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kontor-bin-")
	if err != nil {
		panic(err)
	}
	kontorBin = filepath.Join(dir, "kontor")
	out, err := exec.Command("go", "build", "-o", kontorBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build kontor: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is a running `kontor serve`.
type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	URL    string
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
	done   chan error
}

func (s *server) Stdout() string { s.mu.Lock(); defer s.mu.Unlock(); return s.stdout.String() }
func (s *server) Stderr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.stderr.String() }

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// freeCallPorts lets the call server pick free ports, so that servers
// of parallel tests (and cluster nodes) do not compete for the default.
func freeCallPorts() []string {
	return []string{"KONTOR_CALLS_UDP_ADDR=127.0.0.1:0", "KONTOR_CALLS_TCP_ADDR=127.0.0.1:0"}
}

// startServer runs kontor serve with env added to a clean environment
// and waits until /healthz answers.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	s := &server{t: t, URL: "http://" + addr, done: make(chan error, 1)}
	s.cmd = exec.Command(kontorBin, "serve")
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "KONTOR_ADDR=" + addr, "KONTOR_LOG_FORMAT=json"},
		append(freeCallPorts(), env...)...)
	s.cmd.Stdout = lockedWriter{&s.mu, &s.stdout}
	s.cmd.Stderr = lockedWriter{&s.mu, &s.stderr}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s\nserver stderr:\n%s", s.Stdout(), s.Stderr())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		// The banner ends with this line and comes before the server answers.
		if strings.Contains(s.Stdout(), "is running at") {
			resp, err := http.Get(s.URL + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return s
				}
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("kontor serve exited: %v\n%s", err, s.Stderr())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("kontor serve did not become healthy:\n%s", s.Stderr())
	return nil
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("kontor serve exited with %v after SIGTERM:\n%s", err, s.Stderr())
		}
	case <-time.After(30 * time.Second):
		s.t.Fatal("kontor serve did not stop within 30s of SIGTERM")
	}
}

func printedPassword(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "password: "); ok {
			return v
		}
	}
	return ""
}

func databases(t *testing.T) map[string]func(t *testing.T, dataDir string) []string {
	return map[string]func(t *testing.T, dataDir string) []string{
		"sqlite": func(t *testing.T, dataDir string) []string { return []string{"KONTOR_DATA_DIR=" + dataDir} },
		"postgres": func(t *testing.T, dataDir string) []string {
			return []string{"KONTOR_DATA_DIR=" + dataDir, "KONTOR_DATABASE_URL=" + dbtest.PostgresURL(t)}
		},
	}
}

func TestFirstStartCreatesAdminAndPrintsItOnce(t *testing.T) {
	for name, envFor := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := envFor(t, t.TempDir())
			s := startServer(t, env...)
			pw := printedPassword(s.Stdout())
			if len(pw) < 16 {
				t.Fatalf("no admin password printed on first start:\n%s", s.Stdout())
			}
			c := apitest.New(t, s.URL)
			c.Login("admin", pw)
			c.Must(200, "GET", "/api/v1/admin/users", nil)
			spec := c.Must(200, "GET", "/api/openapi.json", nil)
			for _, op := range []string{"auth-login", "users-search", "admin-audit-log", "admin-ldap-sync"} {
				if !strings.Contains(string(spec.Body), `"operationId":"`+op+`"`) {
					t.Errorf("openapi.json lacks %s", op)
				}
			}
			s.stop()
			if strings.Contains(s.Stderr(), pw) {
				t.Fatal("the admin password is in the log")
			}

			again := startServer(t, env...)
			if p := printedPassword(again.Stdout()); p != "" || strings.Contains(again.Stdout(), "First start") {
				t.Fatalf("second start printed a secret again:\n%s", again.Stdout())
			}
			apitest.New(t, again.URL).Login("admin", pw)
			again.stop()
		})
	}
}

func TestAdminPasswordFromEnvironment(t *testing.T) {
	s := startServer(t, "KONTOR_DATA_DIR="+t.TempDir(), "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123")
	if strings.Contains(s.Stdout(), "chosen-by-ops-123") || strings.Contains(s.Stderr(), "chosen-by-ops-123") {
		t.Fatal("the given admin password was printed")
	}
	apitest.New(t, s.URL).Login("admin", "chosen-by-ops-123")
	s.stop()
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	s := startServer(t, "KONTOR_DATA_DIR="+t.TempDir(), "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123")
	// A request whose body is still arriving when SIGTERM comes.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"username":"admin","password":"chosen-by-ops-123"}`
	fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:10])
	time.Sleep(200 * time.Millisecond)
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("request in flight during shutdown got no answer: %v", err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("request in flight during shutdown: %d", resp.StatusCode)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("did not stop")
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Fatal("still answering after shutdown")
	}
}

// run runs a kontor command and returns its output and error.
func run(t *testing.T, env []string, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(kontorBin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "KONTOR_LOG_FORMAT=json", "KONTOR_LOG_LEVEL=warn"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRun(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	out, err := run(t, env, stdin, args...)
	if err != nil {
		t.Fatalf("kontor %v: %v\n%s", args, err, out)
	}
	return out
}

func TestUserAndMigrateCommands(t *testing.T) {
	for name, envFor := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := append(envFor(t, t.TempDir()), "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123")
			out := mustRun(t, env, "", "migrate", "up")
			if !strings.Contains(out, "applied 0001 identity") {
				t.Fatalf("migrate up: %s", out)
			}
			if out := mustRun(t, env, "", "migrate", "status"); !strings.Contains(out, "0001") || strings.Contains(out, "pending") {
				t.Fatalf("migrate status: %s", out)
			}
			out = mustRun(t, env, "", "user", "create", "bob", "--display-name", "Bob Bäcker", "--role", "compliance")
			pw := printedPassword(out)
			if pw == "" {
				t.Fatalf("user create printed no password: %s", out)
			}
			mustRun(t, env, "carol-password-1\n", "user", "create", "carol", "--password-stdin")
			if out, err := run(t, env, "", "user", "create", "bob"); err == nil || !strings.Contains(out, "taken") {
				t.Fatalf("second bob: %v %s", err, out)
			}
			if out, err := run(t, env, "", "user", "set-role", "bob", "root"); err == nil || !strings.Contains(out, "unknown role") {
				t.Fatalf("bad role: %v %s", err, out)
			}
			mustRun(t, env, "", "user", "disable", "bob")
			list := mustRun(t, env, "", "user", "list")
			if strings.Contains(list, "bob") || !strings.Contains(list, "carol") {
				t.Fatalf("user list without disabled:\n%s", list)
			}
			if all := mustRun(t, env, "", "user", "list", "--all"); !strings.Contains(all, "bob") || !strings.Contains(all, "disabled") {
				t.Fatalf("user list --all:\n%s", all)
			}

			s := startServer(t, env...)
			r := apitest.New(t, s.URL).Do("POST", "/api/v1/auth/login", map[string]string{"username": "bob", "password": pw})
			if r.Status != 403 {
				t.Fatalf("disabled bob signs in: %d", r.Status)
			}
			apitest.New(t, s.URL).Login("carol", "carol-password-1")
			mustRun(t, env, "", "user", "enable", "bob")
			mustRun(t, env, "", "user", "set-role", "bob", "admin", "compliance")
			mustRun(t, env, "bob-new-password\n", "user", "reset-password", "bob", "--password-stdin")
			admin := apitest.New(t, s.URL)
			admin.Login("bob", "bob-new-password")
			log := admin.Must(200, "GET", "/api/v1/admin/audit-log?target_type=user", nil)
			if n := strings.Count(string(log.Body), `"actor_name":"cli"`); n < 6 {
				t.Fatalf("CLI actions in the audit log: %d\n%s", n, log.Body)
			}
			s.stop()
		})
	}
}

func TestLDAPCommands(t *testing.T) {
	tr := ldaptest.NewTree(t)
	dn := tr.AddPerson(ldaptest.Person{UID: "jmueller", Password: "Grüße-2026", DisplayName: "Jürgen Müller", Department: "Einkauf"})
	tr.AddGroup("kontor-admins", dn)
	srv := tr.Server()
	pwFile := filepath.Join(t.TempDir(), "bind-pw")
	os.WriteFile(pwFile, []byte(srv.AdminPassword+"\n"), 0o600)
	env := []string{
		"KONTOR_DATA_DIR=" + t.TempDir(), "KONTOR_LDAP_URL=" + srv.URL, "KONTOR_LDAP_BIND_DN=" + srv.AdminDN,
		"KONTOR_LDAP_BIND_PASSWORD_FILE=" + pwFile, "KONTOR_LDAP_USER_BASE_DN=" + tr.People, "KONTOR_LDAP_GROUP_BASE_DN=" + tr.Groups,
		"KONTOR_LDAP_ADMIN_GROUP=kontor-admins", "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123",
	}
	out := mustRun(t, env, "Grüße-2026\n", "ldap", "test", "jmueller", "--password-stdin")
	for _, want := range []string{"ok   find jmueller", "Jürgen Müller", "Einkauf", "admin:", "true", "ok   bind as"} {
		if !strings.Contains(out, want) {
			t.Errorf("ldap test output lacks %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		stdin string
		want  string
	}{
		{"user not found", nil, []string{"ldap", "test", "nobody"}, "", "not found"},
		{"wrong password", nil, []string{"ldap", "test", "jmueller", "--password-stdin"}, "wrong\n", "wrong password"},
		{"bind refused", []string{"KONTOR_LDAP_BIND_PASSWORD_FILE=", "KONTOR_LDAP_BIND_PASSWORD=nope-nope"}, []string{"ldap", "test", "jmueller"}, "", "refused the service account"},
		{"cannot connect", []string{"KONTOR_LDAP_URL=ldap://" + freeAddr(t)}, []string{"ldap", "test", "jmueller"}, "", "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, append(append([]string{}, env...), tc.env...), tc.stdin, tc.args...)
			if err == nil || !strings.Contains(out, tc.want) {
				t.Fatalf("want failure mentioning %q, got %v:\n%s", tc.want, err, out)
			}
			if strings.Contains(out, srv.AdminPassword) || strings.Contains(out, "nope-nope") {
				t.Fatalf("a bind password is in the output:\n%s", out)
			}
		})
	}
	out = mustRun(t, env, "", "ldap", "sync")
	if !strings.Contains(out, "created 1") {
		t.Fatalf("ldap sync: %s", out)
	}
	// The umlaut user signs in through the server and is an admin from the group.
	s := startServer(t, env...)
	c := apitest.New(t, s.URL)
	c.Login("jmueller", "Grüße-2026")
	c.Must(200, "GET", "/api/v1/admin/users", nil)
	if strings.Contains(s.Stderr(), srv.AdminPassword) {
		t.Fatal("the LDAP bind password is in the server log")
	}
	s.stop()
}

func TestConfigDocsAreCurrent(t *testing.T) {
	want, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if got := configDocs(declareSettings(pflag.NewFlagSet("kontor", pflag.ContinueOnError))); got != string(want) {
		t.Fatal("docs/configuration.md is out of date: run `make docs`")
	}
}

func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	want, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	s := declareSettings(pflag.NewFlagSet("kontor", pflag.ContinueOnError))
	got, err := openapiDocument(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("docs/openapi.json differs from the API the server serves: run `make docs` and regenerate the web app's client")
	}
}

func TestSearchReindexCommand(t *testing.T) {
	env := []string{"KONTOR_DATA_DIR=" + t.TempDir(), "KONTOR_ADMIN_PASSWORD=chosen-by-ops-123"}
	s := startServer(t, env...)
	admin := apitest.New(t, s.URL)
	admin.LoginBearer("admin", "chosen-by-ops-123")
	var ch struct{ ID string }
	admin.Must(201, "POST", "/api/v1/channels", map[string]any{"name": "suche"}).JSON(t, &ch)
	admin.Must(201, "POST", "/api/v1/channels/"+ch.ID+"/messages", map[string]any{"text": "Wiederaufbau des Suchindex"})
	var tok struct{ Token string }
	admin.Must(201, "POST", "/api/v1/auth/tokens", map[string]any{"name": "reindex", "scopes": []string{"write", "admin"}}).JSON(t, &tok)

	// Running server: it holds the index, so the command asks it.
	if out, err := run(t, env, "", "search", "reindex", "--url", s.URL); err == nil || !strings.Contains(out, "--token") {
		t.Fatalf("reindex without a token while the server runs: %v\n%s", err, out)
	}
	out := mustRun(t, env, "", "search", "reindex", "--url", s.URL, "--token", tok.Token)
	if !strings.Contains(out, "rebuilt by the server: 1 documents") || !strings.Contains(out, "100%") {
		t.Fatalf("remote reindex: %s", out)
	}
	s.stop()

	// Stopped server: the command rebuilds the index itself.
	out = mustRun(t, env, "", "search", "reindex")
	if !strings.Contains(out, "search index rebuilt") {
		t.Fatalf("local reindex: %s", out)
	}
	again := startServer(t, env...)
	c := apitest.New(t, again.URL)
	c.LoginBearer("admin", "chosen-by-ops-123")
	var res struct{ Items []struct{ Snippet string } }
	c.Must(200, "GET", "/api/v1/search?q=Suchindex", nil).JSON(t, &res)
	if len(res.Items) != 1 {
		t.Fatalf("after the rebuild: %+v", res.Items)
	}
	again.stop()
}
