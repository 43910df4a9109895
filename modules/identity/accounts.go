package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// NewUser is what an admin gives to create a local account.
type NewUser struct {
	Username    string       `json:"username" minLength:"1" maxLength:"64" example:"akoch"`
	DisplayName string       `json:"display_name,omitempty" maxLength:"200" example:"Anna Koch"`
	Email       string       `json:"email,omitempty" maxLength:"254"`
	Department  string       `json:"department,omitempty" maxLength:"200"`
	Title       string       `json:"title,omitempty" maxLength:"200"`
	Phone       string       `json:"phone,omitempty" maxLength:"64"`
	Roles       []authn.Role `json:"roles,omitempty" doc:"admin, compliance; everyone is a member."`
	Password    string       `json:"password,omitempty" maxLength:"1024" doc:"Leave empty to have Kontor make one; it is returned once."`
}

// UserPatch changes an account; nil fields stay as they are.
type UserPatch struct {
	DisplayName *string       `json:"display_name,omitempty" maxLength:"200"`
	Email       *string       `json:"email,omitempty" maxLength:"254"`
	Department  *string       `json:"department,omitempty" maxLength:"200"`
	Title       *string       `json:"title,omitempty" maxLength:"200"`
	Phone       *string       `json:"phone,omitempty" maxLength:"64"`
	TimeZone    *string       `json:"time_zone,omitempty" maxLength:"64" doc:"IANA time zone, e.g. Europe/Berlin; empty clears it. People may set their own, also for directory accounts."`
	Roles       *[]authn.Role `json:"roles,omitempty" doc:"The full new set of roles."`
	Status      *string       `json:"status,omitempty" enum:"active,disabled"`
}

// profileFields validates the free-text fields of a patch onto u.
func (p UserPatch) applyProfile(u *User) error {
	for _, f := range []struct {
		field string
		in    *string
		out   *string
		max   int
	}{
		{"body.display_name", p.DisplayName, &u.DisplayName, 200},
		{"body.email", p.Email, &u.Email, 254},
		{"body.department", p.Department, &u.Department, 200},
		{"body.title", p.Title, &u.Title, 200},
		{"body.phone", p.Phone, &u.Phone, 64},
	} {
		if f.in == nil {
			continue
		}
		v, err := checkProfileText(f.field, *f.in, f.max)
		if err != nil {
			return err
		}
		*f.out = v
	}
	return p.applyTimeZone(u)
}

// applyTimeZone sets the time zone, the one profile field people keep
// themselves even when the directory keeps the rest.
func (p UserPatch) applyTimeZone(u *User) error {
	if p.TimeZone == nil {
		return nil
	}
	tz, err := checkTimeZone(*p.TimeZone)
	if err != nil {
		return err
	}
	u.TimeZone = tz
	return nil
}

func (p UserPatch) touchesProfile() bool {
	return p.DisplayName != nil || p.Email != nil || p.Department != nil || p.Title != nil || p.Phone != nil
}

// CreateUser creates a local account. When in.Password is empty it makes
// one and returns it; it is never shown again.
func (m *Module) CreateUser(ctx context.Context, in NewUser) (User, string, error) {
	caller, err := authn.RequireRole(ctx, authn.RoleAdmin)
	if err != nil {
		return User{}, "", err
	}
	username, err := checkNewUsername(in.Username)
	if err != nil {
		return User{}, "", err
	}
	if err := checkRoles(in.Roles); err != nil {
		return User{}, "", err
	}
	if err := checkRoleChange(caller, nil, normalizeRoles(in.Roles)); err != nil {
		return User{}, "", err
	}
	generated := ""
	if in.Password == "" {
		generated = newPassword()
		in.Password = generated
	} else if err := checkPassword("body.password", in.Password); err != nil {
		return User{}, "", err
	}
	now := m.now()
	u := User{ID: ids.NewAt(now), Username: username, Status: StatusActive, Source: SourceLocal,
		Roles: normalizeRoles(in.Roles), CreatedAt: now, UpdatedAt: now}
	name := in.DisplayName
	if name == "" {
		name = username
	}
	if err := (UserPatch{DisplayName: &name, Email: &in.Email, Department: &in.Department, Title: &in.Title,
		Phone: &in.Phone}).applyProfile(&u); err != nil {
		return User{}, "", err
	}
	if u.passwordHash, err = m.hash.Hash(ctx, in.Password); err != nil {
		return User{}, "", fmt.Errorf("create user: %w", err)
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		if err := insertUser(ctx, tx, u); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.Conflict("the username %q is taken", username).WithCode(apperr.CodeUsernameTaken)
			}
			return err
		}
		if len(u.Roles) > 0 {
			if err := m.recordRoles(ctx, tx, u, nil, u.Roles, "account created"); err != nil {
				return err
			}
		}
		return m.audit.Record(ctx, tx, now, "user.create", "user", u.ID, map[string]any{
			"username": u.Username, "roles": u.Roles, "password_generated": generated != ""})
	})
	if err != nil {
		return User{}, "", err
	}
	m.log.Info("user created", "user", u.Username, "roles", u.Roles)
	return u, generated, nil
}

