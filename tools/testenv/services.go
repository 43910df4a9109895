package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func secret() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// background starts cmd in its own process group with output in logFile
// and returns its pid.
func background(cmd *exec.Cmd, logFile string) (int, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return 0, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return 0, fmt.Errorf("%s: %w", cmd.Path, err)
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	return cmd.Process.Pid, nil
}

func waitTCP(ctx context.Context, addr string, logFile string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not open in time; its log:\n%s", addr, tail(logFile))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

func lookPath(name string, extra ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range extra {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found; install it with `make deps` (scripts/install-deps.sh)", name)
}

// toolsBin is where scripts/install-deps.sh puts the Go-built servers.
func toolsBin() string {
	if d := os.Getenv("KONTOR_TOOLS_BIN"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "kontor-tools", "bin")
}

// ---- PostgreSQL ----

func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("PostgreSQL server binaries not found under /usr/lib/postgresql; install them with `make deps`")
}

// asPostgres runs a PostgreSQL tool as the postgres user when we are root
// (initdb refuses to run as root).
func asPostgres(bin string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func chownPostgres(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("user postgres: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chown(p, uid, gid)
	})
}

func startPostgres(ctx context.Context, dir string) (int, map[string]string, error) {
	bin, err := pgBinDir()
	if err != nil {
		return 0, nil, err
	}
	port, err := freePort()
	if err != nil {
		return 0, nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, nil, err
	}
	pw := secret()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(pw+"\n"), 0o600); err != nil {
		return 0, nil, err
	}
	if err := chownPostgres(dir); err != nil {
		return 0, nil, err
	}
	initdb := asPostgres(filepath.Join(bin, "initdb"), "-D", data, "-U", "kontor", "--pwfile="+pwFile,
		"--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8")
	if out, err := initdb.CombinedOutput(); err != nil {
		return 0, nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	logFile := filepath.Join(dir, "postgres.log")
	if err := os.WriteFile(logFile, nil, 0o644); err != nil {
		return 0, nil, err
	}
	if err := chownPostgres(logFile); err != nil {
		return 0, nil, err
	}
	// postgres itself in the foreground of our child: its pid is ours to stop.
	cmd := asPostgres(filepath.Join(bin, "postgres"), "-D", data, "-c", "listen_addresses=127.0.0.1",
		"-p", strconv.Itoa(port), "-c", "unix_socket_directories="+dir, "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400")
	pid, err := background(cmd, logFile)
	if err != nil {
		return 0, nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := waitTCP(ctx, addr, logFile); err != nil {
		return pid, nil, err
	}
	// Accepting TCP is not accepting queries yet; pg_isready says when.
	for {
		if exec.CommandContext(ctx, filepath.Join(bin, "pg_isready"), "-h", "127.0.0.1", "-p", strconv.Itoa(port)).Run() == nil {
			break
		}
		select {
		case <-ctx.Done():
			return pid, nil, fmt.Errorf("postgres not ready:\n%s", tail(logFile))
		case <-time.After(100 * time.Millisecond):
		}
	}
	url := fmt.Sprintf("postgres://kontor:%s@%s/postgres?sslmode=disable", pw, addr)
	return pid, map[string]string{"KONTOR_TEST_POSTGRES_URL": url}, nil
}

func stopPostgres(dir string, log func(string, ...any)) {
	bin, err := pgBinDir()
	if err != nil {
		return
	}
	cmd := asPostgres(filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-m", "fast", "-w", "stop")
	if out, err := cmd.CombinedOutput(); err != nil && !strings.Contains(string(out), "not running") {
		log("pg_ctl stop: %v %s", err, out)
	}
}

// ---- MinIO ----

func startMinio(ctx context.Context, dir string) (int, map[string]string, error) {
	bin, err := lookPath("minio", toolsBin())
	if err != nil {
		return 0, nil, err
	}
	port, err := freePort()
	if err != nil {
		return 0, nil, err
	}
	console, err := freePort()
	if err != nil {
		return 0, nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return 0, nil, err
	}
	user, pw := "kontor-test", secret()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "server", filepath.Join(dir, "data"), "--address", addr,
		"--console-address", fmt.Sprintf("127.0.0.1:%d", console), "--quiet")
	// A static KMS key lets the files tests use server-side encryption (SSE-S3).
	kms := make([]byte, 32)
	_, _ = rand.Read(kms)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+user, "MINIO_ROOT_PASSWORD="+pw, "MINIO_BROWSER=off",
		"MINIO_KMS_SECRET_KEY=kontor-test-key:"+base64.StdEncoding.EncodeToString(kms))
	logFile := filepath.Join(dir, "minio.log")
	pid, err := background(cmd, logFile)
	if err != nil {
		return 0, nil, err
	}
	for {
		resp, err := http.Get("http://" + addr + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return pid, nil, fmt.Errorf("minio not ready:\n%s", tail(logFile))
		case <-time.After(100 * time.Millisecond):
		}
	}
	return pid, map[string]string{
		"KONTOR_TEST_S3_ENDPOINT":   addr,
		"KONTOR_TEST_S3_ACCESS_KEY": user,
		"KONTOR_TEST_S3_SECRET_KEY": pw,
	}, nil
}

// ---- NATS ----

func startNats(ctx context.Context, dir string) (int, map[string]string, error) {
	bin, err := lookPath("nats-server", toolsBin())
	if err != nil {
		return 0, nil, err
	}
	port, err := freePort()
	if err != nil {
		return 0, nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "js"), 0o700); err != nil {
		return 0, nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-sd", filepath.Join(dir, "js"))
	logFile := filepath.Join(dir, "nats.log")
	pid, err := background(cmd, logFile)
	if err != nil {
		return 0, nil, err
	}
	if err := waitTCP(ctx, addr, logFile); err != nil {
		return pid, nil, err
	}
	return pid, map[string]string{"KONTOR_TEST_NATS_URL": "nats://" + addr}, nil
}
