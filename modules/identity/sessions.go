package identity

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/kontorhq/kontor/modules/identity/ldapdir"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// Token prefixes tell the kinds apart at a glance (and to secret scanners).
const (
	sessionPrefix  = "ks_"
	apiTokenPrefix = "kt_"
	devicePrefix   = "kd_"
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
	Scopes     []string   `json:"scopes" doc:"What the token may do: read, write (changes), admin (its owner's admin and compliance roles)."`
}

// LoginResult is a successful sign-in.
type LoginResult struct {
	User      User
	Token     string // the secret; goes into the cookie or to the API client
	CSRF      string
	ExpiresAt time.Time
	Device    string // the device cookie to set (the browser's own, or a new one)
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

var errWrongCredentials = apperr.Unauthenticated("wrong username or password").WithCode(apperr.CodeInvalidCredentials)

// Login checks a username and password, against the local account or the
// company directory, and starts a session. device is the browser's device
// cookie (empty if it has none); a sign-in from a device the person signed
// in from before is throttled on its own, so strangers guessing their
// password do not lock them out.
func (m *Module) Login(ctx context.Context, username, password, device string) (LoginResult, error) {
	name, err := checkLoginName(username)
	if err != nil {
		return LoginResult{}, err
	}
	if strings.TrimSpace(password) == "" {
		return LoginResult{}, apperr.Invalid("body.password", "enter your password").WithCode(apperr.CodePasswordEmpty)
	}
	if len(password) > 1024 {
		return LoginResult{}, apperr.Invalid("body.password", "password is longer than 1024 bytes")
	}
	now := m.now()
	ip := authn.OriginFrom(ctx).IP
	u, err := userBy(ctx, m.db, "username", name)
	if err != nil && !errors.Is(err, errNoUser) {
		return LoginResult{}, fmt.Errorf("login: %w", err)
	}
	known := false
	if err == nil {
		if known, err = m.knownClient(ctx, u.ID, device); err != nil {
			return LoginResult{}, err
		}
	}
	// Which counters this attempt spends. Never the username alone for a
	// known device, nor the address: nobody else's failures hold it back.
	var keys []limitKey
	if known {
		keys = []limitKey{{"d:" + hashToken(device)[:32] + ":" + name, m.cfg.LoginMaxFailures}}
	} else {
		keys = []limitKey{{"p:" + name + "|" + ip, m.cfg.LoginMaxFailures}, {"u:" + name, m.cfg.LoginMaxFailuresUser},
			{"ip:" + ip, m.cfg.LoginMaxFailuresAddress}}
	}
	attempt, wait, err := m.limit.reserve(ctx, keys, now)
	if err != nil {
		return LoginResult{}, err
	}
	if wait > 0 {
		// Even the right password waits: otherwise the limit tells a
		// guesser when they hit.
		m.log.Warn("sign-in refused: too many failures", m.nameAttr(u), "ip", ip, "known_device", known)
		return LoginResult{}, apperr.RateLimited(wait, "too many failed sign-ins; try again in %s", wait.Round(time.Second)).WithCode(apperr.CodeRateLimited)
	}
	// From here on every way out either keeps the reservation (a wrong
	// password) or gives it back (a right one, or one that could not be
	// checked).
	checked := false
	defer func() {
		if !checked {
			if err := m.limit.release(ctx, attempt); err != nil {
				m.log.Error("could not release a sign-in attempt", "error", err)
			}
		}
	}()
	fail := func(reason string) error {
		checked = true
		// Never the typed name of an unknown account: people type their
		// password into the username field.
		m.log.Warn("sign-in failed", m.nameAttr(u), "ip", ip, "reason", reason, "known_device", known)
		m.auditSignIn(ctx, u, "auth.sign_in_failed", reason)
		return errWrongCredentials
	}

	switch {
	case u.ID != "" && u.Source == SourceLocal:
		ok, err := m.hash.Verify(ctx, u.passwordHash, password)
		if err != nil {
			return LoginResult{}, fmt.Errorf("login %s: %w", u.ID, err)
		}
		if !ok {
			return LoginResult{}, fail("wrong password")
		}
	case u.ID != "" && u.Source == SourceLDAP || u.ID == "" && m.dir != nil:
		if m.dir == nil {
			return LoginResult{}, apperr.Unavailable("directory sign-in is not configured on this server; ask your administrator").WithCode(apperr.CodeDirectoryUnavailable)
		}
		entry, derr := m.dir.Authenticate(ctx, name, password)
		switch {
		case errors.Is(derr, ldapdir.ErrUserNotFound), errors.Is(derr, ldapdir.ErrInvalidCredentials), errors.Is(derr, ldapdir.ErrEmptyPassword):
			return LoginResult{}, fail(derr.Error())
		case errors.Is(derr, ldapdir.ErrAmbiguous):
			checked = true
			m.log.Error("directory has several entries for one username; fix the directory or ldap-user-filter", "user", name)
			return LoginResult{}, apperr.Unauthenticated("this username matches more than one directory entry; ask your administrator").WithCode(apperr.CodeDirectoryAmbiguous)
		case derr != nil:
			m.log.Error("directory unavailable for sign-in", m.nameAttr(u), "error", derr)
			return LoginResult{}, apperr.Unavailable("the company directory cannot be reached, so directory accounts cannot sign in right now; try again later").WithCode(apperr.CodeDirectoryUnavailable)
		}
		if u, err = m.applyDirectoryEntry(ctx, entry, "ldap-login"); err != nil {
			return LoginResult{}, err
		}
	default:
		_, _ = m.hash.Verify(ctx, "", password) // same cost as a real check
		return LoginResult{}, fail("unknown user")
	}
	// The password was right: the deferred release takes this attempt's
	// reservation back. A known device's earlier failures are forgotten
	// too; other failures stay counted until they leave the window, so a
	// success among a burst of guesses does not open the door to more of
	// them. (After this sign-in the browser is a known device with its own
	// allowance, so the person is not held back by them.)
	if known {
		if err := m.limit.reset(ctx, keys[0].key); err != nil {
			return LoginResult{}, err
		}
	}
	if u.Status != StatusActive {
		m.log.Warn("sign-in refused: account disabled", "user", u.Username, "user_id", u.ID, "ip", ip)
		m.auditSignIn(ctx, u, "auth.sign_in_failed", "account disabled")
		return LoginResult{}, apperr.Forbidden("this account is disabled; ask your administrator").WithCode(apperr.CodeAccountDisabled)
	}
	s, token, err := m.newSession(ctx, u, kindSession, "", now.Add(m.cfg.SessionTTL), nil)
	if err != nil {
		return LoginResult{}, err
	}
	if err := setLastLogin(ctx, m.db, u.ID, now); err != nil {
		return LoginResult{}, fmt.Errorf("login %s: %w", name, err)
	}
	if !validDeviceToken(device) {
		device = devicePrefix + ids.Token(32)
	}
	if err := rememberDevice(ctx, m.db, hashToken(device), u.ID, now); err != nil {
		return LoginResult{}, err
	}
	m.log.Info("signed in", "user", u.Username, "source", u.Source, "ip", ip, "known_device", known)
	if err := m.audit.Record(authn.WithPrincipal(ctx, &authn.Principal{UserID: u.ID, Username: u.Username}), m.db, now,
		"auth.sign_in", "session", s.ID, map[string]any{"username": u.Username, "source": u.Source, "known_device": known}); err != nil {
		return LoginResult{}, fmt.Errorf("login %s: %w", name, err)
	}
	return LoginResult{User: u, Token: token, CSRF: s.CSRF, ExpiresAt: s.ExpiresAt, Device: device}, nil
}

// auditSignIn puts a sign-in that failed on the audit trail, naming the
// account only when it exists (never what was typed: people type their
// password into the username field). A failure to record it is logged and
// does not change the answer. Refusals by the rate limit are not recorded:
// they cost an attacker nothing, and the trail would be theirs to flood.
func (m *Module) auditSignIn(ctx context.Context, u User, action, reason string) {
	details := map[string]any{"reason": reason}
	if u.ID != "" {
		details["username"] = u.Username
	}
	ctx = authn.WithPrincipal(ctx, &authn.Principal{Username: "anonymous"})
	if err := m.audit.Record(ctx, m.db, m.now(), action, "user", u.ID, details); err != nil {
		m.log.Error("could not record a failed sign-in on the audit trail", "error", err)
	}
}

// nameAttr names an account in a log line by what is known about it: the
// username and id of an existing account, never what someone typed.
func (m *Module) nameAttr(u User) slog.Attr {
	if u.ID == "" {
		return slog.String("user", "(unknown)")
	}
	return slog.Group("user", "id", u.ID, "name", u.Username)
}

// knownClient reports whether this sign-in comes from a browser userID
// signed in from before (its device cookie), or from their own session.
func (m *Module) knownClient(ctx context.Context, userID, device string) (bool, error) {
	if p := authn.FromContext(ctx); p != nil && p.UserID == userID {
		return true, nil
	}
	if !validDeviceToken(device) {
		return false, nil
	}
	return isKnownDevice(ctx, m.db, hashToken(device), userID)
}

func validDeviceToken(t string) bool {
	return strings.HasPrefix(t, devicePrefix) && len(t) > len(devicePrefix)+20 && len(t) <= 100
}

func (m *Module) newSession(ctx context.Context, u User, kind, name string, expires time.Time, scopes []string) (session, string, error) {
	o := authn.OriginFrom(ctx)
	prefix := sessionPrefix
	if kind == kindToken {
		prefix = apiTokenPrefix
	}
	token := prefix + ids.Token(32)
	now := m.now()
	s := session{ID: ids.NewAt(now), UserID: u.ID, Kind: kind, Name: name, CreatedAt: now, ExpiresAt: expires,
		IP: o.IP, UserAgent: o.UserAgent, Scopes: scopes}
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
		return Authenticated{}, apperr.Unauthenticated("the token is not a Kontor session or API token").WithCode(apperr.CodeTokenInvalid)
	}
	s, u, err := sessionByHash(ctx, m.db, hashToken(token))
	if errors.Is(err, errNoSession) {
		return Authenticated{}, apperr.Unauthenticated("this session or token is unknown or was revoked; sign in again").WithCode(apperr.CodeTokenInvalid)
	}
	if err != nil {
		return Authenticated{}, err
	}
	if s.Revoked {
		// Say why, when the reason is a disabled account: the person should
		// not keep trying to sign in.
		if u.Status != StatusActive {
			return Authenticated{}, apperr.Unauthenticated("this account was disabled; ask your administrator").WithCode(apperr.CodeAccountDisabled)
		}
		return Authenticated{}, apperr.Unauthenticated("this session or token was revoked; sign in again").WithCode(apperr.CodeTokenInvalid)
	}
	now := m.now()
	if !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt) {
		return Authenticated{}, apperr.Unauthenticated("this session has expired; sign in again").WithCode(apperr.CodeSessionExpired)
	}
	if viaCookie && s.Kind != kindSession {
		return Authenticated{}, apperr.Unauthenticated("API tokens go in the Authorization header, not the cookie").WithCode(apperr.CodeTokenInvalid)
	}
	if u.Status != StatusActive {
		return Authenticated{}, apperr.Forbidden("this account is disabled").WithCode(apperr.CodeAccountDisabled)
	}
	// Remember use at most once a minute: a write per request would make
	// every read a write.
	if now.Sub(s.LastUsedAt) > time.Minute {
		if err := touchSession(ctx, m.db, s.ID, now); err != nil {
			m.log.Warn("could not record session use", "error", err)
		}
	}
	return Authenticated{Principal: u.principal(s, viaCookie), CSRF: s.CSRF, ExpiresAt: s.ExpiresAt}, nil
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
	if err := m.audit.Record(ctx, m.db, m.now(), "auth.sign_out", "session", p.SessionID, nil); err != nil {
		return err
	}
	m.sessionsEnded(ctx, p.UserID, p.SessionID)
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
	action := "auth.session_revoke"
	if kind == kindToken {
		action = "auth.token_revoke"
	}
	if err := m.audit.Record(ctx, m.db, m.now(), action, kind, id, nil); err != nil {
		return err
	}
	m.sessionsEnded(ctx, p.UserID, id)
	return nil
}

