package files

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/db"
)

// StorageUsage is what one user stores.
type StorageUsage struct {
	UserID string `json:"user_id"`
	Files  int64  `json:"files" doc:"Live files they uploaded."`
	Bytes  int64  `json:"bytes" doc:"Their size in bytes (previews not counted)."`
	Quota  int64  `json:"quota" doc:"Bytes they may store; 0: unlimited."`
	// QuotaSet is true when an admin set this user's quota, false when
	// the default (files-user-quota) applies.
	QuotaSet bool `json:"quota_set"`
}

// StorageTotals sums everyone's usage.
type StorageTotals struct {
	Users int64 `json:"users" doc:"Users with at least one file."`
	Files int64 `json:"files"`
	Bytes int64 `json:"bytes"`
}

func (m *Module) usage(u usageRow) StorageUsage {
	return StorageUsage{UserID: u.UserID, Files: u.Files, Bytes: u.Bytes, Quota: m.quotaOf(u), QuotaSet: u.Quota >= 0}
}

// MyUsage returns the caller's own figures.
func (m *Module) MyUsage(ctx context.Context) (StorageUsage, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return StorageUsage{}, err
	}
	u, err := getUsage(ctx, m.db, p.UserID)
	return m.usage(u), err
}

// UserUsage returns one user's figures, for admins.
func (m *Module) UserUsage(ctx context.Context, userID string) (StorageUsage, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return StorageUsage{}, err
	}
	u, err := getUsage(ctx, m.db, userID)
	return m.usage(u), err
}

// ListUsage pages through everyone's figures, largest first, for admins.
// Users who never uploaded and have no quota of their own are not listed.
func (m *Module) ListUsage(ctx context.Context, after string, limit int) ([]StorageUsage, StorageTotals, string, error) {
	var totals StorageTotals
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return nil, totals, "", err
	}
	var afterBytes int64
	afterUser := ""
	if after != "" {
		b, u, ok := strings.Cut(after, ":")
		n, err := strconv.ParseInt(b, 10, 64)
		if !ok || err != nil || u == "" {
			return nil, totals, "", apperr.Invalid("after", "pass the 'next' value of the previous page").WithCode(apperr.CodeBadCursor)
		}
		afterBytes, afterUser = n, u
	}
	limit = pageSize(limit)
	rows, err := listUsage(ctx, m.db, afterBytes, afterUser, limit+1)
	if err != nil {
		return nil, totals, "", err
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = fmt.Sprintf("%d:%s", last.Bytes, last.UserID)
	}
	out := make([]StorageUsage, len(rows))
	for i, r := range rows {
		out[i] = m.usage(r)
	}
	totals.Users, totals.Files, totals.Bytes, err = usageTotals(ctx, m.db)
	return out, totals, next, err
}

// SetQuota sets a user's own quota in bytes (0: unlimited), or with -1
// returns them to the default. Admins only; on the audit log.
func (m *Module) SetQuota(ctx context.Context, userID string, quota int64) (StorageUsage, error) {
	if _, err := authn.RequireRole(ctx, authn.RoleAdmin); err != nil {
		return StorageUsage{}, err
	}
	if quota < -1 {
		return StorageUsage{}, apperr.Invalid("quota", "give bytes, 0 for unlimited, or -1 for the default")
	}
	if userID == "" || len(userID) > 64 {
		return StorageUsage{}, apperr.Invalid("user", "give a user id")
	}
	var u usageRow
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = setQuota(ctx, tx, userID, quota); err != nil {
			return err
		}
		return m.audit.Record(ctx, tx, m.now(), "files.quota.set", "user", userID, map[string]any{"quota": quota})
	})
	return m.usage(u), err
}
