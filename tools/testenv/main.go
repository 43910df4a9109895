// Command testenv starts the real services Kontor's tests run against
// (PostgreSQL, OpenLDAP's slapd, MinIO, nats-server) on 127.0.0.1 with free
// ports and temporary directories, and stops them again.
//
//	go run ./tools/testenv run -- go test ./...   start, run the command with the env set, stop
//	eval $(go run ./tools/testenv start)          start and print the env as export lines
//	go run ./tools/testenv stop                   stop what start started
//
// Every service is started in the foreground of its own process, and only
// the processes started here are stopped, by PID.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// state is what start leaves behind for stop.
type state struct {
	Dir  string            `json:"dir"`
	PIDs map[string]int    `json:"pids"`
	Env  map[string]string `json:"env"`
}

const stateEnv = "KONTOR_TESTENV_STATE"

func main() {
	log := func(format string, args ...any) { fmt.Fprintf(os.Stderr, "testenv: "+format+"\n", args...) }
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testenv run [--services a,b] -- command... | start | stop")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	services := fs.String("services", "postgres,slapd,minio,nats", "which services to start")
	_ = fs.Parse(os.Args[2:])

	switch os.Args[1] {
	case "run":
		args := fs.Args()
		if len(args) == 0 {
			log("run needs a command after --")
			os.Exit(2)
		}
		st, err := start(strings.Split(*services, ","), log)
		if err != nil {
			log("%v", err)
			stop(st, log)
			os.Exit(1)
		}
		code := runCommand(args, st.Env, log)
		stop(st, log)
		os.Exit(code)
	case "start":
		st, err := start(strings.Split(*services, ","), log)
		if err != nil {
			log("%v", err)
			stop(st, log)
			os.Exit(1)
		}
		b, _ := json.Marshal(st)
		path := filepath.Join(st.Dir, "state.json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			log("write state: %v", err)
			stop(st, log)
			os.Exit(1)
		}
		keys := sortedKeys(st.Env)
		for _, k := range keys {
			fmt.Printf("export %s=%q\n", k, st.Env[k])
		}
		fmt.Printf("export %s=%q\n", stateEnv, path)
	case "stop":
		path := os.Getenv(stateEnv)
		if path == "" {
			log("%s is not set: nothing to stop", stateEnv)
			os.Exit(1)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			log("read state: %v", err)
			os.Exit(1)
		}
		var st state
		if err := json.Unmarshal(b, &st); err != nil {
			log("read state: %v", err)
			os.Exit(1)
		}
		stop(&st, log)
	default:
		log("unknown command %q", os.Args[1])
		os.Exit(2)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func start(names []string, log func(string, ...any)) (*state, error) {
	dir, err := os.MkdirTemp("", "kontor-testenv-")
	st := &state{Dir: dir, PIDs: map[string]int{}, Env: map[string]string{}}
	if err != nil {
		return st, err
	}
	// PostgreSQL runs as its own user and must traverse the directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		return st, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		starter, ok := starters[n]
		if !ok {
			return st, fmt.Errorf("unknown service %q", n)
		}
		t0 := time.Now()
		pid, env, err := starter(ctx, filepath.Join(dir, n))
		if pid != 0 {
			st.PIDs[n] = pid
		}
		if err != nil {
			return st, fmt.Errorf("start %s: %w", n, err)
		}
		for k, v := range env {
			st.Env[k] = v
		}
		log("%s ready in %s (pid %d)", n, time.Since(t0).Round(time.Millisecond), pid)
	}
	return st, nil
}

var starters = map[string]func(ctx context.Context, dir string) (int, map[string]string, error){
	"postgres": startPostgres,
	"slapd":    startSlapd,
	"minio":    startMinio,
	"nats":     startNats,
}

func stop(st *state, log func(string, ...any)) {
	if st == nil {
		return
	}
	for name, pid := range st.PIDs {
		if name == "postgres" {
			stopPostgres(filepath.Join(st.Dir, name), log)
		}
		p, err := os.FindProcess(pid)
		if err != nil {
			continue
		}
		_ = p.Signal(syscall.SIGTERM)
		if !waitGone(pid, 10*time.Second) {
			_ = p.Signal(syscall.SIGKILL)
			waitGone(pid, 5*time.Second)
		}
	}
	if st.Dir != "" {
		if err := os.RemoveAll(st.Dir); err != nil {
			log("remove %s: %v", st.Dir, err)
		}
	}
}

// waitGone waits until pid has exited; it reaps it when it is our child.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		if wpid, _ := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); wpid == pid {
			return true
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func runCommand(args []string, env map[string]string, log func(string, ...any)) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	for _, k := range sortedKeys(env) {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	if err := cmd.Start(); err != nil {
		log("start %s: %v", args[0], err)
		return 1
	}
	// Pass Ctrl-C on to the command and still stop the services afterwards.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(sigs)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		log("%s: %v", args[0], err)
		return 1
	}
	return 0
}
