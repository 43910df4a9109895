import { describe, expect, test } from "vitest";
import { findRoute } from "./routes";

describe("routes", () => {
  test("each screen has its address; admin screens need the admin role", () => {
    expect(findRoute("/")?.route.title).toBe("nav.home");
    expect(findRoute("/people/akoch")?.params).toEqual({ user: "akoch" });
    expect(findRoute("/admin/users/01abc")?.route.role).toBe("admin");
    expect(findRoute("/admin/audit")?.route.role).toBe("admin");
    expect(findRoute("/nowhere")).toBeUndefined();
  });
});
