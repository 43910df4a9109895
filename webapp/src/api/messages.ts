// Turns API errors into what a person reads, in their language. Known
// codes have their own text; anything else shows the server's detail,
// which is written for people too (in English).

import type { I18n, MessageKey } from "../i18n";
import { ApiError, NetworkError } from "./errors";

const byCode: Record<string, MessageKey> = {
  invalid_credentials: "error.invalid_credentials",
  account_disabled: "error.account_disabled",
  directory_unavailable: "error.directory_unavailable",
  directory_ambiguous: "error.directory_ambiguous",
  password_empty: "error.password_empty",
  session_expired: "error.session_expired",
  token_invalid: "error.session_expired",
  unauthenticated: "error.session_expired",
  csrf_failed: "error.csrf_failed",
  role_required: "error.role_required",
  managed_by_directory: "error.managed_by_directory",
  username_taken: "error.username_taken",
  last_admin: "error.last_admin",
  user_not_found: "error.user_not_found",
  directory_not_configured: "error.directory_not_configured",
};

export function errorMessage(err: unknown, i18n: Pick<I18n, "t" | "wait">): string {
  const { t } = i18n;
  if (err instanceof NetworkError) return t("error.network");
  if (!(err instanceof ApiError)) return t("error.unexpected");
  if (err.code === "rate_limited") {
    return err.retryAfter !== undefined ? t("error.rate_limited_wait", { wait: i18n.wait(err.retryAfter) }) : t("error.rate_limited");
  }
  const key = byCode[err.code];
  if (key) return t(key);
  if (err.status >= 500 && err.errorId) return t("error.internal", { id: err.errorId });
  if (err.status >= 500 && !err.detail) return t("error.unexpected");
  // The first field error is usually more specific than the summary.
  const field = err.fieldErrors[0]?.message;
  return field && err.detail.startsWith("validation failed") ? field : err.detail || t("error.unexpected");
}
