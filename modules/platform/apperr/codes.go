package apperr

// Code is the stable, machine-readable reason a problem response (and a
// websocket error frame) carries, so a client can pick a translated message
// and a program can react to the case. The list is closed: every code is a
// constant here and an entry of Codes, which the OpenAPI document publishes
// as the enum of a problem's code. A test fails on a code given as a string
// literal anywhere else.
type Code string

// Sign-in, sessions and roles.
const (
	CodeAccountDisabled        Code = "account_disabled"
	CodeCSRFFailed             Code = "csrf_failed"
	CodeDirectoryAmbiguous     Code = "directory_ambiguous"
	CodeDirectoryNotConfigured Code = "directory_not_configured"
	CodeDirectoryUnavailable   Code = "directory_unavailable"
	CodeInvalidCredentials     Code = "invalid_credentials"
	CodeLastAdmin              Code = "last_admin"
	CodeManagedByDirectory     Code = "managed_by_directory"
	CodePasswordEmpty          Code = "password_empty"
	CodeRoleRequired           Code = "role_required"
	CodeSessionExpired         Code = "session_expired"
	CodeTokenInvalid           Code = "token_invalid"
	CodeUnauthenticated        Code = "unauthenticated"
	CodeUserNotFound           Code = "user_not_found"
	CodeUserRequired           Code = "user_required"
	CodeUsernameTaken          Code = "username_taken"
	CodeReservedName           Code = "reserved_name"
	CodeSessionRequired        Code = "session_required"
	CodeTokenScope             Code = "token_scope"
	CodeTokenScopeNotHeld      Code = "token_scope_not_held"
	CodeTokenScopeUnknown      Code = "token_scope_unknown"
	CodeTokenTTLTooLong        Code = "token_ttl_too_long"
	CodeMetricsForbidden       Code = "metrics_forbidden"
)

// Limits and input.
const (
	CodeAddressNotText     Code = "address_not_text"
	CodeBadCursor          Code = "bad_cursor"
	CodeBadFrame           Code = "bad_frame"
	CodeInvalidUTF8        Code = "invalid_utf8"
	CodeInvisibleCharacter Code = "invisible_character"
	CodeRateLimited        Code = "rate_limited"
	CodeTooManyConnections Code = "too_many_connections"
	CodeInternal           Code = "internal"
	CodeRejected           Code = "rejected"
	CodeUnavailable        Code = "unavailable"
)

// Channels and messages.
const (
	CodeAnnouncementOnly     Code = "announcement_only"
	CodeChannelAdminRequired Code = "channel_admin_required"
	CodeChannelArchived      Code = "channel_archived"
	CodeChannelNameTaken     Code = "channel_name_taken"
	CodeChannelNotFound      Code = "channel_not_found"
	CodeComplianceRequired   Code = "compliance_required"
	CodeGroupTooLarge        Code = "group_too_large"
	CodeInvalidEmoji         Code = "invalid_emoji"
	CodeLastChannelAdmin     Code = "last_channel_admin"
	CodeMessageChanged       Code = "message_changed"
	CodeMessageDeleted       Code = "message_deleted"
	CodeMessageEmpty         Code = "message_empty"
	CodeMessageNotFound      Code = "message_not_found"
	CodeMessageTooLong       Code = "message_too_long"
	CodeNotAuthor            Code = "not_author"
	CodeNotMember            Code = "not_member"
	CodeReadReceiptsOff      Code = "read_receipts_off"
	CodeSelfDestructDisabled Code = "self_destruct_disabled"
)

