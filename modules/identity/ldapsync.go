package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// SyncReport says what a directory sync changed.
type SyncReport struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Seen       int       `json:"seen" doc:"People found in the directory."`
	Created    int       `json:"created"`
	Updated    int       `json:"updated"`
	Disabled   int       `json:"disabled" doc:"Accounts disabled because the directory disabled or removed them."`
	Enabled    int       `json:"enabled" doc:"Accounts enabled again because the directory enabled them."`
	Skipped    []string  `json:"skipped,omitempty" doc:"Directory usernames that clash with a local account or are not usable."`
	Error      string    `json:"error,omitempty"`
}

// change says what applying a directory entry did to an account.
type change int

const (
	unchanged change = iota
	created
	updated
)

// applyDirectoryEntry creates or updates the account for a directory
// entry: attributes, avatar, roles from groups, and disabled state. actor
// names who is acting in audit records.
func (m *Module) applyDirectoryEntry(ctx context.Context, e ldapdir.Entry, actor string) (User, error) {
	u, _, err := m.syncEntry(ctx, e, actor)
	return u, err
}

func (m *Module) syncEntry(ctx context.Context, e ldapdir.Entry, actor string) (User, change, error) {
	if _, err := checkLoginName(e.Username); err != nil || e.Username == "" {
		return User{}, unchanged, apperr.Invalid("", "directory username %q is not usable", e.Username)
	}
	ctx = authn.SystemContext(ctx, actor)
	var out User
	what := unchanged
	revoke := false
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		now := m.now()
		u, err := userBy(ctx, tx, "username", e.Username)
		isNew := errors.Is(err, errNoUser)
		switch {
		case isNew:
			u = User{ID: ids.NewAt(now), Username: e.Username, Status: StatusActive, Source: SourceLDAP, CreatedAt: now, UpdatedAt: now}
		case err != nil:
			return err
		case u.Source != SourceLDAP:
			return apperr.Conflict("the directory user %q clashes with a local account of the same name", e.Username).WithCode(apperr.CodeUsernameTaken)
		}
		before := u
		u.ldapDN = e.DN
		u.DisplayName, u.Email, u.Department, u.Title, u.Phone = firstNonEmpty(e.DisplayName, e.Username), e.Email, e.Department, e.Title, e.Phone
		u.Roles = m.rolesFromGroups(u.Roles, e)
		switch {
		case e.Disabled && u.Status == StatusActive:
			u.Status, u.disabledBy = StatusDisabled, "directory"
		case !e.Disabled && u.Status == StatusDisabled && u.disabledBy == "directory":
			u.Status, u.disabledBy = StatusActive, ""
		}
		if isNew {
			if err := insertUser(ctx, tx, u); err != nil {
				return err
			}
			what = created
			if len(u.Roles) > 0 {
				if err := m.recordRoles(ctx, tx, u, nil, u.Roles, "directory groups"); err != nil {
					return err
				}
			}
			if err := m.audit.Record(ctx, tx, now, "user.provision", "user", u.ID, map[string]any{
				"username": u.Username, "dn": u.ldapDN, "roles": u.Roles, "status": u.Status}); err != nil {
				return err
			}
		}
		// The picture refers to the user row, so it comes after the insert.
		avatarChanged, err := m.syncAvatar(ctx, tx, &u, e.Avatar, now)
		if err != nil {
			return err
		}
		if avatarChanged || (!isNew && profileChanged(before, u)) {
			if err := updateUser(ctx, tx, u, now); err != nil {
				return err
			}
			if !isNew {
				what = updated
			}
		}
		if !isNew {
			if err := m.auditDirectoryChanges(ctx, tx, before, u, now); err != nil {
				return err
			}
		}
		if before.Status == StatusActive && u.Status == StatusDisabled && !isNew {
			if _, err := revokeAll(ctx, tx, u.ID, now); err != nil {
				return err
			}
			revoke = true
		}
		out = u
		return nil
	})
	if err != nil {
		return User{}, unchanged, err
	}
	if revoke {
		m.notifyRevoked(ctx, out.ID)
	}
	return out, what, nil
}