// Token scopes: what a personal API token may do with its owner's rights.
const (
	ScopeRead  = "read"  // read what the owner may read
	ScopeWrite = "write" // also make changes
	ScopeAdmin = "admin" // also use the owner's admin and compliance roles
)

// TokenRequest is what a person asks for in a new API token.
type TokenRequest struct {
	Name string
	// TTL 0 means the configured default (api-token-ttl); longer than
	// api-token-max-ttl is refused.
	TTL time.Duration
	// Scopes: read, write, admin; empty means read and write.
	Scopes []string
}

// CreateToken makes a personal API token for the caller. The secret is
// returned once. A token cannot make tokens: that takes a sign-in.
func (m *Module) CreateToken(ctx context.Context, in TokenRequest) (APIToken, string, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return APIToken{}, "", err
	}
	if p.APIToken {
		return APIToken{}, "", apperr.Forbidden("an API token cannot make API tokens; sign in to make one").WithCode(apperr.CodeSessionRequired)
	}
	name, err := checkProfileText("body.name", in.Name, 100)
	if err != nil {
		return APIToken{}, "", err
	}
	if name == "" {
		return APIToken{}, "", apperr.Invalid("body.name", "give the token a name, e.g. the script that uses it")
	}
	ttl := in.TTL
	if ttl == 0 {
		ttl = m.cfg.APITokenTTL
	}
	if ttl < 0 || ttl > m.cfg.APITokenMaxTTL {
		return APIToken{}, "", apperr.Invalid("body.expires_in_days", "a token may last at most %d days on this server", int(m.cfg.APITokenMaxTTL/(24*time.Hour))).WithCode(apperr.CodeTokenTTLTooLong)
	}
	u, err := m.lookup(ctx, m.db, p.UserID)
	if err != nil {
		return APIToken{}, "", err
	}
	scopes, err := checkScopes(in.Scopes, u)
	if err != nil {
		return APIToken{}, "", err
	}
	s, token, err := m.newSession(ctx, u, kindToken, name, m.now().Add(ttl), scopes)
	if err != nil {
		return APIToken{}, "", err
	}
	if err := m.audit.Record(ctx, m.db, m.now(), "auth.token_create", kindToken, s.ID,
		map[string]any{"name": name, "scopes": scopes, "expires_at": s.ExpiresAt}); err != nil {
		return APIToken{}, "", err
	}
	return tokenView(s), token, nil
}

