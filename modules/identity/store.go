package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// The store: every SQL statement of the identity module.

const userColumns = `id, username, display_name, email, department, title, phone, status, source, ldap_dn,
	roles, password_hash, has_avatar, created_at, updated_at, last_login_at, disabled_by, time_zone`

type scanner interface{ Scan(dest ...any) error }

// scanUser scans a row of userColumns, after the columns that fill before.
func scanUser(s scanner, before ...any) (User, error) {
	var u User
	var roles string
	var created, updated, lastLogin int64
	err := s.Scan(append(before, &u.ID, &u.Username, &u.DisplayName, &u.Email, &u.Department, &u.Title, &u.Phone, &u.Status,
		&u.Source, &u.ldapDN, &roles, &u.passwordHash, &u.HasAvatar, &created, &updated, &lastLogin, &u.disabledBy, &u.TimeZone)...)
	if err != nil {
		return User{}, err
	}
	u.Roles = parseRoles(roles)
	u.CreatedAt = time.UnixMilli(created).UTC()
	u.UpdatedAt = time.UnixMilli(updated).UTC()
	if lastLogin > 0 {
		t := time.UnixMilli(lastLogin).UTC()
		u.LastLoginAt = &t
	}
	return u, nil
}

var errNoUser = errors.New("no such user")

func userBy(ctx context.Context, q db.Querier, column, value string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+column+` = ?`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errNoUser
	}
	if err != nil {
		return User{}, fmt.Errorf("load user by %s: %w", column, err)
	}
	return u, nil
}

func insertUser(ctx context.Context, q db.Querier, u User) error {
	_, err := q.ExecContext(ctx, `INSERT INTO users (id, username, display_name, email, department, title, phone,
		search_text, status, source, ldap_dn, roles, password_hash, has_avatar, created_at, updated_at, time_zone)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, u.Email, u.Department, u.Title, u.Phone, searchText(u), u.Status, u.Source,
		u.ldapDN, formatRoles(u.Roles), u.passwordHash, u.HasAvatar, u.CreatedAt.UnixMilli(), u.UpdatedAt.UnixMilli(), u.TimeZone)
	if err != nil {
		return fmt.Errorf("insert user %s: %w", u.Username, err)
	}
	return nil
}

// updateUser writes every mutable column of u.
func updateUser(ctx context.Context, q db.Querier, u User, now time.Time) error {
	disabledAt := int64(0)
	if u.Status == StatusDisabled {
		disabledAt = now.UnixMilli()
	}
	_, err := q.ExecContext(ctx, `UPDATE users SET display_name = ?, email = ?, department = ?, title = ?, phone = ?,
		search_text = ?, status = ?, ldap_dn = ?, roles = ?, password_hash = ?, has_avatar = ?, updated_at = ?,
		disabled_at = CASE WHEN ? = 'disabled' AND disabled_at = 0 THEN ? WHEN ? = 'active' THEN 0 ELSE disabled_at END,
		disabled_by = ?, time_zone = ? WHERE id = ?`,
		u.DisplayName, u.Email, u.Department, u.Title, u.Phone, searchText(u), u.Status, u.ldapDN, formatRoles(u.Roles),
		u.passwordHash, u.HasAvatar, now.UnixMilli(), u.Status, disabledAt, u.Status, u.disabledBy, u.TimeZone, u.ID)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.Username, err)
	}
	return nil
}

func setLastLogin(ctx context.Context, q db.Querier, id string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, at.UnixMilli(), id)
	return err
}

// userQuery filters listUsers.
type userQuery struct {
	Text            string // words, each must appear
	Department      string
	Role            string
	IncludeDisabled bool
	Source          string
	After           string // username to continue after
	Limit           int
}

func listUsers(ctx context.Context, q db.Querier, f userQuery) ([]User, error) {
	where := []string{"1=1"}
	var args []any
	for _, w := range strings.Fields(strings.ToLower(f.Text)) {
		where = append(where, "search_text LIKE ? ESCAPE '\\'")
		args = append(args, "%"+db.EscapeLike(w)+"%")
	}
	if f.Department != "" {
		where = append(where, "LOWER(department) = ?")
		args = append(args, strings.ToLower(f.Department))
	}
	if f.Role != "" {
		where = append(where, "(' ' || roles || ' ') LIKE ?")
		args = append(args, "% "+db.EscapeLike(f.Role)+" %")
	}
	if !f.IncludeDisabled {
		where = append(where, "status = 'active'")
	}
	if f.Source != "" {
		where = append(where, "source = ?")
		args = append(args, f.Source)
	}
	if f.After != "" {
		where = append(where, "username > ?")
		args = append(args, f.After)
	}
	args = append(args, f.Limit)
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY username LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func countActiveAdmins(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE status = 'active' AND (' ' || roles || ' ') LIKE '% admin %'`).Scan(&n)
	return n, err
}

