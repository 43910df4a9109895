import { describe, expect, test } from "vitest";
import { describeAgent } from "../screens/settings/Security";
import { avatarColors, avatarSrc, colorIndex, initials } from "./avatar";

describe("initials", () => {
  test.each([
    ["two names", "Jürgen Müller", "JM"],
    ["three names: first and last", "Anna Maria Koch", "AK"],
    ["one name", "admin", "A"],
    ["Chinese name: the family name", "王小明", "王"],
    ["extra spaces", "  Anna   Koch ", "AK"],
    ["empty", "", "?"],
    ["lowercase umlaut", "özlem yılmaz", "ÖY"],
  ])("%s", (_name, name, want) => {
    expect(initials(name)).toBe(want);
  });
});

test("a person keeps the same color, and every color slot exists", () => {
  expect(colorIndex("01abc")).toBe(colorIndex("01abc"));
  const seen = new Set(Array.from({ length: 200 }, (_, i) => colorIndex(`user-${i}`)));
  expect([...seen].every((c) => c >= 0 && c < avatarColors)).toBe(true);
  expect(seen.size).toBe(avatarColors);
});

test("avatar source: the profile's URL, the user endpoint, or none", () => {
  expect(avatarSrc({ id: "1", username: "a", display_name: "A", avatar_url: "/api/v1/users/1/avatar?v=2" })).toBe("/api/v1/users/1/avatar?v=2");
  expect(avatarSrc({ id: "1", username: "a", display_name: "A", has_avatar: true })).toBe("/api/v1/users/1/avatar");
  expect(avatarSrc({ id: "1", username: "a", display_name: "A", has_avatar: false })).toBeUndefined();
});

test.each([
  ["Chrome on Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", "Chrome · Linux"],
  ["Firefox on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox · Windows"],
  ["Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari · macOS"],
  ["a script", "curl/8.5.0", "curl/8.5.0"],
  ["nothing", "", "—"],
])("describeAgent: %s", (_name, ua, want) => {
  expect(describeAgent(ua)).toBe(want);
});