// Files.
const (
	CodeDuplicateFile       Code = "duplicate_file"
	CodeEmptyFile           Code = "empty_file"
	CodeFileDeleted         Code = "file_deleted"
	CodeFileNotAttachable   Code = "file_not_attachable"
	CodeFileNotFound        Code = "file_not_found"
	CodeFileTooLarge        Code = "file_too_large"
	CodeNameTooLong         Code = "name_too_long"
	CodeNoPreview           Code = "no_preview"
	CodeNotAnImage          Code = "not_an_image"
	CodeNotAudio            Code = "not_audio"
	CodeNotFileOwner        Code = "not_file_owner"
	CodeQuotaExceeded       Code = "quota_exceeded"
	CodeStorageUnavailable  Code = "storage_unavailable"
	CodeTooManyFiles        Code = "too_many_files"
	CodeUploadExpired       Code = "upload_expired"
	CodeUploadInterrupted   Code = "upload_interrupted"
	CodeImageTooLarge       Code = "image_too_large"
	CodeUploadStalled       Code = "upload_stalled"
	CodeShuttingDown        Code = "shutting_down"
	CodeRangeNotSatisfiable Code = "range_not_satisfiable"
	CodePreconditionFailed  Code = "precondition_failed"
)

// The compliance desk.
const (
	CodeBadTimeRange Code = "bad_time_range"
	CodeHoldNotFound Code = "hold_not_found"
	CodeHoldReleased Code = "hold_released"
	// E-discovery.
	CodeSavedSearchNotFound Code = "saved_search_not_found"
	CodeNotInConversation   Code = "not_in_conversation"
)

// Retention (the compliance desk).
const (
	CodeRetentionOutsideLimits  Code = "retention_outside_limits"
	CodeRetentionPolicyNotFound Code = "retention_policy_not_found"
	CodeRetentionRunning        Code = "retention_running"
	CodeRetentionAsOfFuture     Code = "retention_as_of_future"
)

// Search.
const (
	CodeBadQuery       Code = "bad_query"
	CodeReindexRunning Code = "reindex_running"
	CodeUnknownChannel Code = "unknown_channel"
	CodeUnknownUser    Code = "unknown_user"
)

// Calls.
const (
	CodeCallsDisabled     Code = "calls_disabled"
	CodeCallNotFound      Code = "call_not_found"
	CodeCallFull          Code = "call_full"
	CodeCallModerator     Code = "call_moderator_required"
	CodeNotInCall         Code = "not_in_call"
	CodeBadSDP            Code = "bad_sdp"
	CodeScreenRequestGone Code = "screen_request_gone"
)

// Calendar.
const (
	CodeCalendarNotFound     Code = "calendar_not_found"
	CodeEventNotFound        Code = "event_not_found"
	CodeOccurrenceNotFound   Code = "occurrence_not_found"
	CodeEventWriteForbidden  Code = "event_write_forbidden"
	CodeInvalidTimeZone      Code = "invalid_time_zone"
	CodeInvalidTime          Code = "invalid_time"
	CodeEndBeforeStart       Code = "end_before_start"
	CodeInvalidRecurrence    Code = "invalid_recurrence"
	CodeRecurrenceTooLarge   Code = "recurrence_too_large"
	CodeWindowTooLarge       Code = "window_too_large"
	CodeDescriptionTooLong   Code = "description_too_long"
	CodeInvalidCalendarData  Code = "invalid_calendar_data"
	CodeCalendarDataTooLarge Code = "calendar_data_too_large"
	CodeFeedNotFound         Code = "feed_not_found"
	CodeInvalidColor         Code = "invalid_color"
	CodeInvalidLink          Code = "invalid_link"
	CodeTooManyAttendees     Code = "too_many_attendees"
)

