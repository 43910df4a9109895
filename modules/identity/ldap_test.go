package identity_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/identity/ldapdir/ldaptest"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/httpapi/apitest"
)

// A small JPEG header is enough for content sniffing.
var jpeg = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 64)...)

func directory(t *testing.T, cfg ldapdir.Config) *ldapdir.Directory {
	t.Helper()
	d, err := ldapdir.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDirectoryUsersSignInWithTheirAttributesAndRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tr := ldaptest.NewTree(t)
		jm := tr.AddPerson(ldaptest.Person{UID: "jmueller", Password: "Grüße-2026", DisplayName: "Jürgen Müller",
			Mail: "j.mueller@example.com", Department: "Einkauf", Title: "Leiter", Phone: "+49 30 555", Photo: jpeg})
		wl := tr.AddPerson(ldaptest.Person{UID: "wli", Password: "密码-secret-1", DisplayName: "李伟", Department: "研发"})
		tr.AddGroup("kontor-admins", jm)
		tr.AddGroup("compliance", wl)
		e := newEnv(t, d, options{dir: directory(t, tr.Config())})

		c := e.client()
		r := c.Login("JMueller", "Grüße-2026")
		var body struct {
			User identity.User `json:"user"`
		}
		r.JSON(t, &body)
		u := body.User
		if u.Username != "jmueller" || u.DisplayName != "Jürgen Müller" || u.Department != "Einkauf" || u.Source != "ldap" ||
			len(u.Roles) != 1 || u.Roles[0] != "admin" || !u.HasAvatar {
			t.Fatalf("provisioned user %+v", u)
		}
		// The admin role from the directory group really is admin.
		c.Must(200, "GET", "/api/v1/admin/users", nil)
		av := c.Must(200, "GET", "/api/v1/users/"+u.ID+"/avatar", nil)
		if av.Header.Get("Content-Type") != "image/jpeg" || string(av.Body) != string(jpeg) {
			t.Fatalf("avatar: %s, %d bytes", av.Header.Get("Content-Type"), len(av.Body))
		}
		c.Headers["If-None-Match"] = av.Header.Get("ETag")
		c.Must(304, "GET", "/api/v1/users/"+u.ID+"/avatar", nil)
		delete(c.Headers, "If-None-Match")

		w := e.client()
		r = w.Login("wli", "密码-secret-1")
		r.JSON(t, &body)
		if body.User.DisplayName != "李伟" || body.User.Department != "研发" || len(body.User.Roles) != 1 || body.User.Roles[0] != "compliance" {
			t.Fatalf("Chinese user %+v", body.User)
		}
		if r := w.Do("GET", "/api/v1/admin/users", nil); r.Status != 403 {
			t.Fatalf("compliance officer on the admin API: %d", r.Status)
		}
		// Directory profiles are kept by the directory.
		if r := w.Do("PATCH", "/api/v1/users/me", map[string]any{"display_name": "Someone else"}); r.Status != 422 || problemCode(r) != "managed_by_directory" {
			t.Fatalf("changing a directory profile: %d %s", r.Status, r.Body)
		}
		// Colleagues find them in the directory.
		found := c.Must(200, "GET", "/api/v1/users?q=%E6%9D%8E", nil).Map(t)["items"].([]any)
		if len(found) != 1 {
			t.Fatalf("search for 李: %v", found)
		}
	})
}

