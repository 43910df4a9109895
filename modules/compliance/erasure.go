package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kontorhq/kontor/compliance/journal"
	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
	"github.com/kontorhq/kontor/modules/platform/text"
)

// GDPR erasure of a departed person's account (compliance officers only).
//
// The account must be disabled first: ending someone's access is the
// admin's decision (or the directory's), erasing what the record keeps of
// them the compliance officer's, and an erasure cannot be undone. A dry
// run shows what would go and what legal holds keep; the erasure then
// confirms with the pseudonym the dry run showed. In one transaction it
//   - purges every message the person wrote (every version) and every
//     file they uploaded (rows, shares, blobs, previews) through the purge
//     primitive, which leaves what an active legal hold covers;
//   - pseudonymises the account (identity.EraseAccount): names, e-mail,
//     picture, directory link, sessions go; the id stays;
//   - pseudonymises the audit entries the person made or that were made
//     about them: the journal content of each is purged (so the journal's
//     audit check reports them as purged, not as changed) and the row's
//     names, address and browser are replaced; what was done, to what,
//     when, by which id stays, and stays tamper-evident in the journal
//     entry's meta. Entries a hold covers stay as they are;
//   - appends user.erased (counts only) to the journal and user.erase to
//     the audit trail.
// Reactions stay, under the pseudonym: they carry nothing but an emoji,
// and removing them would change other people's messages.

// ErasureAccount is an account as erasure weighs it.
type ErasureAccount struct {
	ID          string
	Username    string
	DisplayName string
	Status      string // active | disabled
	Erased      bool
	// Names are what named the person (username, display name, e-mail,
	// directory DN); empty once erased.
	Names []string
}

// Accounts is what erasure needs from identity.
type Accounts interface {
	// AccountForErasure reads the account (404 user_not_found).
	AccountForErasure(ctx context.Context, q db.Querier, userID string) (ErasureAccount, error)
	// EraseAccount pseudonymises the disabled account in tx (409
	// account_active, account_erased) and returns it as it is now.
	EraseAccount(ctx context.Context, tx *db.Tx, userID string) (ErasureAccount, error)
	// Pseudonym is the stable pseudonym of the account.
	Pseudonym(userID string) (username, displayName string)
}

// Authored is what erasure needs to find a person's content.
type Authored interface {
	// MessagesBy lists every message the user wrote, deleted, expired and
	// taken-down ones too.
	MessagesBy(ctx context.Context, q db.Querier, userID string) ([]string, error)
	// FilesOwnedBy lists every file the user uploaded, deleted and
	// taken-down ones too.
	FilesOwnedBy(ctx context.Context, q db.Querier, userID string) ([]string, error)
}

// SubjectPurger purges the journal content of every entry about a
// subject, unless a legal hold covers it (*journal.Journal).
type SubjectPurger interface {
	PurgeSubject(ctx context.Context, tx *db.Tx, subjectID, actorID, reason string) error
}

// ErasureCount counts what goes and what holds keep.
type ErasureCount struct {
	Purged int `json:"purged" doc:"Gone (dry run: would go)."`
	Held   int `json:"held" doc:"Kept as they are because an active legal hold covers them."`
}

// Erasure is the dry run or the outcome of an erasure.
type Erasure struct {
	UserID            string `json:"user_id"`
	Pseudonym         string `json:"pseudonym" doc:"What the record calls the person after the erasure; the erasure confirms with it." example:"Former member 3f9a"`
	PseudonymUsername string `json:"pseudonym_username" example:"former-3f9a27c1d0e4b5a6"`
	DryRun            bool   `json:"dry_run"`
	Erased            bool   `json:"erased" doc:"The account is erased (after this call, or before it)."`
	// Blocker says why the account cannot be erased now.
	Blocker      string       `json:"blocker,omitempty" enum:"account_active,account_erased" doc:"account_active: an admin disables the account first; account_erased: it is erased already."`
	Messages     ErasureCount `json:"messages" doc:"Messages the person wrote, every version."`
	Files        ErasureCount `json:"files" doc:"Files the person uploaded, with their bytes and previews."`
	AuditEntries ErasureCount `json:"audit_entries" doc:"Audit entries by or about the person: pseudonymised, or kept by a hold."`
	HoldIDs      []string     `json:"hold_ids" doc:"Active legal holds that keep some of it."`
	// HeldIDs are the messages and files holds keep (at most 1000).
	HeldIDs []string `json:"held_ids" maxItems:"1000" doc:"Messages and files that holds keep (the first 1000)."`
}

// ErasureRequest confirms an erasure.
type ErasureRequest struct {
	Reason  string `json:"reason" maxLength:"4000" doc:"Why (the request, the ticket); kept on the audit trail." example:"Art. 17 request of 2026-11-02, ticket 4711"`
	Confirm string `json:"confirm" maxLength:"100" doc:"The pseudonym the dry run showed: proof the dry run was read." example:"Former member 3f9a"`
}

