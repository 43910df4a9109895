package identity

import (
	"context"
	"errors"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// The company directory as colleagues see it: search, profiles, pictures.

// SearchPeople finds active colleagues by name, username, e-mail, title or
// department (every word must match), and optionally by exact department.
func (m *Module) SearchPeople(ctx context.Context, text, department, after string, limit int) ([]Profile, string, error) {
	if _, err := authn.Require(ctx); err != nil {
		return nil, "", err
	}
	if len(text) > 200 || len(department) > 200 {
		return nil, "", apperr.Invalid("q", "search text is longer than 200 characters")
	}
	limit = clampLimit(limit)
	us, err := listUsers(ctx, m.db, userQuery{Text: text, Department: department, After: strings.ToLower(after), Limit: limit + 1})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(us) > limit {
		us = us[:limit]
		next = us[limit-1].Username
	}
	out := make([]Profile, len(us))
	for i, u := range us {
		out[i] = u.Profile()
	}
	return out, next, nil
}

// PeopleByID returns the profiles of up to 100 users by id, in the order
// asked, disabled accounts included (their messages still need a name);
// unknown ids are left out.
func (m *Module) PeopleByID(ctx context.Context, userIDs []string) ([]Profile, error) {
	if _, err := authn.Require(ctx); err != nil {
		return nil, err
	}
	var want []string
	seen := map[string]bool{}
	for _, id := range userIDs {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		if !ids.Valid(id) {
			return nil, apperr.Invalid("ids", "%q is not a user id", id)
		}
		seen[id] = true
		want = append(want, id)
	}
	if len(want) > 100 {
		return nil, apperr.Invalid("ids", "ask for at most 100 people at once")
	}
	byID, err := m.ProfilesByID(ctx, want)
	if err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(want))
	for _, id := range want {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// GetProfile returns a colleague's profile by id or username.
func (m *Module) GetProfile(ctx context.Context, idOrName string) (Profile, error) {
	if _, err := authn.Require(ctx); err != nil {
		return Profile{}, err
	}
	u, err := m.lookup(ctx, m.db, idOrName)
	if err != nil {
		return Profile{}, err
	}
	return u.Profile(), nil
}

// Avatar returns a colleague's picture.
func (m *Module) Avatar(ctx context.Context, userID string) (contentType, etag string, data []byte, err error) {
	if _, err := authn.Require(ctx); err != nil {
		return "", "", nil, err
	}
	ct, etag, data, err := getAvatar(ctx, m.db, userID)
	if errors.Is(err, errNoUser) {
		return "", "", nil, apperr.NotFound("no picture for user %q", userID)
	}
	return ct, etag, data, err
}

// ProfilesByID returns the profiles of the given users (unknown ids are
// left out). Other modules use it to show names.
func (m *Module) ProfilesByID(ctx context.Context, userIDs []string) (map[string]Profile, error) {
	return m.profilesBy(ctx, "id", userIDs, func(u User) string { return u.ID })
}

// ProfilesByUsername returns the profiles of the given usernames, keyed
// by lowercase username (unknown names are left out).
func (m *Module) ProfilesByUsername(ctx context.Context, usernames []string) (map[string]Profile, error) {
	names := make([]string, len(usernames))
	for i, n := range usernames {
		names[i] = normalizeName(n)
	}
	return m.profilesBy(ctx, "username", names, func(u User) string { return u.Username })
}

func (m *Module) profilesBy(ctx context.Context, column string, values []string, key func(User) string) (map[string]Profile, error) {
	out := map[string]Profile{}
	for start := 0; start < len(values); start += 500 {
		chunk := values[start:min(start+500, len(values))]
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		rows, err := m.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+column+` IN (`+db.In(len(chunk))+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[key(u)] = u.Profile()
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateMe changes the caller's own profile. Directory accounts are kept
// by the directory.
func (m *Module) UpdateMe(ctx context.Context, p UserPatch) (User, error) {
	me, err := authn.Require(ctx)
	if err != nil {
		return User{}, err
	}
	if p.Roles != nil || p.Status != nil {
		return User{}, apperr.Forbidden("you cannot change your own roles or status")
	}
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		u, err := m.lookup(ctx, tx, me.UserID)
		if err != nil {
			return err
		}
		if u.Source == SourceLDAP && p.touchesProfile() {
			return apperr.Invalid("body", "your profile comes from the company directory; ask IT to change it there").WithCode(apperr.CodeManagedByDirectory)
		}
		before := u
		if err := p.applyProfile(&u); err != nil {
			return err
		}
		if p.DisplayName != nil && u.DisplayName != before.DisplayName && text.Reserved(u.DisplayName) && !me.Has(authn.RoleAdmin) {
			return apperr.Invalid("body.display_name", "%q is kept for the system and its administrators; choose your own name", u.DisplayName).
				WithCode(apperr.CodeReservedName)
		}
		now := m.now()
		if err := updateUser(ctx, tx, u, now); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "user.update_profile", "user", u.ID, profileDiff(before, u))
	})
	if err != nil {
		return User{}, err
	}
	return m.lookup(ctx, m.db, me.UserID)
}
