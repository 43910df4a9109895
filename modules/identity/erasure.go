package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/ids"
)

// GDPR erasure, the identity side: the compliance desk (modules/compliance)
// erases a departed person's account. The account keeps its id, so every
// entry of the record still points at one account, but everything that
// names the person goes: username, display name, e-mail, department,
// title, phone, time zone, picture, directory link, password, roles,
// sessions, tokens and known browsers. What is left is a stable pseudonym
// made from the id ("Former member 3f9a"), which reveals nothing the id
// does not.

// Pseudonym returns the username and the display name an erased account
// gets: the same for the same id, on every node and every run.
func Pseudonym(userID string) (username, displayName string) {
	sum := sha256.Sum256([]byte("kontor erased account " + userID))
	h := hex.EncodeToString(sum[:])
	return "former-" + h[:16], "Former member " + h[:4]
}

// ErasureAccount is an account as erasure weighs it.
type ErasureAccount struct {
	ID          string
	Username    string
	DisplayName string
	Status      string
	Erased      bool
	// Names are what named the person (username, display name, e-mail,
	// directory DN), so the desk can find them in the audit log. Empty
	// once erased.
	Names []string
}

// AccountForErasure reads the account userID through q (no role check:
// the desk checks the compliance role). Unknown ids give 404.
func (m *Module) AccountForErasure(ctx context.Context, q db.Querier, userID string) (ErasureAccount, error) {
	if !ids.Valid(userID) {
		return ErasureAccount{}, apperr.NotFound("no user %q", userID).WithCode(apperr.CodeUserNotFound)
	}
	u, err := userBy(ctx, q, "id", userID)
	if errors.Is(err, errNoUser) {
		return ErasureAccount{}, apperr.NotFound("no user %q", userID).WithCode(apperr.CodeUserNotFound)
	}
	if err != nil {
		return ErasureAccount{}, err
	}
	erased, err := isErased(ctx, q, userID)
	if err != nil {
		return ErasureAccount{}, err
	}
	a := ErasureAccount{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Status: u.Status, Erased: erased}
	if !erased {
		for _, n := range []string{u.Username, u.DisplayName, u.Email, u.ldapDN} {
			if n != "" {
				a.Names = append(a.Names, n)
			}
		}
	}
	return a, nil
}

func isErased(ctx context.Context, q db.Querier, userID string) (bool, error) {
	var at int64
	if err := q.QueryRowContext(ctx, `SELECT erased_at FROM users WHERE id = ?`, userID).Scan(&at); err != nil {
		return false, fmt.Errorf("erased %s: %w", userID, err)
	}
	return at != 0, nil
}

func errErased(username string) error {
	return apperr.Conflict("%s was erased (GDPR); the account cannot be changed or enabled again", username).WithCode(apperr.CodeAccountErased)
}

// EraseAccount pseudonymises the account in tx. The account must be
// disabled first (by an admin, or by the directory sync): erasing is the
// compliance officer's decision about the record, ending someone's access
// the admin's, and an erasure cannot be undone. It returns the account as
// it is now.
func (m *Module) EraseAccount(ctx context.Context, tx *db.Tx, userID string) (ErasureAccount, error) {
	a, err := m.AccountForErasure(ctx, tx, userID)
	if err != nil {
		return ErasureAccount{}, err
	}
	if a.Erased {
		return ErasureAccount{}, errErased(a.Username)
	}
	if a.Status != StatusDisabled {
		return ErasureAccount{}, apperr.Conflict("%s's account is active: an admin disables it first", a.Username).WithCode(apperr.CodeAccountActive)
	}
	now := m.now().UnixMilli()
	username, display := Pseudonym(userID)
	// Guarded on erased_at, so of two erasures at once one does it.
	res, err := tx.ExecContext(ctx, `UPDATE users SET username = ?, display_name = ?, email = '', department = '', title = '',
		phone = '', search_text = ?, source = ?, ldap_dn = '', roles = '', password_hash = '', has_avatar = FALSE, time_zone = '',
		status = ?, updated_at = ?, erased_at = ? WHERE id = ? AND erased_at = 0 AND status = ?`,
		username, display, normalizeName(username+" "+display), SourceLocal, StatusDisabled, now, now, userID, StatusDisabled)
	if err != nil {
		return ErasureAccount{}, fmt.Errorf("erase account %s: %w", userID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return ErasureAccount{}, fmt.Errorf("erase account %s: %w", userID, err)
	} else if n != 1 {
		return ErasureAccount{}, apperr.Conflict("the account changed meanwhile; look again").WithCode(apperr.CodeAccountErased)
	}
	for _, q := range []string{
		`DELETE FROM user_avatars WHERE user_id = ?`,
		`DELETE FROM known_devices WHERE user_id = ?`,
		// Sessions and tokens keep addresses and browsers; the account is
		// disabled, so none of them works anyway.
		`DELETE FROM sessions WHERE user_id = ?`,
	} {
		if _, err := tx.ExecContext(ctx, q, userID); err != nil {
			return ErasureAccount{}, fmt.Errorf("erase account %s: %w", userID, err)
		}
	}
	m.log.Info("account erased", "user", userID)
	return ErasureAccount{ID: userID, Username: username, DisplayName: display, Status: StatusDisabled, Erased: true}, nil
}
