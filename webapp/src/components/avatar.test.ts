import { describe, expect, test } from "vitest";
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
