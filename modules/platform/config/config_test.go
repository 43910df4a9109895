package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

type sample struct {
	addr    string
	timeout time.Duration
	debug   bool
	pw      string
}

func newSample(t *testing.T, args []string) (*Set, *sample) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	var v sample
	s := New(fs)
	s.Group("Server")
	s.String(&v.addr, "addr", "127.0.0.1:8080", "listen address")
	s.Duration(&v.timeout, "shutdown-timeout", 30*time.Second, "how long to wait")
	s.Bool(&v.debug, "debug", false, "debug")
	s.String(&v.pw, "admin-password", "", "first admin's password").Secret()
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return s, &v
}

func TestPrecedenceFlagOverEnvOverFileOverDefault(t *testing.T) {
	file := filepath.Join(t.TempDir(), "kontor.yaml")
	os.WriteFile(file, []byte("addr: 0.0.0.0:9000\nshutdown-timeout: 5s\ndebug: true\n"), 0o600)
	env := map[string]string{"KONTOR_SHUTDOWN_TIMEOUT": "7s"}
	s, v := newSample(t, []string{"--debug=false"})
	if err := s.Load(file, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if v.addr != "0.0.0.0:9000" || v.timeout != 7*time.Second || v.debug {
		t.Fatalf("got %+v: want addr from file, timeout from env, debug from flag", *v)
	}
	if v.pw != "" || s.Lookup("admin-password").Source() != "default" {
		t.Fatalf("unset secret: %q from %s", v.pw, s.Lookup("admin-password").Source())
	}
}

func TestFileErrorsNameTheProblem(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"unknown key", "adr: x\n", "unknown settings adr"},
		{"duration without unit", "shutdown-timeout: 30\n", "give a unit"},
		{"bad bool", "debug: maybe\n", "debug"},
		{"not yaml", "addr: [\n", "kontor.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "kontor.yaml")
			os.WriteFile(file, []byte(tc.content), 0o600)
			s, _ := newSample(t, nil)
			err := s.Load(file, func(string) string { return "" })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load: %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

func TestSecretsAreNeverDescribed(t *testing.T) {
	s, _ := newSample(t, nil)
	env := map[string]string{"KONTOR_ADMIN_PASSWORD": "hunter2-secret"}
	if err := s.Load("", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	for k, v := range s.Describe() {
		if strings.Contains(v, "hunter2") {
			t.Fatalf("Describe shows the secret in %s=%s", k, v)
		}
	}
	if md := s.Markdown(); !strings.Contains(md, "`KONTOR_ADMIN_PASSWORD` | (none)") {
		t.Fatalf("markdown does not list the secret without a default:\n%s", md)
	}
}
