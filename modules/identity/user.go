package identity

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// Status of an account.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Source says where an account is managed.
const (
	SourceLocal = "local"
	SourceLDAP  = "ldap"
)

// User is a person's account as admins see it.
type User struct {
	ID          string       `json:"id"`
	Username    string       `json:"username" example:"jmueller"`
	DisplayName string       `json:"display_name" example:"Jürgen Müller"`
	Email       string       `json:"email" example:"j.mueller@example.com"`
	Department  string       `json:"department" example:"Einkauf"`
	Title       string       `json:"title" example:"Leiter Einkauf"`
	Phone       string       `json:"phone"`
	TimeZone    string       `json:"time_zone" doc:"IANA time zone, e.g. Europe/Berlin; empty when unknown." example:"Europe/Berlin"`
	Status      string       `json:"status" enum:"active,disabled"`
	Source      string       `json:"source" enum:"local,ldap" doc:"local: password kept by Kontor; ldap: managed in the company directory."`
	Roles       []authn.Role `json:"roles" doc:"admin and/or compliance; everyone is a member."`
	HasAvatar   bool         `json:"has_avatar"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	LastLoginAt *time.Time   `json:"last_login_at,omitempty"`

	ldapDN       string
	passwordHash string
	disabledBy   string // admin | directory, for disabled accounts
}

// Profile is what every colleague may see of a person: the directory entry.
type Profile struct {
	ID          string `json:"id"`
	Username    string `json:"username" example:"jmueller"`
	DisplayName string `json:"display_name" example:"Jürgen Müller"`
	Email       string `json:"email"`
	Department  string `json:"department"`
	Title       string `json:"title"`
	Phone       string `json:"phone"`
	TimeZone    string `json:"time_zone" doc:"IANA time zone, so colleagues see the person's local time; empty when unknown." example:"Europe/Berlin"`
	Active      bool   `json:"active"`
	AvatarURL   string `json:"avatar_url,omitempty" doc:"Relative URL of the picture, when there is one."`
}

// Profile returns the colleague-visible part of u.
func (u User) Profile() Profile {
	p := Profile{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
		Department: u.Department, Title: u.Title, Phone: u.Phone, TimeZone: u.TimeZone, Active: u.Status == StatusActive}
	if u.HasAvatar {
		// The version makes a new picture a new URL, past browser caches.
		p.AvatarURL = "/api/v1/users/" + u.ID + "/avatar?v=" + strconv.FormatInt(u.UpdatedAt.UnixMilli(), 36)
	}
	return p
}

func (u User) principal(s session, viaCookie bool) *authn.Principal {
	p := &authn.Principal{UserID: u.ID, Username: u.Username, Roles: u.Roles, SessionID: s.ID, ViaCookie: viaCookie}
	if s.Kind == kindToken {
		// A token holds its owner's rights only as far as its scopes say.
		p.APIToken = true
		p.ReadOnly = !slices.Contains(s.Scopes, ScopeWrite)
		if !slices.Contains(s.Scopes, ScopeAdmin) {
			p.Roles = nil
		}
	}
	return p
}

func (u User) has(r authn.Role) bool { return slices.Contains(u.Roles, r) }

var localUsername = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// checkNewUsername validates a username for a new local account.
func checkNewUsername(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !localUsername.MatchString(s) {
		return "", apperr.Invalid("body.username", "username must be 1 to 64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	return s, nil
}

// maxLoginName bounds the username accepted at login (directory names
// such as e-mail style principals can be longer than local ones).
const maxLoginName = 128

// checkLoginName validates a username as typed at login.
func checkLoginName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", apperr.Invalid("body.username", "enter your username")
	case !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError):
		return "", apperr.Invalid("body.username", "username contains bytes that are not valid UTF-8")
	case utf8.RuneCountInString(s) > maxLoginName:
		return "", apperr.Invalid("body.username", "username is longer than %d characters", maxLoginName)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", apperr.Invalid("body.username", "username contains control characters")
		}
	}
	return strings.ToLower(s), nil
}

// checkPassword validates a password a person wants to set.
func checkPassword(field, pw string) error {
	switch {
	case strings.TrimSpace(pw) == "":
		return apperr.Invalid(field, "password must not be empty or only spaces")
	case utf8.RuneCountInString(pw) < 10:
		return apperr.Invalid(field, "password must be at least 10 characters")
	case len(pw) > 1024:
		return apperr.Invalid(field, "password must be at most 1024 bytes")
	case !utf8.ValidString(pw):
		return apperr.Invalid(field, "password is not valid UTF-8")
	}
	return nil
}

// checkProfileText validates a free-text profile field: one readable line
// (no control or invisible format characters).
func checkProfileText(field, s string, maxRunes int) (string, error) {
	return text.Line(field, s, maxRunes)
}

func parseRoles(s string) []authn.Role {
	var out []authn.Role
	for _, f := range strings.Fields(s) {
		out = append(out, authn.Role(f))
	}
	return normalizeRoles(out)
}

// normalizeRoles sorts roles, drops duplicates and "member" (implicit).
func normalizeRoles(rs []authn.Role) []authn.Role {
	out := []authn.Role{}
	for _, r := range authn.Roles {
		if r != authn.RoleMember && slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

func checkRoles(rs []authn.Role) error {
	for _, r := range rs {
		if !slices.Contains(authn.Roles, r) {
			return apperr.Invalid("body.roles", "unknown role %q: use admin, compliance or member", r)
		}
	}
	return nil
}

func formatRoles(rs []authn.Role) string {
	parts := make([]string, 0, len(rs))
	for _, r := range normalizeRoles(rs) {
		parts = append(parts, string(r))
	}
	return strings.Join(parts, " ")
}

func searchText(u User) string {
	return strings.ToLower(strings.Join([]string{u.Username, u.DisplayName, u.Email, u.Department, u.Title}, " "))
}

func normalizeName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkTimeZone validates an IANA time zone name ("" clears it).
func checkTimeZone(tz string) (string, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" {
		return "", nil
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" || len(tz) > 64 {
		return "", apperr.Invalid("body.time_zone", "%q is not a time zone; use an IANA name such as Europe/Berlin or Asia/Shanghai", tz)
	}
	return tz, nil
}