func countUsers(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// ---- avatars ----

func putAvatar(ctx context.Context, q db.Querier, userID, contentType, etag string, data []byte, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO user_avatars (user_id, content_type, etag, data, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, etag = excluded.etag,
		data = excluded.data, updated_at = excluded.updated_at`, userID, contentType, etag, data, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("store avatar: %w", err)
	}
	return nil
}

func deleteAvatar(ctx context.Context, q db.Querier, userID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM user_avatars WHERE user_id = ?`, userID)
	return err
}

func avatarETag(ctx context.Context, q db.Querier, userID string) (string, error) {
	var etag string
	err := q.QueryRowContext(ctx, `SELECT etag FROM user_avatars WHERE user_id = ?`, userID).Scan(&etag)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return etag, err
}

func getAvatar(ctx context.Context, q db.Querier, userID string) (contentType, etag string, data []byte, err error) {
	err = q.QueryRowContext(ctx, `SELECT content_type, etag, data FROM user_avatars WHERE user_id = ?`, userID).Scan(&contentType, &etag, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil, errNoUser
	}
	return contentType, etag, data, err
}

// ---- sessions and tokens ----

// session is a row of the sessions table (a browser session or an API token).
type session struct {
	ID         string
	UserID     string
	Kind       string
	Name       string
	CSRF       string
	Revoked    bool
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
	IP         string
	UserAgent  string
	Scopes     []string // tokens: read, write, admin
}

const (
	kindSession = "session"
	kindToken   = "token"
)

func insertSession(ctx context.Context, q db.Querier, s session, tokenHash string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id, user_id, kind, name, token_hash, csrf_token, created_at,
		expires_at, last_used_at, ip, user_agent, scopes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.Kind, s.Name, tokenHash, s.CSRF, s.CreatedAt.UnixMilli(), unixOrZero(s.ExpiresAt),
		s.CreatedAt.UnixMilli(), s.IP, s.UserAgent, strings.Join(s.Scopes, " "))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// sessionByHash loads a session (revoked ones too, marked) and its user.
func sessionByHash(ctx context.Context, q db.Querier, hash string) (session, User, error) {
	var s session
	var created, expires, lastUsed, revoked int64
	var scopes string
	row := q.QueryRowContext(ctx, `SELECT s.id, s.user_id, s.kind, s.name, s.csrf_token, s.created_at, s.expires_at,
		s.last_used_at, s.ip, s.user_agent, s.revoked_at, s.scopes, `+db.Prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, hash)
	u, err := scanUser(row, &s.ID, &s.UserID, &s.Kind, &s.Name, &s.CSRF, &created, &expires, &lastUsed, &s.IP, &s.UserAgent, &revoked, &scopes)
	s.Revoked = revoked > 0
	s.Scopes = strings.Fields(scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return session{}, User{}, errNoSession
	}
	if err != nil {
		return session{}, User{}, fmt.Errorf("load session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt, s.LastUsedAt = timeOrZero(created), timeOrZero(expires), timeOrZero(lastUsed)
	return s, u, nil
}

var errNoSession = errors.New("no such session")

func touchSession(ctx context.Context, q db.Querier, id string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE sessions SET last_used_at = ? WHERE id = ?`, at.UnixMilli(), id)
	return err
}

func listSessions(ctx context.Context, q db.Querier, userID, kind string, now time.Time) ([]session, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, user_id, kind, name, csrf_token, created_at, expires_at, last_used_at, ip, user_agent, scopes
		FROM sessions WHERE user_id = ? AND kind = ? AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?)
		ORDER BY created_at DESC`, userID, kind, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []session
	for rows.Next() {
		var s session
		var created, expires, lastUsed int64
		var scopes string
		if err := rows.Scan(&s.ID, &s.UserID, &s.Kind, &s.Name, &s.CSRF, &created, &expires, &lastUsed, &s.IP, &s.UserAgent, &scopes); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		s.Scopes = strings.Fields(scopes)
		s.CreatedAt, s.ExpiresAt, s.LastUsedAt = timeOrZero(created), timeOrZero(expires), timeOrZero(lastUsed)
		out = append(out, s)
	}
	return out, rows.Err()
}

// revokeSession revokes one session or token of userID; it reports
// whether there was one to revoke.
func revokeSession(ctx context.Context, q db.Querier, userID, id, kind string, now time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND kind = ? AND revoked_at = 0`,
		now.UnixMilli(), id, userID, kind)
	if err != nil {
		return false, fmt.Errorf("revoke session: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// revokeAll revokes every session and token of userID and returns how many.
func revokeAll(ctx context.Context, q db.Querier, userID string, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at = 0`, now.UnixMilli(), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", err)
	}
	return res.RowsAffected()
}

// revokeOtherSessions ends every browser session of userID but keep, and
// its API tokens too unless keepTokens. It returns the ids it ended.
func revokeOtherSessions(ctx context.Context, q db.Querier, userID, keep string, keepTokens bool, now time.Time) ([]string, error) {
	rows, err := q.QueryContext(ctx, `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND (kind = 'session' OR ?) AND id <> ? AND revoked_at = 0
		RETURNING id`, now.UnixMilli(), userID, !keepTokens, keep)
	if err != nil {
		return nil, fmt.Errorf("revoke other sessions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("revoke other sessions: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// deleteExpiredSessions removes rows that can no longer authenticate anyone.
func deleteExpiredSessions(ctx context.Context, q db.Querier, now time.Time, keepRevoked time.Duration) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM sessions WHERE (expires_at > 0 AND expires_at < ?) OR (revoked_at > 0 AND revoked_at < ?)`,
		now.UnixMilli(), now.Add(-keepRevoked).UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

// ---- known devices ----

func isKnownDevice(ctx context.Context, q db.Querier, tokenHash, userID string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM known_devices WHERE token_hash = ? AND user_id = ?`, tokenHash, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up device: %w", err)
	}
	return n > 0, nil
}

// rememberDevice notes that userID signed in from the browser holding the
// device token.
func rememberDevice(ctx context.Context, q db.Querier, tokenHash, userID string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO known_devices (token_hash, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (token_hash, user_id) DO UPDATE SET last_used_at = excluded.last_used_at`, tokenHash, userID, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("remember device: %w", err)
	}
	return nil
}

// forgetOldDevices removes devices unused for longer than age.
func forgetOldDevices(ctx context.Context, q db.Querier, before time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM known_devices WHERE last_used_at < ?`, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("forget old devices: %w", err)
	}
	return res.RowsAffected()
}
