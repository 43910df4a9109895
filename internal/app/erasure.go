package app

import (
	"context"

	"github.com/kontorhq/kontor/modules/compliance"
	"github.com/kontorhq/kontor/modules/identity"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// complianceAccounts is compliance.Accounts over identity.
type complianceAccounts struct{ a *App }

func erasureAccount(e identity.ErasureAccount) compliance.ErasureAccount {
	return compliance.ErasureAccount{ID: e.ID, Username: e.Username, DisplayName: e.DisplayName, Status: e.Status,
		Erased: e.Erased, Names: e.Names}
}

func (c complianceAccounts) AccountForErasure(ctx context.Context, q db.Querier, userID string) (compliance.ErasureAccount, error) {
	e, err := c.a.Identity.AccountForErasure(ctx, q, userID)
	return erasureAccount(e), err
}

func (c complianceAccounts) EraseAccount(ctx context.Context, tx *db.Tx, userID string) (compliance.ErasureAccount, error) {
	e, err := c.a.Identity.EraseAccount(ctx, tx, userID)
	return erasureAccount(e), err
}

func (complianceAccounts) Pseudonym(userID string) (string, string) {
	return identity.Pseudonym(userID)
}

// complianceAuthored is compliance.Authored over chat and files.
type complianceAuthored struct{ a *App }

func (c complianceAuthored) MessagesBy(ctx context.Context, q db.Querier, userID string) ([]string, error) {
	return c.a.Chat.MessagesBy(ctx, q, userID)
}

func (c complianceAuthored) FilesOwnedBy(ctx context.Context, q db.Querier, userID string) ([]string, error) {
	return c.a.Files.FilesOwnedBy(ctx, q, userID)
}
