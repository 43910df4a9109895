// The client against a fake fetch: CSRF header on writes, typed errors,
// "session lost" and connectivity reports. The module is imported after
// fetch is replaced, because openapi-fetch binds fetch when it is created.

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

type Client = typeof import("./client");
type Connectivity = typeof import("../platform/connectivity");

let calls: Request[];
let reply: (req: Request) => Response | Promise<Response>;
let client: Client;
let conn: Connectivity;

beforeEach(async () => {
  calls = [];
  reply = () => Response.json({});
  vi.stubGlobal("fetch", async (req: Request) => {
    calls.push(req);
    return reply(req);
  });
  vi.resetModules();
  client = await import("./client");
  conn = await import("../platform/connectivity");
});

afterEach(() => vi.unstubAllGlobals());

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ title: "x", status, code, detail: `server says ${code}` }), {
    status,
    headers: { "Content-Type": "application/problem+json", ...headers },
  });

describe("the API client", () => {
  test("writes carry the CSRF token, reads do not", async () => {
    client.setCsrfToken("csrf-123");
    reply = (req) => (req.method === "GET" ? Response.json({ items: [] }) : new Response(null, { status: 204 }));
    await client.ok(client.api.GET("/api/v1/auth/tokens"));
    await client.ok(client.api.POST("/api/v1/auth/logout"));
    expect(calls.map((c) => [c.method, c.headers.get("X-CSRF-Token")])).toEqual([
      ["GET", null],
      ["POST", "csrf-123"],
    ]);
  });

  test("ok() returns the typed body", async () => {
    reply = () => Response.json({ items: [{ id: "1", username: "akoch" }], next: "akoch" });
    const page = await client.ok(client.api.GET("/api/v1/users", { params: { query: { q: "anna" } } }));
    expect(page.next).toBe("akoch");
    expect(new URL(calls[0]!.url).searchParams.get("q")).toBe("anna");
  });

  test("a problem becomes an ApiError with code and Retry-After", async () => {
    reply = () => problem(429, "rate_limited", { "Retry-After": "120" });
    const err = await client.ok(client.api.POST("/api/v1/auth/login", { body: { username: "a", password: "b" } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.ApiError);
    expect(err).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 120 });
  });

  test("a revoked session is reported once; a wrong password on sign-in is not", async () => {
    const lost: string[] = [];
    client.onSessionLost((e) => lost.push(e.code));
    reply = () => problem(401, "token_invalid");
    await client.ok(client.api.GET("/api/v1/users")).catch(() => undefined);
    reply = () => problem(401, "invalid_credentials");
    await client.ok(client.api.POST("/api/v1/auth/login", { body: { username: "a", password: "b" } })).catch(() => undefined);
    reply = () => problem(403, "role_required");
    await client.ok(client.api.GET("/api/v1/admin/users")).catch(() => undefined);
    expect(lost).toEqual(["token_invalid"]);
  });

  test("no answer is a NetworkError and marks the app offline until the server answers again", async () => {
    reply = () => {
      throw new TypeError("Failed to fetch");
    };
    const err = await client.ok(client.api.GET("/api/v1/users")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(client.NetworkError);
    expect(conn.connectivity.store.get()).toBe("offline");
    reply = () => Response.json({ items: [] });
    await client.ok(client.api.GET("/api/v1/users"));
    expect(conn.connectivity.store.get()).toBe("online");
  });

  test("cookieValue finds the CSRF cookie among others", () => {
    expect(client.cookieValue("a=1; kontor_csrf=abc%3D; b=2", "kontor_csrf")).toBe("abc=");
    expect(client.cookieValue("a=1", "kontor_csrf")).toBe("");
  });
});