// lookup finds a user by id or username (any case).
func (m *Module) lookup(ctx context.Context, q db.Querier, idOrName string) (User, error) {
	var u User
	var err error
	if ids.Valid(idOrName) {
		u, err = userBy(ctx, q, "id", idOrName)
	} else {
		u, err = userBy(ctx, q, "username", normalizeName(idOrName))
	}
	if errors.Is(err, errNoUser) {
		return User{}, apperr.NotFound("no user %q", idOrName).WithCode(apperr.CodeUserNotFound)
	}
	return u, err
}

// GetUser returns an account with its roles and state (admins only).
func (m *Module) GetUser(ctx context.Context, idOrName string) (User, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return User{}, err
	}
	return m.lookup(ctx, m.db, idOrName)
}

// UpdateUser changes an account (admins only). Profile fields of directory
// accounts belong to the directory and cannot be changed here. The last
// active admin cannot be disabled or lose the admin role.
func (m *Module) UpdateUser(ctx context.Context, idOrName string, p UserPatch) (User, error) {
	caller, err := authn.Require(ctx)
	if err != nil {
		return User{}, err
	}
	// Admins change accounts; a compliance officer who is no admin may
	// only grant or remove the compliance role (checked below).
	onlyRoles := p.Roles != nil && !p.touchesProfile() && p.TimeZone == nil && p.Status == nil
	if !caller.Has(authn.RoleAdmin) && !(onlyRoles && caller.Has(authn.RoleCompliance)) {
		_, err := authn.RequireRole(ctx, authn.RoleAdmin)
		return User{}, err
	}
	if p.Roles != nil {
		if err := checkRoles(*p.Roles); err != nil {
			return User{}, err
		}
	}
	if p.Status != nil && *p.Status != StatusActive && *p.Status != StatusDisabled {
		return User{}, apperr.Invalid("body.status", "status must be active or disabled")
	}
	var out User
	revoked := false
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		u, err := m.lookup(ctx, tx, idOrName)
		if err != nil {
			return err
		}
		if erased, err := isErased(ctx, tx, u.ID); err != nil {
			return err
		} else if erased {
			return errErased(u.Username)
		}
		before := u
		now := m.now()
		if p.touchesProfile() || p.TimeZone != nil {
			if u.Source == SourceLDAP && p.touchesProfile() {
				return apperr.Invalid("body", "%s's profile is managed in the company directory; change it there", u.Username).WithCode(apperr.CodeManagedByDirectory)
			}
			if err := p.applyProfile(&u); err != nil {
				return err
			}
			if err := m.audit.Record(ctx, tx, now, "user.update_profile", "user", u.ID, profileDiff(before, u)); err != nil {
				return err
			}
		}
		if p.Roles != nil && !slices.Equal(normalizeRoles(*p.Roles), u.Roles) {
			if err := checkRoleChange(caller, u.Roles, normalizeRoles(*p.Roles)); err != nil {
				return err
			}
			u.Roles = normalizeRoles(*p.Roles)
			if err := m.audit.Record(ctx, tx, now, "user.set_roles", "user", u.ID, map[string]any{
				"username": u.Username, "from": before.Roles, "to": u.Roles}); err != nil {
				return err
			}
			if err := m.recordRoles(ctx, tx, u, before.Roles, u.Roles, "changed by hand"); err != nil {
				return err
			}
		}
		if p.Status != nil && *p.Status != u.Status {
			if u.Status == StatusActive {
				if err := guardComplianceOfficer(caller, before, "disable the account"); err != nil {
					return err
				}
			}
			u.Status = *p.Status
			u.disabledBy = ""
			action := "user.enable"
			if u.Status == StatusDisabled {
				action = "user.disable"
				u.disabledBy = "admin"
			}
			if err := m.audit.Record(ctx, tx, now, action, "user", u.ID, map[string]any{"username": u.Username}); err != nil {
				return err
			}
		}
		if before.has(authn.RoleAdmin) && before.Status == StatusActive && (!u.has(authn.RoleAdmin) || u.Status != StatusActive) {
			n, err := countActiveAdmins(ctx, tx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return apperr.Conflict("%s is the last active admin; make someone else admin first", u.Username).WithCode(apperr.CodeLastAdmin)
			}
		}
		if err := updateUser(ctx, tx, u, now); err != nil {
			return err
		}
		if u.Status == StatusDisabled && before.Status == StatusActive {
			if _, err := revokeAll(ctx, tx, u.ID, now); err != nil {
				return err
			}
			revoked = true
		}
		out = u
		return nil
	})
	if err != nil {
		return User{}, err
	}
	if revoked {
		m.notifyRevoked(ctx, out.ID)
	}
	return m.lookup(ctx, m.db, out.ID)
}