func (m *Module) auditDirectoryChanges(ctx context.Context, tx *db.Tx, before, after User, now time.Time) error {
	if before.Status != after.Status {
		action := "user.enable"
		if after.Status == StatusDisabled {
			action = "user.disable"
		}
		if err := m.audit.Record(ctx, tx, now, action, "user", after.ID, map[string]any{"username": after.Username, "reason": "directory"}); err != nil {
			return err
		}
	}
	if formatRoles(before.Roles) != formatRoles(after.Roles) {
		if err := m.recordRoles(ctx, tx, after, before.Roles, after.Roles, "directory groups"); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "user.set_roles", "user", after.ID, map[string]any{
			"username": after.Username, "from": before.Roles, "to": after.Roles, "reason": "directory groups"})
	}
	return nil
}

func profileChanged(a, b User) bool {
	return a.DisplayName != b.DisplayName || a.Email != b.Email || a.Department != b.Department || a.Title != b.Title ||
		a.Phone != b.Phone || a.Status != b.Status || a.ldapDN != b.ldapDN || formatRoles(a.Roles) != formatRoles(b.Roles) ||
		a.disabledBy != b.disabledBy
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// rolesFromGroups sets each role whose group is configured from the
// directory; roles without a configured group stay as admins set them.
func (m *Module) rolesFromGroups(current []authn.Role, e ldapdir.Entry) []authn.Role {
	set := map[authn.Role]bool{}
	for _, r := range current {
		set[r] = true
	}
	for _, g := range []struct {
		group string
		role  authn.Role
	}{{m.cfg.LDAPAdminGroup, authn.RoleAdmin}, {m.cfg.LDAPComplianceGroup, authn.RoleCompliance}} {
		if g.group != "" {
			set[g.role] = roleGroupMatches(g.group, e)
		}
	}
	var out []authn.Role
	for r, on := range set {
		if on {
			out = append(out, r)
		}
	}
	return normalizeRoles(out)
}

// avatarTypes are the picture formats served as avatars.
var avatarTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// syncAvatar stores or removes the directory's picture; it reports a change.
func (m *Module) syncAvatar(ctx context.Context, q db.Querier, u *User, data []byte, now time.Time) (bool, error) {
	if len(data) == 0 || len(data) > 1<<20 || !avatarTypes[http.DetectContentType(data)] {
		if !u.HasAvatar {
			return false, nil
		}
		u.HasAvatar = false
		return true, deleteAvatar(ctx, q, u.ID)
	}
	sum := sha256.Sum256(data)
	etag := hex.EncodeToString(sum[:16])
	old, err := avatarETag(ctx, q, u.ID)
	if err != nil {
		return false, err
	}
	if old == etag && u.HasAvatar {
		return false, nil
	}
	u.HasAvatar = true
	return true, putAvatar(ctx, q, u.ID, http.DetectContentType(data), etag, data, now)
}

// SyncDirectory brings every directory account in line with the
// directory: attributes, groups, disabled state; accounts whose entry is
// gone are disabled and their sessions revoked. It refuses to disable
// everyone when the directory returns nobody (a wrong base DN or filter
// must not lock the whole company out).
func (m *Module) SyncDirectory(ctx context.Context) (SyncReport, error) {
	// Who asks comes first: a non-admin learns nothing of the setup.
	if p := authn.FromContext(ctx); p != nil && !p.Has(authn.RoleAdmin) {
		return SyncReport{}, apperr.Forbidden("this needs the admin role").WithCode(apperr.CodeRoleRequired)
	}
	if m.dir == nil {
		return SyncReport{}, apperr.Invalid("", "LDAP is not configured (ldap-url is empty)").WithCode(apperr.CodeDirectoryNotConfigured)
	}
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	rep := SyncReport{StartedAt: m.now()}
	err := m.syncDirectory(ctx, &rep)
	rep.FinishedAt = m.now()
	if err != nil {
		rep.Error = err.Error()
	}
	m.statusMu.Lock()
	m.lastSync = &rep
	m.statusMu.Unlock()
	m.log.Info("directory sync", "seen", rep.Seen, "created", rep.Created, "updated", rep.Updated,
		"disabled", rep.Disabled, "enabled", rep.Enabled, "skipped", len(rep.Skipped), "error", rep.Error)
	if err != nil {
		if errors.Is(err, ldapdir.ErrUnavailable) || errors.Is(err, ldapdir.ErrServiceBind) {
			return rep, apperr.Unavailable("the company directory cannot be reached: %v", err).WithCode(apperr.CodeDirectoryUnavailable)
		}
		return rep, err
	}
	actx := ctx
	if authn.FromContext(ctx) == nil {
		actx = authn.SystemContext(ctx, "ldap-sync")
	}
	if audErr := m.audit.Record(actx, m.db, rep.FinishedAt, "ldap.sync", "directory", "",
		map[string]any{"seen": rep.Seen, "created": rep.Created, "updated": rep.Updated, "disabled": rep.Disabled, "enabled": rep.Enabled}); audErr != nil {
		return rep, audErr
	}
	return rep, nil
}

func (m *Module) syncDirectory(ctx context.Context, rep *SyncReport) error {
	entries, err := m.dir.All(ctx)
	if err != nil {
		return fmt.Errorf("read directory: %w", err)
	}
	rep.Seen = len(entries)
	var local []User
	after := ""
	for {
		page, err := listUsers(ctx, m.db, userQuery{Source: SourceLDAP, IncludeDisabled: true, After: after, Limit: 1000})
		if err != nil {
			return err
		}
		local = append(local, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Username
	}
	if len(entries) == 0 && len(local) > 0 {
		return fmt.Errorf("the directory returned nobody; refusing to disable %d accounts (check ldap-user-base-dn and ldap-user-filter)", len(local))
	}
	known := map[string]User{}
	for _, u := range local {
		known[u.Username] = u
	}
	inDirectory := map[string]bool{}
	for _, e := range entries {
		inDirectory[e.Username] = true
		before, exists := known[e.Username]
		if !exists && !m.cfg.LDAPSyncProvision {
			continue
		}
		u, what, err := m.syncEntry(ctx, e, "ldap-sync")
		if err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				rep.Skipped = append(rep.Skipped, e.Username)
				continue
			}
			return err
		}
		switch {
		case what == created:
			rep.Created++
		case exists && before.Status == StatusActive && u.Status == StatusDisabled:
			rep.Disabled++
		case exists && before.Status == StatusDisabled && u.Status == StatusActive:
			rep.Enabled++
		case what == updated:
			rep.Updated++
		}
	}
	for _, u := range local {
		if inDirectory[u.Username] || u.Status == StatusDisabled {
			continue
		}
		if err := m.disableGone(ctx, u); err != nil {
			return err
		}
		rep.Disabled++
	}
	return nil
}