const erasureReason = "GDPR erasure"

// ErasurePreview is the dry run: what an erasure of userID would purge
// and pseudonymise, and what legal holds keep. It changes nothing but the
// audit trail (a compliance read).
func (m *Module) ErasurePreview(ctx context.Context, userID string) (Erasure, error) {
	if _, err := requireCompliance(ctx); err != nil {
		return Erasure{}, err
	}
	if m.accounts == nil || m.authored == nil {
		return Erasure{}, fmt.Errorf("compliance: erasure is not wired (Accounts, Authored)")
	}
	var out Erasure
	err := m.db.WithTx(ctx, func(tx *db.Tx) error {
		p, err := m.planErasure(ctx, tx, userID)
		if err != nil {
			return err
		}
		out = p.erasure
		out.DryRun = true
		return m.audit.Record(ctx, tx, m.clock.Now(), "user.erasure_preview", "user", userID, p.counts())
	})
	return out, err
}

// erasurePlan is what an erasure would do.
type erasurePlan struct {
	erasure  Erasure
	account  ErasureAccount
	messages []string // to purge (the primitive checks the holds again)
	files    []string
	audit    []audit.Entry // to pseudonymise
}

func (p erasurePlan) counts() map[string]any {
	e := p.erasure
	return map[string]any{"messages": e.Messages.Purged, "messages_held": e.Messages.Held, "files": e.Files.Purged,
		"files_held": e.Files.Held, "audit_entries": e.AuditEntries.Purged, "audit_entries_held": e.AuditEntries.Held,
		"holds": strings.Join(e.HoldIDs, " ")}
}

func (m *Module) planErasure(ctx context.Context, q db.Querier, userID string) (erasurePlan, error) {
	a, err := m.accounts.AccountForErasure(ctx, q, userID)
	if err != nil {
		return erasurePlan{}, err
	}
	username, display := m.accounts.Pseudonym(userID)
	p := erasurePlan{account: a, erasure: Erasure{UserID: userID, Pseudonym: display, PseudonymUsername: username,
		Erased: a.Erased, HoldIDs: []string{}, HeldIDs: []string{}}}
	switch {
	case a.Erased:
		p.erasure.Blocker = string(apperr.CodeAccountErased)
	case a.Status != "disabled":
		p.erasure.Blocker = string(apperr.CodeAccountActive)
	}
	holds := map[string]bool{}
	weigh := func(ids []string, c *ErasureCount, keep *[]string) error {
		for _, id := range ids {
			held, err := journal.HoldsCovering(ctx, q, id)
			if err != nil {
				return err
			}
			if len(held) == 0 {
				c.Purged++
				*keep = append(*keep, id)
				continue
			}
			c.Held++
			if len(p.erasure.HeldIDs) < 1000 {
				p.erasure.HeldIDs = append(p.erasure.HeldIDs, id)
			}
			for _, h := range held {
				holds[h] = true
			}
		}
		return nil
	}
	msgs, err := m.authored.MessagesBy(ctx, q, userID)
	if err != nil {
		return erasurePlan{}, err
	}
	if err := weigh(msgs, &p.erasure.Messages, &p.messages); err != nil {
		return erasurePlan{}, err
	}
	files, err := m.authored.FilesOwnedBy(ctx, q, userID)
	if err != nil {
		return erasurePlan{}, err
	}
	if err := weigh(files, &p.erasure.Files, &p.files); err != nil {
		return erasurePlan{}, err
	}
	for after := int64(0); ; {
		es, err := audit.About(ctx, q, userID, after, 1000)
		if err != nil {
			return erasurePlan{}, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			after = e.Seq
			held, err := journal.HoldsCovering(ctx, q, e.ID)
			if err != nil {
				return erasurePlan{}, err
			}
			if len(held) > 0 {
				p.erasure.AuditEntries.Held++
				for _, h := range held {
					holds[h] = true
				}
				continue
			}
			// Entries about the person that do not name them (a dry run's
			// own entry, counts only) keep their journal content.
			scrubbed := scrub(e, userID, p.account.Names, username)
			if e.ActorID != userID && sameDetails(scrubbed.Details, e.Details) {
				continue
			}
			p.erasure.AuditEntries.Purged++
			p.audit = append(p.audit, scrubbed)
		}
	}
	for h := range holds {
		p.erasure.HoldIDs = append(p.erasure.HoldIDs, h)
	}
	slices.Sort(p.erasure.HoldIDs)
	return p, nil
}