func profileDiff(a, b User) map[string]any {
	d := map[string]any{"username": a.Username}
	for _, f := range []struct {
		name     string
		old, new string
	}{{"display_name", a.DisplayName, b.DisplayName}, {"email", a.Email, b.Email}, {"department", a.Department, b.Department},
		{"title", a.Title, b.Title}, {"phone", a.Phone, b.Phone}, {"time_zone", a.TimeZone, b.TimeZone}} {
		if f.old != f.new {
			d[f.name] = map[string]string{"from": f.old, "to": f.new}
		}
	}
	return d
}

func (m *Module) notifyRevoked(ctx context.Context, userID string) { m.sessionsEnded(ctx, userID) }

// ResetPassword sets a new password for a local account (admins only),
// making one when password is empty, and ends all the user's sessions.
func (m *Module) ResetPassword(ctx context.Context, idOrName, password string) (string, error) {
	caller, err := authn.RequireRole(ctx, authn.RoleAdmin)
	if err != nil {
		return "", err
	}
	generated := ""
	if password == "" {
		generated = newPassword()
		password = generated
	} else if err := checkPassword("body.password", password); err != nil {
		return "", err
	}
	hash, err := m.hash.Hash(ctx, password)
	if err != nil {
		return "", fmt.Errorf("reset password: %w", err)
	}
	var userID string
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		u, err := m.lookup(ctx, tx, idOrName)
		if err != nil {
			return err
		}
		if u.Source != SourceLocal {
			return apperr.Invalid("user", "%s signs in with the company directory; reset the password there", u.Username).WithCode(apperr.CodeManagedByDirectory)
		}
		if err := guardComplianceOfficer(caller, u, "set their password"); err != nil {
			return err
		}
		now := m.now()
		u.passwordHash = hash
		if err := updateUser(ctx, tx, u, now); err != nil {
			return err
		}
		if _, err := revokeAll(ctx, tx, u.ID, now); err != nil {
			return err
		}
		userID = u.ID
		return m.audit.Record(ctx, tx, now, "user.reset_password", "user", u.ID, map[string]any{
			"username": u.Username, "password_generated": generated != ""})
	})
	if err != nil {
		return "", err
	}
	m.notifyRevoked(ctx, userID)
	return generated, nil
}

// ListUsers lists accounts for admins, with disabled ones.
func (m *Module) ListUsers(ctx context.Context, q UserQuery) ([]User, string, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return nil, "", err
	}
	if q.Role != "" {
		if err := checkRoles([]authn.Role{authn.Role(q.Role)}); err != nil {
			return nil, "", err
		}
	}
	limit := clampLimit(q.Limit)
	us, err := listUsers(ctx, m.db, userQuery{Text: q.Text, Department: q.Department, Role: q.Role,
		IncludeDisabled: q.Status != StatusActive, Source: q.Source, After: q.After, Limit: limit + 1})
	if err != nil {
		return nil, "", err
	}
	if q.Status == StatusDisabled {
		us = slices.DeleteFunc(us, func(u User) bool { return u.Status != StatusDisabled })
	}
	next := ""
	if len(us) > limit {
		us = us[:limit]
		next = us[limit-1].Username
	}
	return us, next, nil
}

// UserQuery filters user listings.
type UserQuery struct {
	Text       string
	Department string
	Role       string
	Status     string // "", active, disabled
	Source     string
	After      string
	Limit      int
}

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 200)
}

// Bootstrap creates the first admin on an empty database. It returns
// whether it did, and the password it made when password was empty.
func (m *Module) Bootstrap(ctx context.Context, password string) (created bool, generated string, err error) {
	n, err := countUsers(ctx, m.db)
	if err != nil {
		return false, "", fmt.Errorf("bootstrap: %w", err)
	}
	if n > 0 {
		return false, "", nil
	}
	if password != "" {
		if err := checkPassword("KONTOR_ADMIN_PASSWORD", password); err != nil {
			return false, "", fmt.Errorf("KONTOR_ADMIN_PASSWORD: %w", err)
		}
	}
	ctx = authn.SystemContext(ctx, "bootstrap")
	_, generated, err = m.CreateUser(ctx, NewUser{Username: "admin", DisplayName: "Administrator",
		Roles: []authn.Role{authn.RoleAdmin}, Password: password})
	if err != nil {
		return false, "", fmt.Errorf("bootstrap: %w", err)
	}
	return true, generated, nil
}

// RevokeUserSessions ends every session and API token of an account (admins only).
func (m *Module) RevokeUserSessions(ctx context.Context, idOrName string) error {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return err
	}
	var userID string
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		u, err := m.lookup(ctx, tx, idOrName)
		if err != nil {
			return err
		}
		now := m.now()
		n, err := revokeAll(ctx, tx, u.ID, now)
		if err != nil {
			return err
		}
		userID = u.ID
		return m.audit.Record(ctx, tx, now, "user.revoke_sessions", "user", u.ID, map[string]any{"username": u.Username, "count": n})
	})
	if err != nil {
		return err
	}
	m.notifyRevoked(ctx, userID)
	return nil
}

// AuditLog reads the audit log (admins only).
func (m *Module) AuditLog(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return nil, err
	}
	return audit.List(ctx, m.db, f)
}
