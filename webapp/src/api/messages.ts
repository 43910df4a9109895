// Turns API errors into what a person reads, in their language. Every
// code the server sends has its own text; an error without a code (a
// proxy, a field that failed validation) shows the server's detail,
// which is written for people too (in English).

import type { I18n, MessageKey } from "../i18n";
import { ApiError, NetworkError, type ErrorCode } from "./errors";

/**
 * The text for each code. The compiler insists on every code of the
 * generated client (a new code on the server is a compile error here);
 * messages.test.ts checks each has its own text in every language.
 */
export const errorTexts: Record<ErrorCode, MessageKey> = {
  account_disabled: "error.account_disabled",
  address_not_text: "error.address_not_text",
  announcement_only: "error.announcement_only",
  bad_cursor: "error.bad_cursor",
  bad_frame: "error.bad_frame",
  bad_query: "error.bad_query",
  channel_admin_required: "error.channel_admin_required",
  channel_archived: "error.channel_archived",
  channel_name_taken: "error.channel_name_taken",
  channel_not_found: "error.channel_not_found",
  compliance_required: "error.compliance_required",
  csrf_failed: "error.csrf_failed",
  directory_ambiguous: "error.directory_ambiguous",
  directory_not_configured: "error.directory_not_configured",
  directory_unavailable: "error.directory_unavailable",
  duplicate_file: "error.duplicate_file",
  empty_file: "error.empty_file",
  file_deleted: "error.file_deleted",
  file_not_attachable: "error.file_not_attachable",
  file_not_found: "error.file_not_found",
  file_too_large: "error.file_too_large",
  group_too_large: "error.group_too_large",
  image_too_large: "error.image_too_large",
  internal: "error.unexpected",
  invalid_credentials: "error.invalid_credentials",
  invalid_emoji: "error.invalid_emoji",
  invalid_utf8: "error.invalid_utf8",
  invisible_character: "error.invisible_character",
  last_admin: "error.last_admin",
  last_channel_admin: "error.last_channel_admin",
  managed_by_directory: "error.managed_by_directory",
  message_deleted: "error.message_deleted",
  message_empty: "error.message_empty",
  message_not_found: "error.message_not_found",
  message_too_long: "error.message_too_long",
  metrics_forbidden: "error.metrics_forbidden",
  name_too_long: "error.name_too_long",
  no_preview: "error.no_preview",
  not_an_image: "error.not_an_image",
  not_audio: "error.not_audio",
  not_author: "error.not_author",
  not_file_owner: "error.not_file_owner",
  not_member: "error.not_member",
  password_empty: "error.password_empty",
  precondition_failed: "error.precondition_failed",
  quota_exceeded: "error.quota_exceeded",
  range_not_satisfiable: "error.range_not_satisfiable",
  rate_limited: "error.rate_limited",
  read_receipts_off: "error.read_receipts_off",
  reindex_running: "error.reindex_running",
  rejected: "error.rejected",
  reserved_name: "error.reserved_name",
  role_required: "error.role_required",
  self_destruct_disabled: "error.self_destruct_disabled",
  session_expired: "error.session_expired",
  session_required: "error.session_required",
  shutting_down: "error.shutting_down",
  storage_unavailable: "error.storage_unavailable",
  token_invalid: "error.session_expired",
  token_scope: "error.token_scope",
  token_scope_not_held: "error.token_scope_not_held",
  token_scope_unknown: "error.token_scope_unknown",
  token_ttl_too_long: "error.token_ttl_too_long",
  too_many_connections: "error.too_many_connections",
  too_many_files: "error.too_many_files",
  unauthenticated: "error.session_expired",
  unavailable: "error.unavailable",
  unknown_channel: "error.unknown_channel",
  unknown_user: "error.unknown_user",
  upload_expired: "error.upload_expired",
  upload_interrupted: "error.upload_interrupted",
  upload_stalled: "error.upload_stalled",
  user_not_found: "error.user_not_found",
  user_required: "error.user_required",
  username_taken: "error.username_taken",
  bad_time_range: "error.bad_time_range",
  hold_not_found: "error.hold_not_found",
  hold_released: "error.hold_released",
  saved_search_not_found: "error.saved_search_not_found",
  not_in_conversation: "error.not_in_conversation",
  retention_as_of_future: "error.retention_as_of_future",
  retention_outside_limits: "error.retention_outside_limits",
  retention_policy_not_found: "error.retention_policy_not_found",
  retention_running: "error.retention_running",
  message_changed: "error.message_changed",
  calendar_not_found: "error.calendar_not_found",
  event_not_found: "error.event_not_found",
  occurrence_not_found: "error.occurrence_not_found",
  event_write_forbidden: "error.event_write_forbidden",
  invalid_time_zone: "error.invalid_time_zone",
  invalid_time: "error.invalid_time",
  end_before_start: "error.end_before_start",
  invalid_recurrence: "error.invalid_recurrence",
  recurrence_too_large: "error.recurrence_too_large",
  window_too_large: "error.window_too_large",
  description_too_long: "error.description_too_long",
  invalid_calendar_data: "error.invalid_calendar_data",
  calendar_data_too_large: "error.calendar_data_too_large",
  feed_not_found: "error.feed_not_found",
  invalid_color: "error.invalid_color",
  invalid_link: "error.invalid_link",
  too_many_attendees: "error.too_many_attendees",
  calls_disabled: "error.calls_disabled",
  call_not_found: "error.call_not_found",
  call_full: "error.call_full",
  call_moderator_required: "error.call_moderator_required",
  not_in_call: "error.not_in_call",
  bad_sdp: "error.bad_sdp",
  screen_request_gone: "error.screen_request_gone",
  account_active: "error.account_active",
  account_erased: "error.account_erased",
  file_taken_down: "error.file_taken_down",
  track_not_found: "error.track_not_found",
};

export function errorMessage(err: unknown, i18n: Pick<I18n, "t" | "wait">): string {
  const { t } = i18n;
  if (err instanceof NetworkError) return t("error.network");
  if (!(err instanceof ApiError)) return t("error.unexpected");
  if (err.code === "rate_limited") {
    return err.retryAfter !== undefined ? t("error.rate_limited_wait", { wait: i18n.wait(err.retryAfter) }) : t("error.rate_limited");
  }
  if (err.status >= 500 && err.errorId) return t("error.internal", { id: err.errorId });
  const key = errorTexts[err.code as ErrorCode] as MessageKey | undefined;
  if (key) return t(key);
  if (err.status >= 500 && !err.detail) return t("error.unexpected");
  // The first field error is usually more specific than the summary.
  const field = err.fieldErrors[0]?.message;
  return field && err.detail.startsWith("validation failed") ? field : err.detail || t("error.unexpected");
}