func TestDirectoryRefusalsAndInjection(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tr := ldaptest.NewTree(t)
		tr.AddPerson(ldaptest.Person{UID: "anna", Password: "anna-pw-123"})
		tr.AddPerson(ldaptest.Person{UID: "off", Password: "off-pw-123", EmployeeType: "disabled"})
		tr.AddPerson(ldaptest.Person{UID: "twin", Password: "twin-pw-1"})
		tr.AddPersonAt("cn=twin-copy,"+tr.People, ldaptest.Person{UID: "twin", Password: "twin-pw-2"})
		e := newEnv(t, d, options{dir: directory(t, tr.Config()), conf: func(c *identity.Config) { c.LoginMaxFailures = 100 }})
		before := countUsers(t, d)
		for _, tc := range []struct {
			name, user, pw string
			status         int
			code           string
		}{
			{"wildcard", "*", "anna-pw-123", 401, "invalid_credentials"},
			{"injection closes the filter", "*)(uid=*", "anna-pw-123", 401, "invalid_credentials"},
			{"injection with or", ")(|(objectClass=*)", "anna-pw-123", 401, "invalid_credentials"},
			{"injection with wildcard suffix", "ann*", "anna-pw-123", 401, "invalid_credentials"},
			{"empty password never reaches the directory", "anna", "", 422, "password_empty"},
			{"whitespace password", "anna", "  ", 422, "password_empty"},
			{"wrong password", "anna", "nope-nope", 401, "invalid_credentials"},
			{"disabled in the directory", "off", "off-pw-123", 403, "account_disabled"},
			{"matched twice", "twin", "twin-pw-1", 401, "directory_ambiguous"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.client().Do("POST", "/api/v1/auth/login", map[string]string{"username": tc.user, "password": tc.pw})
				if r.Status != tc.status || problemCode(r) != tc.code {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		// Only the disabled directory user got an account (disabled), nobody else.
		if after := countUsers(t, d); after != before+1 {
			t.Fatalf("refused logins changed the user count from %d to %d", before, after)
		}
		a := e.admin()
		off := a.Must(200, "GET", "/api/v1/admin/users/off", nil).Map(t)
		if off["status"] != "disabled" {
			t.Fatalf("directory-disabled user: %v", off)
		}
		e.client().Login("anna", "anna-pw-123")
	})
}

func TestDirectoryDownKeepsLocalAdminsWorking(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tr := ldaptest.NewTree(t)
		cfg := tr.Config()
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		cfg.URL = "ldap://" + l.Addr().String()
		l.Close()
		cfg.Timeout = 2 * time.Second
		e := newEnv(t, d, options{dir: directory(t, cfg)})
		r := e.client().Do("POST", "/api/v1/auth/login", map[string]string{"username": "someone", "password": "their-pw-1"})
		if r.Status != 503 || problemCode(r) != "directory_unavailable" || !strings.Contains(r.Problem().Detail, "directory") {
			t.Fatalf("directory user while LDAP is down: %d %s", r.Status, r.Body)
		}
		e.client().Login("admin", adminPW)
		// A sync with the directory down changes nothing and says why.
		a := e.admin()
		if r := a.Do("POST", "/api/v1/admin/ldap/sync", nil); r.Status != 503 {
			t.Fatalf("sync while LDAP is down: %d %s", r.Status, r.Body)
		}
	})
}

