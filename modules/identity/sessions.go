package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Token prefixes tell the kinds apart at a glance (and to secret scanners).
const (
	sessionPrefix  = "ks_"
	apiTokenPrefix = "kt_"
)

// Session is a sign-in as its owner sees it in "my sessions".
type Session struct {
	ID         string     `json:"id"`
	Current    bool       `json:"current" doc:"This is the session making the request."`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt time.Time  `json:"last_used_at"`
	IP         string     `json:"ip"`
	UserAgent  string     `json:"user_agent"`
}

// APIToken is a personal API token as its owner sees it (never the secret).
type APIToken struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt time.Time  `json:"last_used_at"`
}

// LoginResult is a successful sign-in.
type LoginResult struct {
	User      User
	Token     string // the secret; goes into the cookie or to the API client
	CSRF      string
	ExpiresAt time.Time
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

var errWrongCredentials = apperr.Unauthenticated("wrong username or password").WithCode("invalid_credentials")

// Login checks a username and password, against the local account or the
// company directory, and starts a session.
func (m *Module) Login(ctx context.Context, username, password string) (LoginResult, error) {
	name, err := checkLoginName(username)
	if err != nil {
		return LoginResult{}, err
	}
	if strings.TrimSpace(password) == "" {
		return LoginResult{}, apperr.Invalid("body.password", "enter your password").WithCode("password_empty")
	}
	if len(password) > 1024 {
		return LoginResult{}, apperr.Invalid("body.password", "password is longer than 1024 bytes")
	}
	now := m.now()
	ip := authn.OriginFrom(ctx).IP
	userKey, ipKey := "u:"+name, "ip:"+ip
	for _, k := range []struct {
		key   string
		limit int
	}{{userKey, m.cfg.LoginMaxFailures}, {ipKey, m.cfg.LoginMaxFailures * 5}} {
		blocked, wait, err := m.limit.blocked(ctx, k.key, now, k.limit)
		if err != nil {
			return LoginResult{}, err
		}
		if blocked {
			return LoginResult{}, apperr.RateLimited(wait, "too many failed sign-ins; try again in %s", wait.Round(time.Second)).WithCode("rate_limited")
		}
	}
	fail := func(reason string) error {
		m.log.Warn("sign-in failed", "user", name, "ip", ip, "reason", reason)
		if err := errors.Join(m.limit.fail(ctx, userKey, now), m.limit.fail(ctx, ipKey, now)); err != nil {
			return err
		}
		return errWrongCredentials
	}

	u, err := userBy(ctx, m.db, "username", name)
	switch {
	case err == nil && u.Source == SourceLocal:
		ok, err := m.hash.Verify(ctx, u.passwordHash, password)
		if err != nil {
			return LoginResult{}, fmt.Errorf("login %s: %w", name, err)
		}
		if !ok {
			return LoginResult{}, fail("wrong password")
		}
	case (err == nil && u.Source == SourceLDAP) || (errors.Is(err, errNoUser) && m.dir != nil):
		if m.dir == nil {
			return LoginResult{}, apperr.Unavailable("directory sign-in is not configured on this server; ask your administrator").WithCode("directory_unavailable")
		}
		entry, derr := m.dir.Authenticate(ctx, name, password)
		switch {
		case errors.Is(derr, ldapdir.ErrUserNotFound), errors.Is(derr, ldapdir.ErrInvalidCredentials), errors.Is(derr, ldapdir.ErrEmptyPassword):
			return LoginResult{}, fail(derr.Error())
		case errors.Is(derr, ldapdir.ErrAmbiguous):
			m.log.Error("directory has several entries for one username; fix the directory or ldap-user-filter", "user", name)
			if err := m.limit.fail(ctx, ipKey, now); err != nil {
				return LoginResult{}, err
			}
			return LoginResult{}, apperr.Unauthenticated("this username matches more than one directory entry; ask your administrator").WithCode("directory_ambiguous")
		case derr != nil:
			m.log.Error("directory unavailable for sign-in", "user", name, "error", derr)
			return LoginResult{}, apperr.Unavailable("the company directory cannot be reached, so directory accounts cannot sign in right now; try again later").WithCode("directory_unavailable")
		}
		u, err = m.applyDirectoryEntry(ctx, entry, "ldap-login")
		if err != nil {
			return LoginResult{}, err
		}
	case errors.Is(err, errNoUser):
		_, _ = m.hash.Verify(ctx, "", password) // same cost as a real check
		return LoginResult{}, fail("unknown user")
	default:
		return LoginResult{}, fmt.Errorf("login %s: %w", name, err)
	}
	if u.Status != StatusActive {
		m.log.Warn("sign-in refused: account disabled", "user", name, "ip", ip)
		return LoginResult{}, apperr.Forbidden("this account is disabled; ask your administrator").WithCode("account_disabled")
	}
	if err := m.limit.reset(ctx, userKey); err != nil {
		return LoginResult{}, err
	}
	s, token, err := m.newSession(ctx, u, kindSession, "", now.Add(m.cfg.SessionTTL))
	if err != nil {
		return LoginResult{}, err
	}
	if err := setLastLogin(ctx, m.db, u.ID, now); err != nil {
		return LoginResult{}, fmt.Errorf("login %s: %w", name, err)
	}
	m.log.Info("signed in", "user", u.Username, "source", u.Source, "ip", ip)
	return LoginResult{User: u, Token: token, CSRF: s.CSRF, ExpiresAt: s.ExpiresAt}, nil
}

func (m *Module) newSession(ctx context.Context, u User, kind, name string, expires time.Time) (session, string, error) {
	o := authn.OriginFrom(ctx)
	prefix := sessionPrefix
	if kind == kindToken {
		prefix = apiTokenPrefix
	}
	token := prefix + ids.Token(32)
	now := m.now()
	s := session{ID: ids.NewAt(now), UserID: u.ID, Kind: kind, Name: name, CreatedAt: now, ExpiresAt: expires,
		IP: o.IP, UserAgent: o.UserAgent}
	if kind == kindSession {
		s.CSRF = ids.Token(24)
	}
	if err := insertSession(ctx, m.db, s, hashToken(token)); err != nil {
		return session{}, "", err
	}
	return s, token, nil
}

// Authenticated is the outcome of checking a token.
type Authenticated struct {
	Principal *authn.Principal
	CSRF      string // empty for API tokens
	ExpiresAt time.Time
}

// Authenticate checks a session or API token. viaCookie says the token came
// in the session cookie (so CSRF rules apply).
func (m *Module) Authenticate(ctx context.Context, token string, viaCookie bool) (Authenticated, error) {
	if !strings.HasPrefix(token, sessionPrefix) && !strings.HasPrefix(token, apiTokenPrefix) || len(token) > 100 {
		return Authenticated{}, apperr.Unauthenticated("the token is not a Kontor session or API token").WithCode("token_invalid")
	}
	s, u, err := sessionByHash(ctx, m.db, hashToken(token))
	if errors.Is(err, errNoSession) {
		return Authenticated{}, apperr.Unauthenticated("this session or token is unknown or was revoked; sign in again").WithCode("token_invalid")
	}
	if err != nil {
		return Authenticated{}, err
	}
	if s.Revoked {
		// Say why, when the reason is a disabled account: the person should
		// not keep trying to sign in.
		if u.Status != StatusActive {
			return Authenticated{}, apperr.Unauthenticated("this account was disabled; ask your administrator").WithCode("account_disabled")
		}
		return Authenticated{}, apperr.Unauthenticated("this session or token was revoked; sign in again").WithCode("token_invalid")
	}
	now := m.now()
	if !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt) {
		return Authenticated{}, apperr.Unauthenticated("this session has expired; sign in again").WithCode("session_expired")
	}
	if viaCookie && s.Kind != kindSession {
		return Authenticated{}, apperr.Unauthenticated("API tokens go in the Authorization header, not the cookie").WithCode("token_invalid")
	}
	if u.Status != StatusActive {
		return Authenticated{}, apperr.Forbidden("this account is disabled").WithCode("account_disabled")
	}
	// Remember use at most once a minute: a write per request would make
	// every read a write.
	if now.Sub(s.LastUsedAt) > time.Minute {
		if err := touchSession(ctx, m.db, s.ID, now); err != nil {
			m.log.Warn("could not record session use", "error", err)
		}
	}
	return Authenticated{Principal: u.principal(s.ID, viaCookie), CSRF: s.CSRF, ExpiresAt: s.ExpiresAt}, nil
}

