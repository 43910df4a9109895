package ldapdir_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/identity/ldapdir/ldaptest"
)

func newDir(t *testing.T, cfg ldapdir.Config) *ldapdir.Directory {
	t.Helper()
	d, err := ldapdir.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAuthenticateReadsAttributesAndGroups(t *testing.T) {
	tr := ldaptest.NewTree(t)
	photo := []byte("\xff\xd8\xff\xe0fake-jpeg")
	dn := tr.AddPerson(ldaptest.Person{UID: "jmueller", Password: "Sommer-2026", DisplayName: "Jürgen Müller",
		Mail: "j.mueller@example.com", Department: "Einkauf", Title: "Leiter", Phone: "+49 30 1234", Photo: photo})
	tr.AddPerson(ldaptest.Person{UID: "wli", Password: "pw-wei", DisplayName: "李伟"})
	tr.AddGroup("kontor-admins", dn)
	tr.AddGroup("staff", dn)
	d := newDir(t, tr.Config())
	ctx := context.Background()

	e, err := d.Authenticate(ctx, "JMueller", "Sommer-2026")
	if err != nil {
		t.Fatal(err)
	}
	if e.Username != "jmueller" || e.DisplayName != "Jürgen Müller" || e.Email != "j.mueller@example.com" ||
		e.Department != "Einkauf" || e.Title != "Leiter" || e.Phone != "+49 30 1234" || string(e.Avatar) != string(photo) {
		t.Fatalf("entry %+v does not carry the directory's attributes", e)
	}
	if strings.Join(e.GroupNames, ",") != "kontor-admins,staff" && strings.Join(e.GroupNames, ",") != "staff,kontor-admins" {
		t.Fatalf("groups %v", e.GroupNames)
	}
	w, err := d.Authenticate(ctx, "wli", "pw-wei")
	if err != nil || w.DisplayName != "李伟" {
		t.Fatalf("Chinese display name: %+v %v", w, err)
	}
}

func TestAuthenticateRefusesBadInput(t *testing.T) {
	tr := ldaptest.NewTree(t)
	tr.AddPerson(ldaptest.Person{UID: "anna", Password: "right-pw"})
	tr.AddPerson(ldaptest.Person{UID: "bert", Password: "right-pw"})
	// Two entries with the same uid in different places: ambiguous.
	tr.AddPerson(ldaptest.Person{UID: "twin", Password: "pw1"})
	tr.AddPersonAt("cn=twin2,"+tr.People, ldaptest.Person{UID: "twin", Password: "pw2"})
	d := newDir(t, tr.Config())
	ctx := context.Background()
	for _, tc := range []struct {
		name, user, pw string
		want           error
	}{
		{"wrong password", "anna", "wrong", ldapdir.ErrInvalidCredentials},
		{"empty password never binds", "anna", "", ldapdir.ErrEmptyPassword},
		{"whitespace password never binds", "anna", "   \t", ldapdir.ErrEmptyPassword},
		{"wildcard username", "*", "right-pw", ldapdir.ErrUserNotFound},
		{"filter injection", "*)(uid=*", "right-pw", ldapdir.ErrUserNotFound},
		{"filter injection with or", ")(|(objectClass=*)", "right-pw", ldapdir.ErrUserNotFound},
		{"prefix wildcard", "an*", "right-pw", ldapdir.ErrUserNotFound},
		{"unknown user", "nobody", "right-pw", ldapdir.ErrUserNotFound},
		{"matched twice", "twin", "pw1", ldapdir.ErrAmbiguous},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Authenticate(ctx, tc.user, tc.pw)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Authenticate(%q): %v, want %v", tc.user, err, tc.want)
			}
		})
	}
}

func TestTLSModes(t *testing.T) {
	tr := ldaptest.NewTree(t)
	tr.AddPerson(ldaptest.Person{UID: "tls", Password: "secret-tls"})
	srv := tr.Server()
	ctx := context.Background()
	t.Run("ldaps with CA", func(t *testing.T) {
		cfg := tr.Config()
		cfg.URL, cfg.CAFile = srv.LDAPSURL, srv.CAFile
		if _, err := newDir(t, cfg).Authenticate(ctx, "tls", "secret-tls"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("StartTLS with CA", func(t *testing.T) {
		cfg := tr.Config()
		cfg.StartTLS, cfg.CAFile = true, srv.CAFile
		if _, err := newDir(t, cfg).Authenticate(ctx, "tls", "secret-tls"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ldaps without trusting the CA fails closed", func(t *testing.T) {
		cfg := tr.Config()
		cfg.URL = srv.LDAPSURL
		_, err := newDir(t, cfg).Authenticate(ctx, "tls", "secret-tls")
		if !errors.Is(err, ldapdir.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("got %v, want a certificate error", err)
		}
	})
}

func TestServiceAccountAndOutages(t *testing.T) {
	tr := ldaptest.NewTree(t)
	tr.AddPerson(ldaptest.Person{UID: "x", Password: "pw"})
	ctx := context.Background()
	t.Run("service bind refused, password not in the error", func(t *testing.T) {
		cfg := tr.Config()
		cfg.BindPassword = "not-the-password-1234"
		_, err := newDir(t, cfg).Authenticate(ctx, "x", "pw")
		if !errors.Is(err, ldapdir.ErrServiceBind) || strings.Contains(err.Error(), "not-the-password-1234") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("server down", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		cfg := tr.Config()
		cfg.URL = "ldap://" + addr
		cfg.Timeout = 2 * time.Second
		_, err := newDir(t, cfg).Authenticate(ctx, "x", "pw")
		if !errors.Is(err, ldapdir.ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	})
}

func TestAllListsPeopleWithGroupsAndDisabledState(t *testing.T) {
	tr := ldaptest.NewTree(t)
	a := tr.AddPerson(ldaptest.Person{UID: "a1", DisplayName: "A One"})
	tr.AddPerson(ldaptest.Person{UID: "b2", DisplayName: "B Two", EmployeeType: "disabled"})
	tr.AddGroup("compliance", a)
	all, err := newDir(t, tr.Config()).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]ldapdir.Entry{}
	for _, e := range all {
		got[e.Username] = e
	}
	if len(got) != 2 || got["b2"].Disabled == false || got["a1"].Disabled || len(got["a1"].GroupNames) != 1 {
		t.Fatalf("All: %+v", all)
	}
}

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*ldapdir.Config)
		want string
	}{
		{"bad scheme", func(c *ldapdir.Config) { c.URL = "http://x" }, "ldap-url"},
		{"starttls on ldaps", func(c *ldapdir.Config) { c.URL = "ldaps://x:636"; c.StartTLS = true }, "ldap-start-tls"},
		{"bad filter", func(c *ldapdir.Config) { c.UserFilter = "(objectClass=person" }, "ldap-user-filter"},
		{"no base", func(c *ldapdir.Config) { c.UserBaseDN = "" }, "ldap-user-base-dn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ldapdir.Config{URL: "ldap://127.0.0.1:389", UserBaseDN: "dc=x", AttrUsername: "uid"}
			tc.mod(&cfg)
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want mention of %s", err, tc.want)
			}
		})
	}
}
