import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { makeI18n, type MessageKey } from "../i18n";
import { de as deCatalog } from "../i18n/de";
import { en as enCatalog } from "../i18n/en";
import { zh as zhCatalog } from "../i18n/zh";
import { ApiError, type ErrorCode, NetworkError } from "./errors";
import { errorMessage, errorTexts } from "./messages";

const en = makeI18n("en");
const de = makeI18n("de");
const problem = (status: number, code: string, detail = "server text", extra: object = {}) => new ApiError(status, { code: code as ErrorCode, detail, ...extra });

describe("errorMessage", () => {
  test.each([
    ["wrong password", problem(401, "invalid_credentials"), "Wrong username or password."],
    ["disabled account", problem(403, "account_disabled"), "This account is disabled. Ask your administrator if you think this is a mistake."],
    ["directory down", problem(503, "directory_unavailable"), "The company directory cannot be reached right now, so company accounts cannot sign in or be synced. Please try again in a few minutes."],
    ["unknown code: the server's words", problem(409, "something_new", "the channel name is taken"), "the channel name is taken"],
    ["a code of the list: its own text", problem(409, "channel_name_taken", "a channel named x exists"), "A channel with this name exists already. Choose another name."],
    ["validation: the field's message", problem(422, "", "validation failed", { errors: [{ location: "body.username", message: "expected length >= 1" }] }), "expected length >= 1"],
    ["internal error: the id to quote", problem(500, "", "internal error", { error_id: "01abc" }), "Something went wrong on the server. If it keeps happening, give your administrator this error id: 01abc"],
    ["no answer at all", new NetworkError(new TypeError("Failed to fetch")), "Kontor cannot reach the server. Check your network connection; it will keep trying."],
    ["a bug in the app", new TypeError("x is undefined"), "Something went wrong. Please try again."],
  ])("%s", (_name, err, want) => {
    expect(errorMessage(err, en)).toBe(want);
  });

  test("rate limits say how long to wait, in the person's language", () => {
    const err = new ApiError(429, { code: "rate_limited", detail: "too many failed sign-ins; try again in 5m0s" }, 300);
    expect(errorMessage(err, en)).toBe("Too many attempts. Try again in 5 minutes.");
    expect(errorMessage(err, de)).toBe("Zu viele Versuche. Versuchen Sie es in 5 Minuten noch einmal.");
    const short = new ApiError(429, { code: "rate_limited" }, 42);
    expect(errorMessage(short, en)).toBe("Too many attempts. Try again in 42 seconds.");
    expect(errorMessage(new ApiError(429, { code: "rate_limited" }), en)).toBe("Too many attempts. Please wait a moment and try again.");
  });

  test("known codes are translated", () => {
    expect(errorMessage(problem(401, "invalid_credentials"), de)).toBe("Benutzername oder Passwort ist falsch.");
  });
});

describe("every error code has a text in every language", () => {
  // The closed list the server publishes (docs/openapi.json, from apperr.Codes).
  const doc = JSON.parse(readFileSync(resolve(__dirname, "../../../docs/openapi.json"), "utf8")) as {
    components: { schemas: { Problem: { properties: { code: { enum: string[] } } } } };
  };
  const codes = doc.components.schemas.Problem.properties.code.enum;

  test("the list is there", () => {
    expect(codes.length).toBeGreaterThan(50);
  });

  test.each(codes)("%s", (code) => {
    const key = (errorTexts as Record<string, MessageKey | undefined>)[code];
    expect(key, `${code} has no entry in errorTexts (src/api/messages.ts)`).toBeDefined();
    if (!key) return;
    for (const [lang, catalog] of Object.entries({ en: enCatalog, de: deCatalog, zh: zhCatalog })) {
      expect(catalog[key]?.trim(), `${code}: no ${lang} text for ${key}`).toBeTruthy();
    }
    expect(deCatalog[key], `${code}: German is English`).not.toBe(enCatalog[key]);
    expect(zhCatalog[key], `${code}: Chinese is English`).not.toBe(enCatalog[key]);
    // What a person reads is that text, not the server's English detail.
    expect(errorMessage(problem(400, code, "server text"), de)).toBe(deCatalog[key]);
  });
});
