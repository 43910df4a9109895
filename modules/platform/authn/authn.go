// Package authn carries who is calling, and from where, through a request's
// context. The identity module fills it in; every module's service layer
// reads it to decide what the caller may do. It holds no rule of its own
// beyond "a caller without a principal is not signed in".
package authn

import (
	"context"
	"slices"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// Role is a coarse permission a user holds across Kontor.
type Role string

// The roles. Everyone who can sign in is a member.
const (
	RoleAdmin      Role = "admin"
	RoleCompliance Role = "compliance"
	RoleMember     Role = "member"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleAdmin, RoleCompliance, RoleMember}

// Principal is an authenticated caller.
type Principal struct {
	UserID    string
	Username  string
	Roles     []Role
	SessionID string // the session or API token that authenticated this call
	// ViaCookie is true when the browser session cookie authenticated the
	// call (CSRF rules apply), false for bearer tokens and internal callers.
	ViaCookie bool
	// System marks an internal caller (CLI, jobs) that acts for Kontor itself.
	System bool
	// APIToken is true when a personal API token authenticated the call.
	// Such a caller holds only the roles its token's scopes grant (Roles
	// is filtered already) and, when ReadOnly, may make no change.
	APIToken bool
	ReadOnly bool
}

// Has reports whether p holds role r. Every principal is a member.
func (p *Principal) Has(r Role) bool {
	return r == RoleMember || p.System || slices.Contains(p.Roles, r)
}

// Origin is where a call came from, for audit records.
type Origin struct {
	IP        string
	UserAgent string
	RequestID string
}

type principalKey struct{}
type originKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal in ctx, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Require returns the principal in ctx or an error saying the caller must sign in.
func Require(ctx context.Context) (*Principal, error) {
	if p := FromContext(ctx); p != nil {
		return p, nil
	}
	return nil, apperr.Unauthenticated("sign in first: send the session cookie or an Authorization: Bearer token").WithCode(apperr.CodeUnauthenticated)
}

// RequireRole returns the principal in ctx if it holds role r.
func RequireRole(ctx context.Context, r Role) (*Principal, error) {
	p, err := Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(r) {
		return nil, apperr.Forbidden("this needs the %s role", r).WithCode(apperr.CodeRoleRequired)
	}
	return p, nil
}

// SystemContext returns ctx acting as Kontor itself (command line, jobs),
// named by actor (e.g. "cli", "ldap-sync") in audit records.
func SystemContext(ctx context.Context, actor string) context.Context {
	return WithPrincipal(ctx, &Principal{Username: actor, System: true})
}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin in ctx (zero if none).
func OriginFrom(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}
