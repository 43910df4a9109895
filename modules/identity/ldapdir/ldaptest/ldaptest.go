// Package ldaptest fills the private slapd that `make test` starts with
// people and groups, each test in an organisational unit of its own.
package ldaptest

import (
	"os"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/db/dbtest"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Server describes the test slapd.
type Server struct {
	URL, LDAPSURL, CAFile, BaseDN, AdminDN, AdminPassword string
}

// Env returns the test slapd, failing the test with instructions when it
// is not running.
func Env(t testing.TB) Server {
	t.Helper()
	s := Server{
		URL:           os.Getenv("KONTOR_TEST_LDAP_URL"),
		LDAPSURL:      os.Getenv("KONTOR_TEST_LDAPS_URL"),
		CAFile:        os.Getenv("KONTOR_TEST_LDAP_CA_FILE"),
		BaseDN:        os.Getenv("KONTOR_TEST_LDAP_BASE_DN"),
		AdminDN:       os.Getenv("KONTOR_TEST_LDAP_ADMIN_DN"),
		AdminPassword: os.Getenv("KONTOR_TEST_LDAP_ADMIN_PASSWORD"),
	}
	if s.URL == "" || s.BaseDN == "" {
		t.Fatalf("OpenLDAP slapd is not available: KONTOR_TEST_LDAP_URL is not set; %s", dbtest.HowToStart)
	}
	return s
}

// Tree is one test's own part of the directory: ou=<random> with
// ou=people and ou=groups under it.
type Tree struct {
	t      testing.TB
	srv    Server
	conn   *ldap.Conn
	DN     string
	People string
	Groups string
}

// NewTree makes a fresh subtree for t and removes it when t ends.
func NewTree(t testing.TB) *Tree {
	t.Helper()
	srv := Env(t)
	c, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatalf("slapd at %s does not answer (%v); %s", srv.URL, err, dbtest.HowToStart)
	}
	if err := c.Bind(srv.AdminDN, srv.AdminPassword); err != nil {
		t.Fatalf("bind as %s: %v", srv.AdminDN, err)
	}
	ou := "t" + ids.New()
	tr := &Tree{t: t, srv: srv, conn: c, DN: "ou=" + ou + "," + srv.BaseDN}
	tr.People = "ou=people," + tr.DN
	tr.Groups = "ou=groups," + tr.DN
	for _, dn := range []string{tr.DN, tr.People, tr.Groups} {
		name := strings.TrimPrefix(strings.SplitN(dn, ",", 2)[0], "ou=")
		tr.add(dn, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {name}})
	}
	t.Cleanup(func() {
		tr.deleteTree(tr.DN)
		c.Close()
	})
	return tr
}

func (tr *Tree) add(dn string, attrs map[string][]string) {
	tr.t.Helper()
	req := ldap.NewAddRequest(dn, nil)
	for k, v := range attrs {
		req.Attribute(k, v)
	}
	if err := tr.conn.Add(req); err != nil {
		tr.t.Fatalf("add %s: %v", dn, err)
	}
}

func (tr *Tree) deleteTree(dn string) {
	res, err := tr.conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", []string{"1.1"}, nil))
	if err == nil {
		for _, e := range res.Entries {
			tr.deleteTree(e.DN)
		}
	}
	_ = tr.conn.Del(ldap.NewDelRequest(dn, nil))
}

// Person is a user to add.
type Person struct {
	UID, Password, DisplayName, Mail, Department, Title, Phone string
	Photo                                                      []byte
	EmployeeType                                               string // "disabled" marks them disabled in tests
}

// AddPerson adds an inetOrgPerson under ou=people and returns its DN.
func (tr *Tree) AddPerson(p Person) string {
	tr.t.Helper()
	return tr.AddPersonAt("uid="+ldap.EscapeDN(p.UID)+","+tr.People, p)
}

// AddPersonAt adds an inetOrgPerson with the given DN.
func (tr *Tree) AddPersonAt(dn string, p Person) string {
	tr.t.Helper()
	sn := p.DisplayName
	if sn == "" {
		sn = p.UID
	}
	attrs := map[string][]string{
		"objectClass": {"inetOrgPerson"},
		"uid":         {p.UID},
		"cn":          {sn},
		"sn":          {sn},
	}
	set := func(k, v string) {
		if v != "" {
			attrs[k] = []string{v}
		}
	}
	set("userPassword", p.Password)
	set("displayName", p.DisplayName)
	set("mail", p.Mail)
	set("departmentNumber", p.Department)
	set("title", p.Title)
	set("telephoneNumber", p.Phone)
	set("employeeType", p.EmployeeType)
	if len(p.Photo) > 0 {
		attrs["jpegPhoto"] = []string{string(p.Photo)}
	}
	tr.add(dn, attrs)
	return dn
}

// AddGroup adds a groupOfNames with the given member DNs and returns its DN.
func (tr *Tree) AddGroup(cn string, members ...string) string {
	tr.t.Helper()
	dn := "cn=" + ldap.EscapeDN(cn) + "," + tr.Groups
	tr.add(dn, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {cn}, "member": members})
	return dn
}

// Replace sets attribute attr of dn to values.
func (tr *Tree) Replace(dn, attr string, values ...string) {
	tr.t.Helper()
	req := ldap.NewModifyRequest(dn, nil)
	req.Replace(attr, values)
	if err := tr.conn.Modify(req); err != nil {
		tr.t.Fatalf("modify %s: %v", dn, err)
	}
}

// Delete removes dn.
func (tr *Tree) Delete(dn string) {
	tr.t.Helper()
	if err := tr.conn.Del(ldap.NewDelRequest(dn, nil)); err != nil {
		tr.t.Fatalf("delete %s: %v", dn, err)
	}
}

// Config returns a directory configuration for this tree over plain LDAP,
// binding as the slapd admin, with employeeType=disabled as the disabled
// marker and groupOfNames groups.
func (tr *Tree) Config() ldapdir.Config {
	return ldapdir.Config{
		URL:             tr.srv.URL,
		BindDN:          tr.srv.AdminDN,
		BindPassword:    tr.srv.AdminPassword,
		UserBaseDN:      tr.People,
		UserFilter:      "(objectClass=inetOrgPerson)",
		DisabledFilter:  "(employeeType=disabled)",
		AttrUsername:    "uid",
		AttrEmail:       "mail",
		AttrDisplayName: "displayName",
		AttrDepartment:  "departmentNumber",
		AttrTitle:       "title",
		AttrPhone:       "telephoneNumber",
		AttrAvatar:      "jpegPhoto,thumbnailPhoto",
		GroupBaseDN:     tr.Groups,
		GroupFilter:     "(objectClass=groupOfNames)",
		GroupMemberAttr: "member",
	}
}

// Server returns the slapd this tree lives in.
func (tr *Tree) Server() Server { return tr.srv }