// disableGone disables an account whose directory entry no longer exists.
func (m *Module) disableGone(ctx context.Context, u User) error {
	ctx = authn.SystemContext(ctx, "ldap-sync")
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		now := m.now()
		u.Status, u.disabledBy = StatusDisabled, "directory"
		if err := updateUser(ctx, tx, u, now); err != nil {
			return err
		}
		if _, err := revokeAll(ctx, tx, u.ID, now); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "user.disable", "user", u.ID, map[string]any{
			"username": u.Username, "reason": "gone from the directory", "dn": u.ldapDN})
	})
	if err != nil {
		return err
	}
	m.notifyRevoked(ctx, u.ID)
	return nil
}

// DirectoryStatus is what the admin console shows about LDAP.
type DirectoryStatus struct {
	Configured   bool          `json:"configured"`
	Server       string        `json:"server,omitempty" doc:"Where the directory is, without credentials."`
	SyncInterval time.Duration `json:"sync_interval_ns,omitempty"`
	LastSync     *SyncReport   `json:"last_sync,omitempty" doc:"The last sync this node ran, if any."`
}

// Status reports the directory configuration and the last sync (admins only).
func (m *Module) Status(ctx context.Context) (DirectoryStatus, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return DirectoryStatus{}, err
	}
	if m.dir == nil {
		return DirectoryStatus{}, nil
	}
	m.statusMu.Lock()
	defer m.statusMu.Unlock()
	return DirectoryStatus{Configured: true, Server: m.dir.Describe(), SyncInterval: m.cfg.LDAPSyncInterval, LastSync: m.lastSync}, nil
}