// CheckCSRF compares the header value with the session's CSRF token.
func CheckCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// Logout ends the calling session.
func (m *Module) Logout(ctx context.Context) error {
	p, err := authn.Require(ctx)
	if err != nil {
		return err
	}
	if _, err := revokeSession(ctx, m.db, p.UserID, p.SessionID, kindSession, m.now()); err != nil {
		return err
	}
	if m.revoked != nil {
		m.revoked.SessionRevoked(ctx, p.UserID, p.SessionID)
	}
	return nil
}

// Me returns the caller's account.
func (m *Module) Me(ctx context.Context) (User, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return User{}, err
	}
	if p.System {
		return User{}, apperr.Invalid("", "the system has no account")
	}
	return m.lookup(ctx, m.db, p.UserID)
}

// MySessions lists the caller's browser sessions.
func (m *Module) MySessions(ctx context.Context) ([]Session, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	ss, err := listSessions(ctx, m.db, p.UserID, kindSession, m.now())
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(ss))
	for _, s := range ss {
		v := Session{ID: s.ID, Current: s.ID == p.SessionID, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, IP: s.IP, UserAgent: s.UserAgent}
		if !s.ExpiresAt.IsZero() {
			t := s.ExpiresAt
			v.ExpiresAt = &t
		}
		out = append(out, v)
	}
	return out, nil
}

