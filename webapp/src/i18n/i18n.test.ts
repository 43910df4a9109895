import { describe, expect, test } from "vitest";
import { de } from "./de";
import { en, type MessageKey } from "./en";
import { formatWait, interpolate, pickLocale, resolveLocale, translate, translateIn } from "./index";
import { zh } from "./zh";

describe("pickLocale", () => {
  test.each([
    ["German from Austria", ["de-AT", "en"], "de"],
    ["Chinese after an unsupported language", ["fr-FR", "zh-CN"], "zh"],
    ["English when nothing fits", ["fr", "it"], "en"],
    ["English when the browser says nothing", [], "en"],
    ["case does not matter", ["DE-de"], "de"],
  ])("%s", (_name, langs, want) => {
    expect(pickLocale(langs)).toBe(want);
  });

  test("a chosen language wins over the browser's", () => {
    expect(resolveLocale("de", ["en-US"])).toBe("de");
    expect(resolveLocale("auto", ["zh-TW"])).toBe("zh");
  });
});

describe("translate", () => {
  test("uses the language's text", () => {
    expect(translate("de", "signin.submit")).toBe("Anmelden");
  });
  test("falls back to English where a language has no text", () => {
    // de and zh are complete, so a language being added stands in for them.
    const partial = { "signin.title": "Connexion à Kontor" };
    expect(translateIn(partial, "signin.title")).toBe("Connexion à Kontor");
    expect(translateIn(partial, "signin.submit")).toBe("Sign in");
    expect(translateIn(partial, "chat.replies", { count: 1 })).toBe("1 reply");
  });
  test("uses the language's plural text for one when it has no _one form", () => {
    const partial = { "chat.replies": "{count} réponse(s)" };
    expect(translateIn(partial, "chat.replies", { count: 1 })).toBe("1 réponse(s)");
  });
  test("Chinese counts without a separate form for one", () => {
    expect(translate("zh", "chat.replies", { count: 1 })).toBe("1 条回复");
    expect(translate("zh", "chat.replies", { count: 3 })).toBe("3 条回复");
  });
  test("fills placeholders", () => {
    expect(translate("en", "home.welcome", { name: "Jürgen" })).toBe("Welcome, Jürgen");
    expect(interpolate("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });
});

describe("catalogs", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  test.each([
    ["de", de],
    ["zh", zh],
  ])("%s keeps every placeholder and has no empty text", (_name, catalog: Partial<Record<MessageKey, string>>) => {
    for (const [key, text] of Object.entries(catalog) as [MessageKey, string][]) {
      expect(text.trim(), key).not.toBe("");
      expect(placeholders(text), key).toEqual(placeholders(en[key]));
    }
  });
  test.each([
    ["German", de],
    ["Chinese", zh],
  ])("%s translates every key", (_name, catalog: Partial<Record<MessageKey, string>>) => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(en).sort());
  });
});

describe("formatWait", () => {
  test.each([
    [0.2, "en", "1 second"],
    [42, "en", "42 seconds"],
    [60, "en", "1 minute"],
    [61, "en", "2 minutes"],
    [300, "de", "5 Minuten"],
    [7200, "en", "2 hours"],
  ] as const)("%s s in %s", (s, locale, want) => {
    expect(formatWait(s, locale)).toBe(want);
  });
});

test("German speaks with one voice: Sie, never du", () => {
  // Words of the familiar form, as whole words (not "Dubai", "dir" in "Direkt...").
  const du = /\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|hast|bist|kannst|willst|musst|sollst|darfst|gib|nimm|wähle|klicke|tippe|schau|such)\b/i;
  const familiar = Object.entries(de).filter(([, text]) => du.test(text.replace(/\{\w+\}/g, "")));
  expect(familiar).toEqual([]);
});
