package identity

import (
	"context"
	"slices"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// KindRolesChanged is the journal kind of a change of someone's roles.
const KindRolesChanged = string(record.UserRolesChanged)

// Admin and compliance are separate powers. An admin runs the server and
// the accounts; a compliance officer decides what the record keeps and
// reads it. So an admin cannot make himself (or anyone) a compliance
// officer, nor take the role from one, nor take over a compliance
// officer's account with a password reset: those need a compliance
// officer, or the operator at the command line (`kontor user set-role`,
// which acts as the system and is recorded like any other change). That
// is also how the very first compliance officer is made.

// checkRoleChange says whether the caller may change roles from to.
func checkRoleChange(p *authn.Principal, from, to []authn.Role) error {
	changes := func(r authn.Role) bool { return slices.Contains(from, r) != slices.Contains(to, r) }
	if changes(authn.RoleCompliance) && !p.Has(authn.RoleCompliance) {
		return apperr.Forbidden("granting or removing the compliance role takes a compliance officer (or `kontor user set-role` on the server)").WithCode(apperr.CodeComplianceRequired)
	}
	if changes(authn.RoleAdmin) && !p.Has(authn.RoleAdmin) {
		return apperr.Forbidden("granting or removing the admin role takes an admin").WithCode(apperr.CodeRoleRequired)
	}
	return nil
}

// guardComplianceOfficer refuses what would let a caller without the
// compliance role take a compliance officer's account or silence it.
func guardComplianceOfficer(p *authn.Principal, target User, what string) error {
	if target.has(authn.RoleCompliance) && !p.Has(authn.RoleCompliance) {
		return apperr.Forbidden("%s is a compliance officer: only a compliance officer (or `kontor user` on the server) may %s", target.Username, what).WithCode(apperr.CodeComplianceRequired)
	}
	return nil
}

// recordRoles puts a change of u's roles on the compliance record, in tx.
func (m *Module) recordRoles(ctx context.Context, tx *db.Tx, u User, from, to []authn.Role, reason string) error {
	actorID, by := "", "system"
	if p := authn.FromContext(ctx); p != nil {
		actorID, by = p.UserID, p.Username
	}
	// Names go into the content, which GDPR erasure can purge; the entry
	// itself (which the Merkle tree commits to and nothing may change)
	// keeps only ids, the roles and, for Kontor itself, which command.
	meta := map[string]string{"from": formatRoles(from), "to": formatRoles(to), "reason": reason}
	if actorID == "" {
		meta["by"] = by
	}
	_, err := m.journal.Append(ctx, tx, record.Entry{Kind: KindRolesChanged, ActorID: actorID, SubjectID: u.ID,
		Content: RolesChange{Username: u.Username, By: by}, Meta: meta})
	return err
}

// RolesChange is the content of a user.roles_changed entry: the names of
// whose roles changed and of who changed them, as they were then.
type RolesChange struct {
	Username string `json:"username"`
	By       string `json:"by"`
}