func TestSyncAppliesDirectoryChangesAndEndsSessions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tr := ldaptest.NewTree(t)
		keep := tr.AddPerson(ldaptest.Person{UID: "keep", Password: "keep-pw-1", DisplayName: "Keep Me", Department: "Sales"})
		leave := tr.AddPerson(ldaptest.Person{UID: "leave", Password: "leave-pw-1", DisplayName: "Leaving Soon"})
		block := tr.AddPerson(ldaptest.Person{UID: "block", Password: "block-pw-1", DisplayName: "Blocked Later"})
		tr.AddPerson(ldaptest.Person{UID: "never", Password: "never-pw-1", DisplayName: "Never Signed In"})
		admins := tr.AddGroup("kontor-admins", keep)
		e := newEnv(t, d, options{dir: directory(t, tr.Config())})
		kc, lc, bc := e.client(), e.client(), e.client()
		kc.Login("keep", "keep-pw-1")
		lc.LoginBearer("leave", "leave-pw-1")
		bc.Login("block", "block-pw-1")

		tr.Delete(leave)
		tr.Replace(block, "employeeType", "disabled")
		tr.Replace(keep, "departmentNumber", "Vertrieb")
		tr.Replace(keep, "displayName", "Keep Me Müller")
		tr.Replace(admins, "member", block)

		rep, err := e.mod.SyncDirectory(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || rep.Disabled != 2 || rep.Updated != 1 || rep.Seen != 3 {
			t.Fatalf("sync report %+v", rep)
		}
		a := e.admin()
		k := a.Must(200, "GET", "/api/v1/admin/users/keep", nil).Map(t)
		if k["department"] != "Vertrieb" || k["display_name"] != "Keep Me Müller" || len(k["roles"].([]any)) != 0 {
			t.Fatalf("synced attributes and roles: %v", k)
		}
		for name, c := range map[string]*apitest.Client{"removed": lc, "disabled": bc} {
			if r := c.Do("GET", "/api/v1/users/me", nil); r.Status != 401 {
				t.Fatalf("%s user's session after sync: %d", name, r.Status)
			}
		}
		kc.Must(200, "GET", "/api/v1/users/me", nil)
		never := a.Must(200, "GET", "/api/v1/admin/users/never", nil).Map(t)
		if never["source"] != "ldap" || never["status"] != "active" {
			t.Fatalf("provisioned by sync: %v", never)
		}
		// Enabled again in the directory: enabled again here.
		tr.Replace(block, "employeeType", "staff")
		rep, err = e.mod.SyncDirectory(context.Background())
		if err != nil || rep.Enabled != 1 {
			t.Fatalf("second sync %+v %v", rep, err)
		}
		e.client().Login("block", "block-pw-1")
		// But an admin's own disabling is not undone by the directory.
		a.Must(200, "PATCH", "/api/v1/admin/users/never", map[string]any{"status": "disabled"})
		if _, err := e.mod.SyncDirectory(context.Background()); err != nil {
			t.Fatal(err)
		}
		if a.Must(200, "GET", "/api/v1/admin/users/never", nil).Map(t)["status"] != "disabled" {
			t.Fatal("sync re-enabled a user an admin disabled")
		}
	})
}

func TestSyncRefusesToDisableEveryoneWhenTheDirectoryLooksEmpty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tr := ldaptest.NewTree(t)
		p := tr.AddPerson(ldaptest.Person{UID: "p1", Password: "p1-password"})
		e := newEnv(t, d, options{dir: directory(t, tr.Config())})
		e.client().Login("p1", "p1-password")
		tr.Delete(p)
		if _, err := e.mod.SyncDirectory(context.Background()); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Fatalf("sync with an empty directory: %v", err)
		}
		if e.admin().Must(200, "GET", "/api/v1/admin/users/p1", nil).Map(t)["status"] != "active" {
			t.Fatal("an empty directory disabled everyone")
		}
	})
}

// Directory accounts keep the directory's profile but choose their own time zone.
func TestDirectoryUsersSetTheirTimeZone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		tr := ldaptest.NewTree(t)
		tr.AddPerson(ldaptest.Person{UID: "tz", Password: "tz-password-1", DisplayName: "Time Zone"})
		e := newEnv(t, d, options{dir: directory(t, tr.Config())})
		c := e.client()
		c.Login("tz", "tz-password-1")
		c.Must(200, "PATCH", "/api/v1/users/me", map[string]any{"time_zone": "Europe/Berlin"})
		if r := c.Do("PATCH", "/api/v1/users/me", map[string]any{"time_zone": "Europe/Berlin", "title": "Boss"}); r.Status != 422 {
			t.Fatalf("directory profile field with the time zone: %d", r.Status)
		}
		c.Headers["Content-Type"] = "image/jpeg"
		if r := c.Do("PUT", "/api/v1/users/me/avatar", jpeg); r.Status != 422 || problemCode(r) != "managed_by_directory" {
			t.Fatalf("a directory account uploads a picture: %d %s", r.Status, r.Body)
		}
		delete(c.Headers, "Content-Type")
		if _, err := e.mod.SyncDirectory(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := c.Must(200, "GET", "/api/v1/users/me", nil).Map(t)["time_zone"]; got != "Europe/Berlin" {
			t.Fatalf("after a sync the time zone is %v", got)
		}
	})
}
