import { describe, expect, test } from "vitest";
import { ApiError, type ErrorCode, isSessionLost, NetworkError, parseRetryAfter, toApiError } from "./errors";

describe("toApiError", () => {
  test("keeps the problem's code, detail, field errors and error id", () => {
    const err = toApiError(422, new Headers(), {
      title: "Unprocessable Entity",
      status: 422,
      detail: "validation failed",
      code: "",
      errors: [{ location: "body.username", message: "expected length >= 1" }],
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.detail).toBe("validation failed");
    expect(err.field("body.username")).toBe("expected length >= 1");
    expect(err.field("body.email")).toBeUndefined();
  });

  test("reads Retry-After for rate limits", () => {
    const err = toApiError(429, new Headers({ "Retry-After": "300" }), { title: "Too Many Requests", status: 429, code: "rate_limited", detail: "too many failed sign-ins; try again in 5m0s" });
    expect(err.code).toBe("rate_limited");
    expect(err.retryAfter).toBe(300);
  });

  test("a proxy's text error page becomes a readable error", () => {
    const err = toApiError(502, new Headers(), "Bad Gateway");
    expect(err.status).toBe(502);
    expect(err.code).toBe("");
    expect(err.message).toBe("Bad Gateway");
  });

  test("a huge HTML page is not shown to people", () => {
    const err = toApiError(502, new Headers(), "<html>" + "x".repeat(1000));
    expect(err.message).toBe("HTTP 502");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  test.each([
    ["seconds", "30", 30],
    ["an HTTP date", "Thu, 01 Jan 2026 12:01:30 GMT", 90],
    ["a date in the past", "Thu, 01 Jan 2026 11:00:00 GMT", 0],
    ["missing", null, undefined],
    ["garbage", "soon", undefined],
  ])("%s", (_name, value, want) => {
    expect(parseRetryAfter(value, now)).toBe(want);
  });
});

describe("isSessionLost", () => {
  const e = (status: number, code: string) => new ApiError(status, { code: code as ErrorCode, detail: "x" });
  test.each([
    ["expired session", e(401, "session_expired"), true],
    ["revoked session", e(401, "token_invalid"), true],
    ["no session at all", e(401, "unauthenticated"), true],
    ["account disabled", e(403, "account_disabled"), true],
    ["401 without a code", e(401, ""), true],
    ["wrong password on sign-in", e(401, "invalid_credentials"), false],
    ["missing role", e(403, "role_required"), false],
    ["CSRF failure", e(403, "csrf_failed"), false],
    ["not found", e(404, "user_not_found"), false],
    ["network", new NetworkError(new TypeError("fetch failed")), false],
  ])("%s", (_name, err, want) => {
    expect(isSessionLost(err)).toBe(want);
  });
});