// Erase erases userID's account: see the top of this file. The request
// confirms with the pseudonym the dry run showed.
func (m *Module) Erase(ctx context.Context, userID string, in ErasureRequest) (Erasure, error) {
	officer, err := requireCompliance(ctx)
	if err != nil {
		return Erasure{}, err
	}
	if m.accounts == nil || m.authored == nil || m.subjects == nil || m.record == nil {
		return Erasure{}, fmt.Errorf("compliance: erasure is not wired (Accounts, Authored, Subjects)")
	}
	reason, err := text.Line("body.reason", in.Reason, MaxReason)
	if err != nil {
		return Erasure{}, err
	}
	if reason == "" {
		return Erasure{}, apperr.Invalid("body.reason", "say why the account is erased (the request, the ticket); the reason stays on the audit trail")
	}
	var out Erasure
	var blobs []string
	err = m.db.WithTx(ctx, func(tx *db.Tx) error {
		p, err := m.planErasure(ctx, tx, userID)
		if err != nil {
			return err
		}
		if strings.TrimSpace(in.Confirm) != p.erasure.Pseudonym {
			return apperr.Invalid("body.confirm", "confirm with the pseudonym the dry run shows (GET this path first)")
		}
		switch p.erasure.Blocker {
		case string(apperr.CodeAccountErased):
			return apperr.Conflict("the account was erased already").WithCode(apperr.CodeAccountErased)
		case string(apperr.CodeAccountActive):
			return apperr.Conflict("the account is active: an admin disables it first").WithCode(apperr.CodeAccountActive)
		}
		out = p.erasure
		// Content first, through the purge primitive; it weighs the holds
		// again in this transaction and may keep more than the plan said
		// (a hold made since): its word counts.
		res, err := m.purgeAuthored(ctx, tx, officer.UserID, userID, p.messages, p.files)
		if err != nil {
			return err
		}
		out.Messages.Held += out.Messages.Purged - len(res.messages)
		out.Messages.Purged = len(res.messages)
		out.Files.Held += out.Files.Purged - len(res.files)
		out.Files.Purged = len(res.files)
		out.HoldIDs = mergeIDs(out.HoldIDs, res.holds)
		blobs = res.files
		// The identity.
		erased, err := m.accounts.EraseAccount(ctx, tx, userID)
		if err != nil {
			return err
		}
		out.Erased = true
		// Entries about the account itself (user.roles_changed) keep its
		// names in their content.
		if err := m.subjects.PurgeSubject(ctx, tx, userID, officer.UserID, erasureReason); err != nil {
			return err
		}
		// The audit entries by and about the person.
		for _, e := range p.audit {
			if err := m.subjects.PurgeSubject(ctx, tx, e.ID, officer.UserID, erasureReason); err != nil {
				return err
			}
			if err := audit.Pseudonymise(ctx, tx, e); err != nil {
				return err
			}
		}
		meta := map[string]string{"pseudonym": erased.Username,
			"messages": strconv.Itoa(out.Messages.Purged), "messages_held": strconv.Itoa(out.Messages.Held),
			"files": strconv.Itoa(out.Files.Purged), "files_held": strconv.Itoa(out.Files.Held),
			"audit_entries": strconv.Itoa(out.AuditEntries.Purged), "audit_entries_held": strconv.Itoa(out.AuditEntries.Held),
			"holds": strings.Join(out.HoldIDs, " ")}
		if _, err := m.journal.Append(ctx, tx, record.Entry{Kind: string(record.UserErased), ActorID: officer.UserID,
			SubjectID: userID, Meta: meta}); err != nil {
			return err
		}
		details := p.counts()
		details["reason"] = reason
		details["pseudonym"] = erased.Username
		return m.audit.Record(ctx, tx, m.clock.Now(), "user.erase", "user", userID, details)
	})
	if err != nil {
		return Erasure{}, err
	}
	m.log.Info("account erased", "user", userID, "messages", out.Messages.Purged, "files", out.Files.Purged,
		"held", out.Messages.Held+out.Files.Held, "blobs", len(blobs))
	return out, nil
}

// purgedContent is what the purge primitive removed.
type purgedContent struct {
	messages, files []string
	holds           []string
}

func mergeIDs(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// scrub returns e with the person's names replaced by pseudonym and, for
// what they did themselves, their address and browser removed.
func scrub(e audit.Entry, userID string, names []string, pseudonym string) audit.Entry {
	if e.ActorID == userID {
		e.ActorName, e.IP, e.UserAgent = pseudonym, "", ""
	}
	e.Details, _ = scrubNames(e.Details, names, pseudonym).(map[string]any)
	return e
}

func sameDetails(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// scrubNames replaces every string in v that is one of names (any case),
// and every occurrence of the longer names (e-mail, DN) inside strings,
// with pseudonym.
func scrubNames(v any, names []string, pseudonym string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = scrubNames(e, names, pseudonym)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = scrubNames(e, names, pseudonym)
		}
		return out
	case string:
		for _, n := range names {
			if strings.EqualFold(x, n) {
				return pseudonym
			}
		}
		for _, n := range names {
			if strings.ContainsAny(n, "@=") {
				x = strings.ReplaceAll(x, n, pseudonym)
			}
		}
		return x
	default:
		return v
	}
}
