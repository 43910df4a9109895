import { describe, expect, test } from "vitest";
import { sidebarLinks } from "./navigation";
import { findRoute } from "./routes";

describe("the compliance console", () => {
  test("every console page needs the compliance role, and so does its sidebar link", () => {
    const pages = ["/compliance", "/compliance/search", "/compliance/conversations/01abc", "/compliance/audit", "/compliance/retention", "/compliance/holds", "/compliance/journal"];
    for (const path of pages) {
      expect(findRoute(path)?.route.role, path).toBe("compliance");
    }
    const links = sidebarLinks.filter((l) => l.to.startsWith("/compliance"));
    expect(links.length).toBe(1);
    expect(links.every((l) => l.role === "compliance")).toBe(true);
  });
});
