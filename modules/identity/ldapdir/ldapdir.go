// Package ldapdir talks to the company directory (OpenLDAP, Active
// Directory) over LDAP: it finds people with a service account, checks
// their password by binding as them (search-then-bind), reads their
// attributes and groups, and lists everyone for the periodic sync.
//
// Every filter built from user input goes through ldap.EscapeFilter, and
// an empty password is refused before any bind: many servers treat a bind
// with an empty password as an anonymous bind that "succeeds".
package ldapdir

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Config is how to reach and read the directory.
type Config struct {
	URL                string // ldap://host:389 or ldaps://host:636
	StartTLS           bool
	CAFile             string
	InsecureSkipVerify bool
	Timeout            time.Duration

	BindDN       string
	BindPassword string // never logged

	UserBaseDN string
	UserFilter string // e.g. (objectClass=inetOrgPerson)
	// DisabledFilter, when set, marks matching users as disabled, e.g.
	// (userAccountControl:1.2.840.113556.1.4.803:=2) on Active Directory.
	DisabledFilter string

	AttrUsername    string
	AttrEmail       string
	AttrDisplayName string
	AttrDepartment  string
	AttrTitle       string
	AttrPhone       string
	AttrAvatar      string // comma-separated, first present wins: jpegPhoto,thumbnailPhoto

	GroupBaseDN     string
	GroupFilter     string // e.g. (objectClass=groupOfNames)
	GroupMemberAttr string // member
}

// Validate checks the configuration without contacting the server.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return fmt.Errorf("ldap-url %q: want ldap://host:port or ldaps://host:port", c.URL)
	}
	if u.Scheme == "ldaps" && c.StartTLS {
		return errors.New("ldap-start-tls: not with ldaps:// (the connection is already TLS)")
	}
	if c.UserBaseDN == "" {
		return errors.New("ldap-user-base-dn is required when ldap-url is set")
	}
	if c.AttrUsername == "" {
		return errors.New("ldap-attr-username must not be empty")
	}
	for name, f := range map[string]string{"ldap-user-filter": c.UserFilter, "ldap-disabled-filter": c.DisabledFilter, "ldap-group-filter": c.GroupFilter} {
		if f == "" {
			continue
		}
		if _, err := ldap.CompileFilter(f); err != nil {
			return fmt.Errorf("%s %q: %w", name, f, err)
		}
	}
	if c.CAFile != "" {
		if _, err := os.ReadFile(c.CAFile); err != nil {
			return fmt.Errorf("ldap-ca-file: %w", err)
		}
	}
	return nil
}

// Errors. Callers map them to what a person sees.
var (
	ErrUnavailable        = errors.New("directory unreachable")
	ErrServiceBind        = errors.New("directory refused the service account")
	ErrUserNotFound       = errors.New("user not found in the directory")
	ErrAmbiguous          = errors.New("more than one directory entry matches the username")
	ErrInvalidCredentials = errors.New("wrong password")
	ErrEmptyPassword      = errors.New("empty password")
)

// Entry is one person as the directory describes them.
type Entry struct {
	DN          string
	Username    string // lowercased
	Email       string
	DisplayName string
	Department  string
	Title       string
	Phone       string
	Avatar      []byte
	Disabled    bool
	Groups      []string // group DNs, lowercased
	GroupNames  []string // the groups' cn values, lowercased
}

// Directory is a configured directory client. It opens a connection per
// operation: logins are rare next to everything else, and a fresh
// connection never carries a previous user's bind.
type Directory struct {
	cfg Config
	tls *tls.Config
}

// New checks cfg and returns a client. It does not connect.
func New(cfg Config) (*Directory, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	u, _ := url.Parse(cfg.URL)
	tc := &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ldap-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ldap-ca-file %s: no PEM certificate in it", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return &Directory{cfg: cfg, tls: tc}, nil
}