// Codes says when each code is sent. It is the closed list: a code that is
// not here cannot be sent (TestEveryCodeIsListed).
var Codes = map[Code]string{
	CodeBadTimeRange:         "A time range ends before it starts.",
	CodeHoldNotFound:         "No such legal hold.",
	CodeHoldReleased:         "The legal hold was already released.",
	CodeSavedSearchNotFound:  "No such saved e-discovery search.",
	CodeNotInConversation:    "The journal entry to open a conversation around is not a message or file of that conversation.",
	CodeCalendarNotFound:     "No such calendar, or the caller may not read it.",
	CodeEventNotFound:        "No such event, or the caller may not read it.",
	CodeOccurrenceNotFound:   "The recurring event has no occurrence at that time.",
	CodeEventWriteForbidden:  "Only the calendar's owner, the event's organizer or a channel admin changes this.",
	CodeInvalidTimeZone:      "A time zone is not an IANA name such as Europe/Berlin.",
	CodeInvalidTime:          "A date or time cannot be read or is out of range.",
	CodeEndBeforeStart:       "An event or window ends before it starts.",
	CodeInvalidRecurrence:    "A recurrence rule (RRULE, EXDATE, RDATE) cannot be read or is not supported.",
	CodeRecurrenceTooLarge:   "A recurrence rule would make more occurrences than Kontor expands.",
	CodeWindowTooLarge:       "The asked time window is longer than allowed; ask for a shorter one.",
	CodeDescriptionTooLong:   "An event's title, description or location is longer than allowed.",
	CodeInvalidCalendarData:  "An iCalendar file is broken (folding, structure) or holds an oversized property.",
	CodeCalendarDataTooLarge: "An iCalendar file is larger than allowed.",
	CodeFeedNotFound:         "The calendar feed is unknown or was revoked.",
	CodeInvalidColor:         "A calendar color is not #rrggbb.",
	CodeInvalidLink:          "A call link is not an http(s) address or a Kontor path.",
	CodeTooManyAttendees:     "An event invites more people and channels than allowed.",

	CodeAccountDisabled:        "The account is disabled; an administrator can enable it.",
	CodeCSRFFailed:             "A change made with the session cookie lacks the CSRF token header.",
	CodeDirectoryAmbiguous:     "The username matches more than one entry in the company directory.",
	CodeDirectoryNotConfigured: "The operation needs an LDAP directory and none is configured.",
	CodeDirectoryUnavailable:   "Directory sign-in is not configured or the directory cannot be reached.",
	CodeInvalidCredentials:     "Wrong username or password.",
	CodeLastAdmin:              "The change would leave no active administrator.",
	CodeManagedByDirectory:     "The field belongs to the company directory and is changed there.",
	CodePasswordEmpty:          "No password was given.",
	CodeRoleRequired:           "The operation needs a role (admin or compliance) the caller lacks.",
	CodeSessionExpired:         "The session has expired; sign in again.",
	CodeTokenInvalid:           "The bearer token is not a Kontor session or API token.",
	CodeUnauthenticated:        "The operation needs a signed-in caller.",
	CodeUserNotFound:           "No such user.",
	CodeUserRequired:           "The operation acts for a person and the caller is not one.",
	CodeUsernameTaken:          "A directory account clashes with a local account of the same name.",
	CodeReservedName:           "The name belongs to the system (such as Administrator); only admins give it.",

	CodeAddressNotText:     "The request address holds bytes that are not text.",
	CodeBadCursor:          "A paging cursor is not one the server gave out.",
	CodeBadFrame:           "A websocket frame the server cannot read or does not know.",
	CodeInvalidUTF8:        "A text is not valid UTF-8.",
	CodeInvisibleCharacter: "A name holds an invisible formatting character (such as a bidirectional override).",
	CodeRateLimited:        "Too many requests or attempts; wait for Retry-After.",
	CodeTooManyConnections: "The person has as many real-time connections open as allowed.",
	CodeInternal:           "The server failed; the error id in the log says why.",
	CodeRejected:           "A websocket request was refused; the detail says why.",
	CodeUnavailable:        "A dependency is not reachable right now; try again.",

	CodeAnnouncementOnly:     "Only channel admins post in an announcement channel.",
	CodeChannelAdminRequired: "The change needs a channel admin.",
	CodeChannelArchived:      "The channel is archived: it can be read but not changed.",
	CodeChannelNameTaken:     "A channel the caller can see has that name already.",
	CodeChannelNotFound:      "No such channel, or the caller is not a member.",
	CodeComplianceRequired:   "The operation needs a compliance officer (or the author).",
	CodeGroupTooLarge:        "A group conversation has more people than allowed.",
	CodeInvalidEmoji:         "A reaction is not one emoji or :shortcode:.",
	CodeLastChannelAdmin:     "The change would leave the channel without an admin.",
	CodeMessageChanged:       "Someone changed or removed the message since it was read; load it again.",
	CodeMessageDeleted:       "The message was deleted.",
	CodeMessageEmpty:         "A message without text or files.",
	CodeMessageNotFound:      "No such message in this channel.",
	CodeMessageTooLong:       "The message is longer than allowed.",
	CodeNotAuthor:            "Only the author may do this to a message.",
	CodeNotMember:            "The caller is not a member of the channel.",
	CodeReadReceiptsOff:      "The caller does not share read receipts and so sees none.",
	CodeSelfDestructDisabled: "Self-destructing messages are switched off on this server.",

	CodeDuplicateFile:      "A file is listed twice.",
	CodeEmptyFile:          "The uploaded file is empty.",
	CodeFileDeleted:        "The file was deleted.",
	CodeFileNotAttachable:  "The file does not exist, was deleted, or was uploaded by someone else.",
	CodeFileNotFound:       "No such file, or it is not shared with the caller.",
	CodeFileTooLarge:       "The file is larger than the upload limit.",
	CodeNameTooLong:        "The file name is too long.",
	CodeNoPreview:          "The file has no preview image (yet).",
	CodeNotAnImage:         "The upload is not a picture of an accepted type.",
	CodeNotAudio:           "A voice message that is not audio.",
	CodeNotFileOwner:       "Only the uploader or an admin may do this to a file.",
	CodeQuotaExceeded:      "The file does not fit into the person's storage quota.",
	CodeStorageUnavailable: "The file store cannot be reached; nothing was changed.",
	CodeTooManyFiles:       "A message carries more files than allowed.",
	CodeUploadExpired:      "The upload took longer than the server allows.",
	CodeUploadInterrupted:  "The upload ended before the end of the file; nothing was stored.",

	CodeBadQuery:       "A search query does not parse; the detail says where.",
	CodeReindexRunning: "The search index is being rebuilt already.",
	CodeUnknownChannel: "A search names a channel the caller has none of.",
	CodeUnknownUser:    "A search names a user who does not exist.",

	CodeCallsDisabled:     "Calls are switched off on this server.",
	CodeCallNotFound:      "No call is running in the channel (it ended, or none was started).",
	CodeCallFull:          "The call has as many participants as allowed.",
	CodeCallModerator:     "Only whoever started the call or a channel admin may do this to others.",
	CodeNotInCall:         "The caller, or the person named, is not in the call.",
	CodeBadSDP:            "A session description or ICE candidate the call server cannot use; nothing changed.",
	CodeScreenRequestGone: "The screen share request was answered already, withdrawn, or never made.",

	CodeSessionRequired:     "The operation needs a signed-in session; an API token cannot do it (make tokens, change the password).",
	CodeTokenScope:          "The API token lacks the scope (read, write, admin) the operation needs.",
	CodeTokenScopeNotHeld:   "A token was asked for with a scope its owner does not hold.",
	CodeTokenScopeUnknown:   "A token scope that is not read, write or admin.",
	CodeTokenTTLTooLong:     "A token lifetime longer than the server allows.",
	CodeMetricsForbidden:    "Metrics are for this machine or the metrics token only.",
	CodeImageTooLarge:       "The picture is larger (in pixels or decoded bytes) than allowed; nothing was decoded.",
	CodeUploadStalled:       "The upload sent nothing for longer than the idle timeout; nothing was stored.",
	CodeShuttingDown:        "The server is stopping; the request was not carried out, try again.",
	CodeRangeNotSatisfiable: "A Range header asks for bytes the file does not have.",
	CodePreconditionFailed:  "The file is not the version If-Match or If-Unmodified-Since names.",

	CodeRetentionOutsideLimits:  "A retention period is shorter or longer than the limits the admin set (or new limits would leave a policy outside them).",
	CodeRetentionPolicyNotFound: "No such retention policy.",
	CodeRetentionRunning:        "A retention run is already going on; try again when it is done.",
	CodeRetentionAsOfFuture:     "A retention run or dry run cannot look from a time later than now.",
}