// checkScopes validates and orders the scopes asked for. Write implies
// read; admin is only for people who hold a role it would carry.
func checkScopes(in []string, u User) ([]string, error) {
	if len(in) == 0 {
		in = []string{ScopeRead, ScopeWrite}
	}
	var out []string
	for _, s := range []string{ScopeRead, ScopeWrite, ScopeAdmin} {
		if slices.Contains(in, s) || s == ScopeRead {
			out = append(out, s)
		}
	}
	for _, s := range in {
		if !slices.Contains(out, s) {
			return nil, apperr.Invalid("body.scopes", "unknown scope %q: use read, write or admin", s).WithCode(apperr.CodeTokenScopeUnknown)
		}
	}
	if slices.Contains(out, ScopeAdmin) && !u.has(authn.RoleAdmin) && !u.has(authn.RoleCompliance) {
		return nil, apperr.Invalid("body.scopes", "the admin scope carries the admin and compliance roles, and you hold neither").WithCode(apperr.CodeTokenScopeNotHeld)
	}
	return out, nil
}

func tokenView(s session) APIToken {
	t := APIToken{ID: s.ID, Name: s.Name, CreatedAt: s.CreatedAt, LastUsedAt: s.LastUsedAt, Scopes: s.Scopes}
	if t.Scopes == nil {
		t.Scopes = []string{}
	}
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
// current one, and ends their other sessions and, unless keepTokens, their
// API tokens. Wrong current passwords count like failed sign-ins (reserved
// before the check, so guesses sent at once do not get past the limit).
func (m *Module) ChangePassword(ctx context.Context, current, next string, keepTokens bool) error {
	p, err := authn.Require(ctx)
	if err != nil {
		return err
	}
	if p.APIToken {
		return apperr.Forbidden("an API token cannot change its owner's password; sign in to do it").WithCode(apperr.CodeSessionRequired)
	}
	u, err := m.lookup(ctx, m.db, p.UserID)
	if err != nil {
		return err
	}
	if u.Source != SourceLocal {
		return apperr.Invalid("", "you sign in with the company directory; change your password there").WithCode(apperr.CodeManagedByDirectory)
	}
	if err := checkPassword("body.new_password", next); err != nil {
		return err
	}
	now := m.now()
	attempt, wait, err := m.limit.reserve(ctx, []limitKey{{"pw:" + u.ID, m.cfg.LoginMaxFailures}}, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		return apperr.RateLimited(wait, "too many wrong passwords; try again in %s", wait.Round(time.Second)).WithCode(apperr.CodeRateLimited)
	}
	ok, err := m.hash.Verify(ctx, u.passwordHash, current)
	if err == nil && !ok {
		m.log.Warn("password change refused: wrong current password", "user", u.Username, "user_id", u.ID)
		return apperr.Invalid("body.current_password", "the current password is wrong").WithCode(apperr.CodeInvalidCredentials)
	}
	if rerr := m.limit.release(ctx, attempt); rerr != nil || err != nil {
		return errors.Join(err, rerr)
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
		if ended, err = revokeOtherSessions(ctx, tx, u.ID, p.SessionID, keepTokens, now); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, now, "user.change_password", "user", u.ID, map[string]any{"username": u.Username,
			"ended": len(ended), "kept_api_tokens": keepTokens})
	})
	if err != nil {
		return err
	}
	m.sessionsEnded(ctx, u.ID, ended...)
	return nil
}

// sessionsEnded is the one place that says sessions have ended (sign-out,
// a revoked session or token, a password change or reset, a disabled
// account), after the change committed: the Revoker (the websocket
// gateway) closes their connections. No ids means every session of userID.
// Expiry is not announced: whoever holds a session checks its expiry.
func (m *Module) sessionsEnded(ctx context.Context, userID string, sessionIDs ...string) {
	if m.revoked == nil {
		return
	}
	if len(sessionIDs) == 0 {
		m.revoked.SessionsRevoked(ctx, userID)
		return
	}
	for _, id := range sessionIDs {
		m.revoked.SessionRevoked(ctx, userID, id)
	}
}
