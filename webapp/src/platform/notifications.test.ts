import { expect, test } from "vitest";
import { shouldNotify } from "./notifications";

test.each([
  ["allowed, page in the background", "granted", false, false, true],
  ["page visible: the person sees it already", "granted", false, true, false],
  ["do not disturb", "granted", true, false, false],
  ["not allowed", "denied", false, false, false],
  ["not asked yet", "default", false, false, false],
  ["unsupported browser", "unsupported", false, false, false],
] as const)("shouldNotify: %s", (_name, permission, dnd, visible, want) => {
  expect(shouldNotify(permission, dnd, visible)).toBe(want);
});