// RevokeMySession ends one of the caller's sessions.
func (m *Module) RevokeMySession(ctx context.Context, id string) error {
	return m.revokeMine(ctx, id, kindSession, "session")
}

// RevokeMyToken revokes one of the caller's API tokens.
func (m *Module) RevokeMyToken(ctx context.Context, id string) error {
	return m.revokeMine(ctx, id, kindToken, "API token")
}

func (m *Module) revokeMine(ctx context.Context, id, kind, what string) error {
	p, err := authn.Require(ctx)
	if err != nil {
		return err
	}
	ok, err := revokeSession(ctx, m.db, p.UserID, id, kind, m.now())
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("you have no %s %q", what, id)
	}
	if m.revoked != nil {
		m.revoked.SessionRevoked(ctx, p.UserID, id)
	}
	return nil
}

// CreateToken makes a personal API token for the caller. ttl 0 means it
// does not expire. The secret is returned once.
func (m *Module) CreateToken(ctx context.Context, name string, ttl time.Duration) (APIToken, string, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return APIToken{}, "", err
	}
	name, err = checkProfileText("body.name", name, 100)
	if err != nil {
		return APIToken{}, "", err
	}
	if name == "" {
		return APIToken{}, "", apperr.Invalid("body.name", "give the token a name, e.g. the script that uses it")
	}
	u, err := m.lookup(ctx, m.db, p.UserID)
	if err != nil {
		return APIToken{}, "", err
	}
	var expires time.Time
	if ttl > 0 {
		expires = m.now().Add(ttl)
	}
	s, token, err := m.newSession(ctx, u, kindToken, name, expires)
	if err != nil {
		return APIToken{}, "", err
	}
	return tokenView(s), token, nil
}

func tokenView(s session) APIToken {
	t := APIToken{ID: s.ID, Name: s.Name, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt}
	if !s.ExpiresAt.IsZero() {
		e := s.ExpiresAt
		t.ExpiresAt = &e
	}
	return t
}

// MyTokens lists the caller's API tokens.
func (m *Module) MyTokens(ctx context.Context) ([]APIToken, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	ss, err := listSessions(ctx, m.db, p.UserID, kindToken, m.now())
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, 0, len(ss))
	for _, s := range ss {
		out = append(out, tokenView(s))
	}
	return out, nil
}

// ChangePassword changes the caller's local password after checking the
// current one, and ends their other sessions.
func (m *Module) ChangePassword(ctx context.Context, current, next string) error {
	p, err := authn.Require(ctx)
	if err != nil {
		return err
	}
	u, err := m.lookup(ctx, m.db, p.UserID)
	if err != nil {
		return err
	}
	if u.Source != SourceLocal {
		return apperr.Invalid("", "you sign in with the company directory; change your password there").WithCode("managed_by_directory")
	}
	now := m.now()
	key := "u:" + u.Username
	blocked, wait, err := m.limit.blocked(ctx, key, now, m.cfg.LoginMaxFailures)
	if err != nil {
		return err
	}
	if blocked {
		return apperr.RateLimited(wait, "too many wrong passwords; try again in %s", wait.Round(time.Second)).WithCode("rate_limited")
	}
	ok, err := m.hash.Verify(ctx, u.passwordHash, current)
	if err != nil {
		return err
	}
	if !ok {
		if err := m.limit.fail(ctx, key, now); err != nil {
			return err
		}
		return apperr.Invalid("body.current_password", "the current password is wrong").WithCode("invalid_credentials")
	}
	if err := checkPassword("body.new_password", next); err != nil {
		return err
	}
	hash, err := m.hash.Hash(ctx, next)
	if err != nil {
		return err
	}
	var ended []string
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		u.passwordHash = hash
		if err := updateUser(ctx, tx, u, now); err != nil {
			return err
		}
		// The sessions about to end, read in the transaction that ends
		// them, so that their websockets can be closed after commit.
		others, err := listSessions(ctx, tx, u.ID, kindSession, now)
		if err != nil {
			return err
		}
		for _, s := range others {
			if s.ID != p.SessionID {
				ended = append(ended, s.ID)
			}
		}
		if err := revokeOtherSessions(ctx, tx, u.ID, p.SessionID, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, "user.change_password", "user", u.ID, map[string]any{"username": u.Username})
	})
	if err == nil && m.revoked != nil {
		for _, id := range ended {
			m.revoked.SessionRevoked(ctx, u.ID, id)
		}
	}
	return err
}
