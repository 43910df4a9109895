// Package compliance is the compliance officer's desk on the server: the
// audit trail read with filters and exported as CSV, moderation (an admin
// or compliance officer takes a message down with a reason), legal holds,
// and retention (policies, the admin's limits, dry runs, runs and the
// daily job).
//
// It owns no content. It reads the audit log (platform/audit), asks chat
// to take a message down through the narrow Moderator interface, and
// purges through PurgeContent: the journal (Record) decides for a batch
// which messages and files no legal hold covers and writes the tombstone,
// chat (Messages) and files (Files) remove those from their tables and
// stores. Every action of its own is on the audit trail, which is itself
// journalled. Readers: admins and compliance officers; nobody else
// reaches any operation (internal/app's authorization sweep).
package compliance
