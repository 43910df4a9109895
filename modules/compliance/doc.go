// Package compliance is the compliance officer's desk on the server: the
// audit trail read with filters and exported as CSV, and moderation (an
// admin or compliance officer takes a message down with a reason).
//
// It owns no content. It reads the audit log (platform/audit), asks chat
// to take a message down through the narrow Moderator interface, and puts
// every action of its own on the audit trail, which is itself journalled.
// Readers: admins and compliance officers; nobody else reaches any
// operation (internal/app's authorization sweep).
package compliance
