import { describe, expect, test } from "vitest";
import { href, matchPath } from "./router";

describe("matchPath", () => {
  test.each([
    ["exact", "/people", "/people", {}],
    ["param", "/people/:user", "/people/jmueller", { user: "jmueller" }],
    ["encoded param", "/people/:user", "/people/j%C3%BCrgen", { user: "jürgen" }],
    ["dotted username", "/people/:user", "/people/j.mueller", { user: "j.mueller" }],
    ["trailing slash", "/people", "/people/", {}],
    ["too long", "/people", "/people/x", null],
    ["different", "/admin/users", "/admin/audit", null],
    ["bad encoding", "/people/:user", "/people/%E0%A4%A", null],
  ])("%s", (_name, pattern, path, want) => {
    expect(matchPath(pattern, path)).toEqual(want);
  });
});

test("href encodes params and drops empty query values", () => {
  expect(href("/people/:user", { user: "a b" })).toBe("/people/a%20b");
  expect(href("/people", {}, { q: "anna", department: "" })).toBe("/people?q=anna");
});
