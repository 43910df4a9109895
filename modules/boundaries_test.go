// Package modules_test checks the module rules (docs/architecture.md): a module may
// use modules/platform, its own packages, and other modules' published
// event types (modules/<x>/events); nothing else of another module.
// modules/platform and compliance use no module at all. Consumers that
// need another module declare a small interface and internal/app wires the
// two together.
package modules_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const root = "github.com/kontorhq/kontor/"

type pkg struct {
	ImportPath string
	Imports    []string
}

// owner returns the module a package belongs to: "platform", "chat",
// "compliance", ... or "" for packages outside the module tree (cmd, tools).
func owner(path string) string {
	rel, ok := strings.CutPrefix(path, root)
	if !ok {
		return ""
	}
	parts := strings.Split(rel, "/")
	switch {
	case parts[0] == "modules" && len(parts) > 1:
		return parts[1]
	case parts[0] == "compliance":
		return "compliance"
	case parts[0] == "migrations":
		return "migrations"
	}
	return ""
}

func allowed(from, to string) (bool, string) {
	fo, to2 := owner(from), owner(to)
	if to2 == "" || fo == "" || fo == to2 {
		return true, ""
	}
	switch {
	case fo == "platform" && to2 == "migrations" && strings.HasSuffix(from, "/dbtest"):
		return true, "" // test databases are created with the real schema
	case fo == "platform":
		return false, "modules/platform is plumbing and must not depend on any module"
	case to2 == "platform":
		return true, ""
	case strings.HasSuffix(to, "/events") && fo != "compliance":
		return true, "" // published event types
	case to2 == "migrations":
		return false, "only cmd/kontor applies migrations"
	}
	return false, "a module must not import another module's packages; declare a small interface on the consumer side and wire it in internal/app"
}

func TestModuleBoundaries(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "github.com/kontorhq/kontor/...")
	cmd.Dir = ".."
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(out)
	checked := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range p.Imports {
			if ok, why := allowed(p.ImportPath, imp); !ok {
				t.Errorf("%s imports %s: %s", strings.TrimPrefix(p.ImportPath, root), strings.TrimPrefix(imp, root), why)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if checked < 10 {
		t.Fatalf("only %d packages listed; is the module path right?", checked)
	}
}

func TestBoundaryRules(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"modules/chat", "modules/platform/db", true},
		{"modules/chat/internal/store", "modules/chat", true},
		{"modules/search", "modules/chat/events", true},
		{"modules/search", "modules/chat", false},
		{"modules/calendar", "modules/identity/ldapdir", false},
		{"modules/platform/httpapi", "modules/identity", false},
		{"modules/platform/db/dbtest", "migrations", true},
		{"modules/chat", "compliance", false},
		{"compliance", "modules/platform/db", true},
		{"compliance", "modules/chat/events", false},
		{"cmd/kontor", "modules/chat", true},
	} {
		if ok, _ := allowed(root+tc.from, root+tc.to); ok != tc.ok {
			t.Errorf("%s -> %s: allowed=%v, want %v", tc.from, tc.to, ok, tc.ok)
		}
	}
}
