package compliance

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/kontorhq/kontor/modules/platform/apperr"
	"github.com/kontorhq/kontor/modules/platform/audit"
	"github.com/kontorhq/kontor/modules/platform/authn"
	"github.com/kontorhq/kontor/modules/platform/clock"
	"github.com/kontorhq/kontor/modules/platform/db"
	"github.com/kontorhq/kontor/modules/platform/record"
)

// Moderator is what the desk needs from chat: take a message down.
type Moderator interface {
	// ModerateMessage hides a message from members in tx (a placeholder
	// says it was removed), records the reason and actor on the journal,
	// and tells open clients. It returns the message's channel.
	ModerateMessage(ctx context.Context, tx *db.Tx, messageID, reason string) (channelID string, err error)
}

// Deps are the module's dependencies; all are required but Clock and
// the purging ones (Record, Messages, Files: without them retention and
// PurgeContent refuse to run).
type Deps struct {
	DB        *db.DB
	Log       *slog.Logger
	Clock     clock.Clock
	Journal   record.Appender
	Moderator Moderator
	Record    Record
	Messages  Messages
	Files     Files
	// Retention configures the daily retention job.
	Retention RetentionConfig
	// FileModerator takes files down (files and chat).
	FileModerator FileModerator
	// Erasure: identity's accounts, who wrote what, and the journal's
	// purge of an audit entry's content.
	Accounts Accounts
	Authored Authored
	Subjects SubjectPurger
	// Finder, Directory and RecordedFiles serve e-discovery; without Finder (a
	// command that opens no index) e-discovery answers 503.
	Finder        Finder
	Directory     Directory
	RecordedFiles RecordedFiles
	// Keys gives the journal's public key and checkpoints (the console
	// shows the fingerprint); optional.
	Keys JournalKeys
}

// Module is the compliance desk.
type Module struct {
	db      *db.DB
	log     *slog.Logger
	clock   clock.Clock
	audit   *audit.Trail
	journal record.Appender
	mod     Moderator

	record    Record
	messages  Messages
	files     Files
	retention RetentionConfig
	// runMu lets one retention run at a time go on in this process;
	// db.TryLock does it across a cluster.
	runMu sync.Mutex

	fileMod   FileModerator
	accounts  Accounts
	authored  Authored
	subjects  SubjectPurger
	finderDep Finder
	dir       Directory
	recorded  RecordedFiles
	keys      JournalKeys
}

// New returns the module.
func New(d Deps) (*Module, error) {
	if d.DB == nil || d.Log == nil || d.Journal == nil || d.Moderator == nil || d.FileModerator == nil {
		return nil, errors.New("compliance: DB, Log, Journal, Moderator and FileModerator are required")
	}
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	return &Module{db: d.DB, log: d.Log.With("module", "compliance"), clock: d.Clock, audit: audit.New(d.Journal), journal: d.Journal, mod: d.Moderator,
		record: d.Record, messages: d.Messages, files: d.Files, retention: d.Retention.withDefaults(),
		fileMod: d.FileModerator, accounts: d.Accounts, authored: d.Authored, subjects: d.Subjects,
		finderDep: d.Finder, dir: d.Directory, recorded: d.RecordedFiles, keys: d.Keys}, nil
}

// requireOfficer lets admins and compliance officers through: both read
// the audit trail and may take content down.
func requireOfficer(ctx context.Context) (*authn.Principal, error) {
	p, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(authn.RoleAdmin) && !p.Has(authn.RoleCompliance) {
		return nil, apperr.Forbidden("this needs the admin or compliance role").WithCode(apperr.CodeRoleRequired)
	}
	return p, nil
}
