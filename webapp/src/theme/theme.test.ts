import { describe, expect, test } from "vitest";
import { readPref, writePref, type KeyValue } from "../platform/prefs";
import { parseThemePref, resolveTheme } from "./theme";

describe("theme", () => {
  test.each([
    ["system, light OS", "system", false, "light"],
    ["system, dark OS", "system", true, "dark"],
    ["light wins over a dark OS", "light", true, "light"],
    ["dark wins over a light OS", "dark", false, "dark"],
  ] as const)("%s", (_name, pref, osDark, want) => {
    expect(resolveTheme(pref, osDark)).toBe(want);
  });

  test("unknown stored values mean system", () => {
    expect(parseThemePref("dark")).toBe("dark");
    expect(parseThemePref("purple")).toBe("system");
    expect(parseThemePref(null)).toBe("system");
  });
});

describe("preferences storage", () => {
  test("round trip, and removal", () => {
    const m = new Map<string, string>();
    const s: KeyValue = { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
    writePref("theme", "dark", s);
    expect(m.get("kontor.theme")).toBe("dark");
    expect(readPref("theme", s)).toBe("dark");
    writePref("theme", null, s);
    expect(readPref("theme", s)).toBeNull();
  });

  test("a storage that refuses (private mode, quota) is not an error", () => {
    const broken: KeyValue = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    };
    expect(() => writePref("theme", "dark", broken)).not.toThrow();
    expect(readPref("theme", broken)).toBeNull();
  });
});