// Describe says where the directory is, without secrets.
func (d *Directory) Describe() string {
	mode := "plain"
	switch {
	case strings.HasPrefix(d.cfg.URL, "ldaps://"):
		mode = "TLS"
	case d.cfg.StartTLS:
		mode = "StartTLS"
	}
	return fmt.Sprintf("%s (%s), users under %s", d.cfg.URL, mode, d.cfg.UserBaseDN)
}

// dial connects and, if configured, upgrades with StartTLS. The
// connection is closed when ctx ends, which aborts a hanging request.
func (d *Directory) dial(ctx context.Context) (*ldap.Conn, func(), error) {
	dialer := &net.Dialer{Timeout: d.cfg.Timeout}
	c, err := ldap.DialURL(d.cfg.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(d.tls))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: connect to %s: %v", ErrUnavailable, d.cfg.URL, err)
	}
	c.SetTimeout(d.cfg.Timeout)
	stop := context.AfterFunc(ctx, func() { c.Close() })
	closeFn := func() { stop(); c.Close() }
	if d.cfg.StartTLS {
		if err := c.StartTLS(d.tls); err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("%w: StartTLS with %s: %v", ErrUnavailable, d.cfg.URL, err)
		}
	}
	return c, closeFn, nil
}

// conn dials and binds with the service account.
func (d *Directory) conn(ctx context.Context) (*ldap.Conn, func(), error) {
	c, closeFn, err := d.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	if d.cfg.BindDN != "" {
		if err := c.Bind(d.cfg.BindDN, d.cfg.BindPassword); err != nil {
			closeFn()
			if isNetwork(err) {
				return nil, nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
			}
			// The DN is configuration, not a secret; the password never appears.
			return nil, nil, fmt.Errorf("%w: bind as %s: %v", ErrServiceBind, d.cfg.BindDN, ldapCode(err))
		}
	}
	return c, closeFn, nil
}

func isNetwork(err error) bool {
	return ldap.IsErrorWithCode(err, ldap.ErrorNetwork) || errors.Is(err, net.ErrClosed)
}

// ldapCode renders an LDAP error by its result code only, so that nothing
// the server echoes (it may echo the bind DN or more) ends up in logs twice.
func ldapCode(err error) string {
	var le *ldap.Error
	if errors.As(err, &le) {
		return fmt.Sprintf("LDAP result %d (%s)", le.ResultCode, ldap.LDAPResultCodeMap[le.ResultCode])
	}
	return err.Error()
}

func (d *Directory) userAttrs() []string {
	attrs := []string{d.cfg.AttrUsername, "cn", "givenName", "sn"}
	for _, a := range []string{d.cfg.AttrEmail, d.cfg.AttrDisplayName, d.cfg.AttrDepartment, d.cfg.AttrTitle, d.cfg.AttrPhone} {
		if a != "" {
			attrs = append(attrs, a)
		}
	}
	return append(attrs, d.avatarAttrs()...)
}

