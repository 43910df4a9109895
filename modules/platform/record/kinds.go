package record

// Kind says what a journal entry records, "<subject>.<verb>". Every kind
// a module appends is one of the constants below: readers of the journal
// (search, exports, the compliance desk) decide per kind what it means to
// them, and a kind added here is a kind they must decide about.
type Kind string

// The kinds of the journal, by the module that appends them.
const (
	// chat: channels and their members.
	ChannelCreated    Kind = "channel.created"
	ChannelChanged    Kind = "channel.changed" // name, topic or purpose
	ChannelArchived   Kind = "channel.archived"
	ChannelUnarchived Kind = "channel.unarchived"
	MemberJoined      Kind = "member.joined"
	MemberAdded       Kind = "member.added"
	MemberLeft        Kind = "member.left"
	MemberRemoved     Kind = "member.removed"
	MemberRoleChanged Kind = "member.role_changed"

	// chat: messages.
	MessageCreated  Kind = "message.created"
	MessageEdited   Kind = "message.edited"
	MessageDeleted  Kind = "message.deleted"
	MessageExpired  Kind = "message.expired" // self-destructed
	MessagePinned   Kind = "message.pinned"
	MessageUnpinned Kind = "message.unpinned"
	ReactionAdded   Kind = "reaction.added"
	ReactionRemoved Kind = "reaction.removed"

	// files.
	FileAttached Kind = "file.attached"
	FileDeleted  Kind = "file.deleted"

	// calendar: events (the whole series, or one occurrence when the
	// entry's meta says occurrence).
	CalendarEventCreated   Kind = "calendar_event.created"
	CalendarEventChanged   Kind = "calendar_event.changed"
	CalendarEventCancelled Kind = "calendar_event.cancelled"

	// identity: someone's roles changed (admin, compliance).
	UserRolesChanged Kind = "user.roles_changed"

	// calls: who called in which channel, and who took part (no media is
	// recorded).
	CallStarted Kind = "call.started"
	CallJoined  Kind = "call.joined"
	CallLeft    Kind = "call.left"
	CallEnded   Kind = "call.ended"

	// the journal itself: an earlier entry's content was purged.
	ContentPurged Kind = "content.purged"

	// audit: an entry of the audit trail (platform/audit), so the trail is
	// as tamper-evident as the journal.
	AuditRecorded Kind = "audit.recorded"

	// compliance: moderation and legal holds (modules/compliance).
	MessageModerated Kind = "message.moderated" // taken down with a reason; content stays on the record
	FileModerated    Kind = "file.moderated"
	HoldCreated      Kind = "hold.created"
	HoldReleased     Kind = "hold.released"

	// compliance: e-discovery searches saved for a matter (compliance
	// reads themselves are audit entries).
	SavedSearchCreated Kind = "saved_search.created"
	SavedSearchDeleted Kind = "saved_search.deleted"
	// compliance: retention purged a batch of messages and files (the
	// tombstone: which ones, which entries' content went, under which
	// policy; see the Meta* keys below).
	RetentionPurged Kind = "retention.purged"
	// compliance: a retention policy or the admin's limits on them changed.
	RetentionPolicySet     Kind = "retention.policy_set"
	RetentionPolicyRemoved Kind = "retention.policy_removed"
	RetentionLimitsSet     Kind = "retention.limits_set"
)

// The meta keys of a batch tombstone (RetentionPurged, and any later kind
// that IsTombstone lists): space-separated ids, so that readers of the
// journal (search, e-discovery, CheckRecords) know what is gone.
const (
	MetaPurgedMessages = "messages" // message ids whose rows and content were purged
	MetaPurgedFiles    = "files"    // file ids whose rows, blobs and content were purged
	MetaPurgedSeqs     = "seqs"     // journal entries whose content was purged
)

// IsTombstone reports whether entries of kind name purged messages and
// files in their meta (MetaPurgedMessages, MetaPurgedFiles, MetaPurgedSeqs).
func IsTombstone(kind string) bool {
	return kind == string(RetentionPurged)
}

// Kinds returns every kind, in the order above.
func Kinds() []Kind {
	return []Kind{
		ChannelCreated, ChannelChanged, ChannelArchived, ChannelUnarchived,
		MemberJoined, MemberAdded, MemberLeft, MemberRemoved, MemberRoleChanged,
		MessageCreated, MessageEdited, MessageDeleted, MessageExpired, MessagePinned, MessageUnpinned,
		ReactionAdded, ReactionRemoved,
		FileAttached, FileDeleted,
		CalendarEventCreated, CalendarEventChanged, CalendarEventCancelled,
		UserRolesChanged,
		CallStarted, CallJoined, CallLeft, CallEnded,
		ContentPurged,
		AuditRecorded,
		MessageModerated, FileModerated, HoldCreated, HoldReleased,
		SavedSearchCreated, SavedSearchDeleted,
		RetentionPurged, RetentionPolicySet, RetentionPolicyRemoved, RetentionLimitsSet,
	}
}

// Known reports whether kind is one of Kinds.
func Known(kind string) bool {
	for _, k := range Kinds() {
		if string(k) == kind {
			return true
		}
	}
	return false
}
