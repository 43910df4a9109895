// Errors the API client throws. The server answers every failure with an
// RFC 9457 problem carrying a stable `code`; ApiError keeps it so screens
// can react to the reason (account_disabled, rate_limited, ...) rather
// than to English text.

import type { components } from "./schema";

export type Problem = components["schemas"]["Problem"];
/** The closed list of codes the server sends (apperr.Codes on the server). */
export type ErrorCode = NonNullable<Problem["code"]>;

export class ApiError extends Error {
  readonly status: number;
  /** Stable reason from the server, e.g. "invalid_credentials"; "" when none was given. */
  readonly code: string;
  /** The server's explanation, in English. */
  readonly detail: string;
  /** Seconds to wait before trying again (Retry-After), when the server said. */
  readonly retryAfter: number | undefined;
  /** Which inputs were wrong, e.g. [{location: "body.username", message: "..."}]. */
  readonly fieldErrors: { location: string; message: string }[];
  /** For internal errors: the id to quote to an administrator. */
  readonly errorId: string;

  constructor(status: number, problem: Partial<Problem>, retryAfter?: number) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code ?? "";
    this.detail = problem.detail ?? problem.title ?? "";
    this.retryAfter = retryAfter;
    this.errorId = problem.error_id ?? "";
    this.fieldErrors = (problem.errors ?? []).map((e) => ({ location: e.location ?? "", message: e.message ?? "" }));
  }

  /** The message the server gave for one input, e.g. field("body.username"). */
  field(location: string): string | undefined {
    return this.fieldErrors.find((e) => e.location === location)?.message;
  }
}

/** The request never got an answer: no network, server down, or the request was aborted. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super("network error", { cause });
    this.name = "NetworkError";
  }
}

/** Parses Retry-After: seconds, or an HTTP date (relative to now). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Builds the ApiError for a failed response. body is what openapi-fetch
 * parsed: the problem object, or text when the answer was not JSON (a
 * proxy's error page, for instance).
 */
export function toApiError(status: number, headers: Headers, body: unknown): ApiError {
  const problem: Partial<Problem> =
    typeof body === "object" && body !== null
      ? (body as Partial<Problem>)
      : { title: typeof body === "string" && body.length < 300 && body.trim() ? body.trim() : `HTTP ${status}` };
  return new ApiError(status, problem, parseRetryAfter(headers.get("Retry-After")));
}

/** Codes that mean "this browser is no longer signed in". */
const sessionLostCodes = new Set(["session_expired", "token_invalid", "unauthenticated", "account_disabled"]);

/**
 * Whether err means the session is gone (expired, revoked, account
 * disabled), so the app should show the sign-in screen. A wrong password
 * on sign-in or in "change password" is not that.
 */
export function isSessionLost(err: unknown): err is ApiError {
  if (!(err instanceof ApiError)) return false;
  if (sessionLostCodes.has(err.code)) return true;
  return err.status === 401 && err.code === "";
}