func (d *Directory) avatarAttrs() []string {
	var out []string
	for _, a := range strings.Split(d.cfg.AttrAvatar, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

func (d *Directory) userFilter(extra string) string {
	f := d.cfg.UserFilter
	if f == "" {
		f = "(objectClass=*)"
	}
	return "(&" + f + extra + ")"
}

// find looks a username up with the service account.
func (d *Directory) find(c *ldap.Conn, username string) (*ldap.Entry, error) {
	filter := d.userFilter("(" + d.cfg.AttrUsername + "=" + ldap.EscapeFilter(username) + ")")
	req := ldap.NewSearchRequest(d.cfg.UserBaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
		2, int(d.cfg.Timeout.Seconds()), false, filter, d.userAttrs(), nil)
	res, err := c.Search(req)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if isNetwork(err) {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil, fmt.Errorf("search %s: %s", d.cfg.UserBaseDN, ldapCode(err))
	}
	if ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) || (res != nil && len(res.Entries) > 1) {
		return nil, ErrAmbiguous
	}
	if res == nil || len(res.Entries) == 0 {
		return nil, ErrUserNotFound
	}
	return res.Entries[0], nil
}

// Authenticate checks username and password: it finds the person with the
// service account, then binds as them on a separate connection.
func (d *Directory) Authenticate(ctx context.Context, username, password string) (Entry, error) {
	if strings.TrimSpace(password) == "" {
		return Entry{}, ErrEmptyPassword
	}
	return d.entryOf(ctx, username, func(raw *ldap.Entry) error { return d.bindAs(ctx, raw.DN, password) })
}

// entryOf finds username with the service account, runs check on the raw
// entry (if given) and completes it with groups and disabled state.
func (d *Directory) entryOf(ctx context.Context, username string, check func(*ldap.Entry) error) (Entry, error) {
	c, done, err := d.conn(ctx)
	if err != nil {
		return Entry{}, err
	}
	defer done()
	raw, err := d.find(c, username)
	if err != nil {
		return Entry{}, err
	}
	if check != nil {
		if err := check(raw); err != nil {
			return Entry{}, err
		}
	}
	return d.complete(c, raw)
}

func (d *Directory) bindAs(ctx context.Context, dn, password string) error {
	uc, done, err := d.dial(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := uc.Bind(dn, password); err != nil {
		if isNetwork(err) {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return ErrInvalidCredentials
	}
	return nil
}

// Lookup returns the directory's view of username without checking a password.
func (d *Directory) Lookup(ctx context.Context, username string) (Entry, error) {
	return d.entryOf(ctx, username, nil)
}

// complete adds what needs further searches: disabled state and groups.
func (d *Directory) complete(c *ldap.Conn, raw *ldap.Entry) (Entry, error) {
	e := d.entry(raw)
	if d.cfg.DisabledFilter != "" {
		req := ldap.NewSearchRequest(raw.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false,
			d.cfg.DisabledFilter, []string{"1.1"}, nil)
		res, err := c.Search(req)
		if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return Entry{}, fmt.Errorf("check disabled state: %s", ldapCode(err))
		}
		e.Disabled = res != nil && len(res.Entries) > 0
	}
	if d.cfg.GroupBaseDN != "" {
		filter := "(&" + orDefault(d.cfg.GroupFilter, "(objectClass=*)") + "(" + d.groupMemberAttr() + "=" + ldap.EscapeFilter(raw.DN) + "))"
		req := ldap.NewSearchRequest(d.cfg.GroupBaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
			filter, []string{"cn"}, nil)
		res, err := c.Search(req)
		if err != nil {
			return Entry{}, fmt.Errorf("search groups under %s: %s", d.cfg.GroupBaseDN, ldapCode(err))
		}
		for _, g := range res.Entries {
			e.Groups = append(e.Groups, strings.ToLower(g.DN))
			if cn := g.GetAttributeValue("cn"); cn != "" {
				e.GroupNames = append(e.GroupNames, strings.ToLower(cn))
			}
		}
	}
	return e, nil
}

func (d *Directory) groupMemberAttr() string { return orDefault(d.cfg.GroupMemberAttr, "member") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (d *Directory) entry(raw *ldap.Entry) Entry {
	e := Entry{
		DN:       raw.DN,
		Username: strings.ToLower(raw.GetAttributeValue(d.cfg.AttrUsername)),
	}
	get := func(attr string) string {
		if attr == "" {
			return ""
		}
		return strings.TrimSpace(raw.GetAttributeValue(attr))
	}
	e.Email = get(d.cfg.AttrEmail)
	e.DisplayName = get(d.cfg.AttrDisplayName)
	if e.DisplayName == "" {
		e.DisplayName = strings.TrimSpace(raw.GetAttributeValue("cn"))
	}
	if e.DisplayName == "" {
		e.DisplayName = strings.TrimSpace(raw.GetAttributeValue("givenName") + " " + raw.GetAttributeValue("sn"))
	}
	e.Department = get(d.cfg.AttrDepartment)
	e.Title = get(d.cfg.AttrTitle)
	e.Phone = get(d.cfg.AttrPhone)
	for _, a := range d.avatarAttrs() {
		if v := raw.GetRawAttributeValue(a); len(v) > 0 {
			e.Avatar = v
			break
		}
	}
	return e
}

// All lists every person under the user base, with groups and disabled
// state, using paged searches.
func (d *Directory) All(ctx context.Context) ([]Entry, error) {
	c, done, err := d.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	search := func(base, filter string, attrs []string) ([]*ldap.Entry, error) {
		req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
		res, err := c.SearchWithPaging(req, 500)
		if err != nil {
			if isNetwork(err) {
				return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
			}
			return nil, fmt.Errorf("search %s: %s", base, ldapCode(err))
		}
		return res.Entries, nil
	}
	raws, err := search(d.cfg.UserBaseDN, d.userFilter(""), d.userAttrs())
	if err != nil {
		return nil, err
	}
	disabled := map[string]bool{}
	if d.cfg.DisabledFilter != "" {
		ds, err := search(d.cfg.UserBaseDN, d.userFilter(d.cfg.DisabledFilter), []string{"1.1"})
		if err != nil {
			return nil, err
		}
		for _, e := range ds {
			disabled[strings.ToLower(e.DN)] = true
		}
	}
	groupsOf := map[string][]*ldap.Entry{}
	if d.cfg.GroupBaseDN != "" {
		gs, err := search(d.cfg.GroupBaseDN, orDefault(d.cfg.GroupFilter, "(objectClass=*)"), []string{"cn", d.groupMemberAttr()})
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			for _, m := range g.GetAttributeValues(d.groupMemberAttr()) {
				k := strings.ToLower(m)
				groupsOf[k] = append(groupsOf[k], g)
			}
		}
	}
	out := make([]Entry, 0, len(raws))
	for _, raw := range raws {
		e := d.entry(raw)
		if e.Username == "" {
			continue
		}
		k := strings.ToLower(raw.DN)
		e.Disabled = disabled[k]
		for _, g := range groupsOf[k] {
			e.Groups = append(e.Groups, strings.ToLower(g.DN))
			if cn := g.GetAttributeValue("cn"); cn != "" {
				e.GroupNames = append(e.GroupNames, strings.ToLower(cn))
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Step is one line of a Test report.
type Step struct {
	What string
	OK   bool
	Info string
}

// Test walks through what a login does, step by step, and reports what it
// found or where it failed: connect, service bind, find the user, read
// groups, and (if password is not empty) bind as the user.
func (d *Directory) Test(ctx context.Context, username, password string) ([]Step, Entry, error) {
	var steps []Step
	c, done, err := d.conn(ctx)
	if err != nil {
		what := "connect and bind as the service account"
		steps = append(steps, Step{What: what, Info: err.Error()})
		return steps, Entry{}, err
	}
	defer done()
	steps = append(steps, Step{What: "connect to " + d.Describe(), OK: true})
	if d.cfg.BindDN != "" {
		steps = append(steps, Step{What: "bind as service account " + d.cfg.BindDN, OK: true})
	}
	if username == "" {
		return steps, Entry{}, nil
	}
	raw, err := d.find(c, username)
	if err != nil {
		steps = append(steps, Step{What: "find " + username, Info: err.Error()})
		return steps, Entry{}, err
	}
	steps = append(steps, Step{What: "find " + username, OK: true, Info: raw.DN})
	e, err := d.complete(c, raw)
	if err != nil {
		steps = append(steps, Step{What: "read groups and state", Info: err.Error()})
		return steps, Entry{}, err
	}
	steps = append(steps, Step{What: "read groups and state", OK: true,
		Info: fmt.Sprintf("groups %v, disabled %v", e.GroupNames, e.Disabled)})
	if password != "" {
		if err := d.bindAs(ctx, raw.DN, password); err != nil {
			steps = append(steps, Step{What: "bind as " + raw.DN, Info: err.Error()})
			return steps, e, err
		}
		steps = append(steps, Step{What: "bind as " + raw.DN, OK: true})
	}
	return steps, e, nil
}
