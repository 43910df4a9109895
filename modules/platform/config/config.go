// Package config maps command-line flags, KONTOR_* environment variables
// and an optional YAML file onto typed settings, in that order of
// precedence, and writes the reference of every setting for the docs.
//
// cmd/kontor declares every setting in one place; modules only see their
// own typed Config structs.
package config

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// Setting is one configurable value.
type Setting struct {
	Name    string // flag name, e.g. "ldap-url"; the file key is the same
	Env     string // e.g. KONTOR_LDAP_URL
	Help    string
	Group   string // heading in the docs
	Default string
	secret  bool
	flag    *pflag.Flag
	source  string // where the value came from: flag, env, file, default
}

// Secret marks the setting as a secret: its value is never printed.
func (s *Setting) Secret() *Setting { s.secret = true; return s }

// Source says where the value came from: "flag", "env", "file" or "default".
func (s *Setting) Source() string { return s.source }

// Set is the collection of settings bound to a flag set.
type Set struct {
	fs       *pflag.FlagSet
	settings []*Setting
	group    string
}

// New returns a Set that defines its flags on fs.
func New(fs *pflag.FlagSet) *Set { return &Set{fs: fs} }

// Group sets the docs heading for the settings declared after it.
func (s *Set) Group(name string) { s.group = name }

func (s *Set) add(name, help string) *Setting {
	st := &Setting{
		Name:  name,
		Env:   "KONTOR_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")),
		Help:  help,
		Group: s.group,
	}
	st.flag = s.fs.Lookup(name)
	st.Default = st.flag.DefValue
	s.settings = append(s.settings, st)
	return st
}

// String declares a string setting.
func (s *Set) String(p *string, name, def, help string) *Setting {
	s.fs.StringVar(p, name, def, help)
	return s.add(name, help)
}

// Bool declares a boolean setting.
func (s *Set) Bool(p *bool, name string, def bool, help string) *Setting {
	s.fs.BoolVar(p, name, def, help)
	return s.add(name, help)
}

// Int declares an integer setting.
func (s *Set) Int(p *int, name string, def int, help string) *Setting {
	s.fs.IntVar(p, name, def, help)
	return s.add(name, help)
}

// Int64 declares a 64-bit integer setting (sizes in bytes).
func (s *Set) Int64(p *int64, name string, def int64, help string) *Setting {
	s.fs.Int64Var(p, name, def, help)
	return s.add(name, help)
}

// Float64 declares a floating-point setting.
func (s *Set) Float64(p *float64, name string, def float64, help string) *Setting {
	s.fs.Float64Var(p, name, def, help)
	return s.add(name, help)
}

// Duration declares a duration setting ("90s", "15m", "720h").
func (s *Set) Duration(p *time.Duration, name string, def time.Duration, help string) *Setting {
	s.fs.DurationVar(p, name, def, help)
	return s.add(name, help)
}

// Settings returns every declared setting in declaration order.
func (s *Set) Settings() []*Setting { return s.settings }

// Lookup returns the setting with the given flag name, or nil.
func (s *Set) Lookup(name string) *Setting {
	for _, st := range s.settings {
		if st.Name == name {
			return st
		}
	}
	return nil
}

// Load fills every setting not given on the command line from the
// environment, then from the YAML file at path (if path is not empty).
// Call it after the flags are parsed. Unknown keys in the file are an
// error, so that a typo does not silently leave a default in place.
func (s *Set) Load(path string, getenv func(string) string) error {
	file := map[string]any{}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("config file: %w", err)
		}
		if err := yaml.Unmarshal(b, &file); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
		var unknown []string
		for k := range file {
			if s.Lookup(k) == nil {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return fmt.Errorf("config file %s: unknown settings %s (see docs/configuration.md)", path, strings.Join(unknown, ", "))
		}
	}
	for _, st := range s.settings {
		switch {
		case st.flag.Changed:
			st.source = "flag"
		case getenv(st.Env) != "":
			if err := st.flag.Value.Set(getenv(st.Env)); err != nil {
				return fmt.Errorf("%s: %w", st.Env, err)
			}
			st.source = "env"
		case file[st.Name] != nil:
			v := file[st.Name]
			str := fmt.Sprint(v)
			if _, isInt := v.(int); isInt && st.flag.Value.Type() == "duration" {
				return fmt.Errorf("config file %s: %s: give a unit, e.g. \"%ss\"", path, st.Name, str)
			}
			if err := st.flag.Value.Set(str); err != nil {
				return fmt.Errorf("config file %s: %s: %w", path, st.Name, err)
			}
			st.source = "file"
		default:
			st.source = "default"
		}
	}
	return nil
}

// Markdown renders the reference of every setting, grouped, for
// docs/configuration.md.
func (s *Set) Markdown() string {
	var b strings.Builder
	group := "\x00"
	for _, st := range s.settings {
		if st.Group != group {
			group = st.Group
			fmt.Fprintf(&b, "\n## %s\n\n| flag | environment | default | meaning |\n|---|---|---|---|\n", group)
		}
		def := st.Default
		switch {
		case st.secret:
			def = "(none)"
		case def == "":
			def = "(empty)"
		default:
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", st.Name, st.Env, def, strings.ReplaceAll(st.Help, "|", "\\|"))
	}
	return b.String()
}

// Describe lists the effective values for a start-up log line, with
// secrets shown only as set or unset.
func (s *Set) Describe() map[string]string {
	out := map[string]string{}
	for _, st := range s.settings {
		if st.source == "default" {
			continue
		}
		v := st.flag.Value.String()
		if st.secret {
			v = "(set)"
			if st.flag.Value.String() == "" {
				v = "(empty)"
			}
		}
		out[st.Name] = v + " [" + st.source + "]"
	}
	return out
}
