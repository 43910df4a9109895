// Posting survives a lost answer: the same client id goes out again, and a
// problem answer is not retried.

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

type Actions = typeof import("./actions");

let bodies: { client_id?: string; text?: string }[];
let reply: (n: number) => Response;
let actions: Actions;

beforeEach(async () => {
  bodies = [];
  vi.stubGlobal("fetch", async (req: Request) => {
    bodies.push((await req.json()) as { client_id?: string });
    return reply(bodies.length);
  });
  vi.resetModules();
  actions = await import("./actions");
});

afterEach(() => vi.unstubAllGlobals());

const noWait = () => Promise.resolve();

describe("postMessage", () => {
  test("no answer twice, then the message: three tries under one client id", async () => {
    reply = (n) => {
      if (n < 3) throw new TypeError("Failed to fetch");
      return Response.json({ id: "m1", text: "Hallo" }, { status: 201 });
    };
    const m = await actions.postMessage("c1", { text: "Hallo" }, "id-1", 4, noWait);
    expect(m).toMatchObject({ id: "m1" });
    expect(bodies.map((b) => b.client_id)).toEqual(["id-1", "id-1", "id-1"]);
  });

  test("gives up after the last try and says the network failed", async () => {
    reply = () => {
      throw new TypeError("Failed to fetch");
    };
    const err = await actions.postMessage("c1", { text: "Hallo" }, "id-2", 3, noWait).catch((e: unknown) => e);
    expect((err as Error).name).toBe("NetworkError");
    expect(bodies).toHaveLength(3);
  });

  test("an answer that says the server is unavailable is tried again, under the same id", async () => {
    reply = (n) =>
      n === 1
        ? new Response("<html>502 Bad Gateway</html>", { status: 502, headers: { "Content-Type": "text/html" } })
        : n === 2
          ? new Response(JSON.stringify({ status: 503, code: "unavailable", detail: "database away" }), {
              status: 503,
              headers: { "Content-Type": "application/problem+json" },
            })
          : Response.json({ id: "m2", text: "Hallo" }, { status: 201 });
    const m = await actions.postMessage("c1", { text: "Hallo" }, "id-4", 4, noWait);
    expect(m).toMatchObject({ id: "m2" });
    expect(bodies.map((b) => b.client_id)).toEqual(["id-4", "id-4", "id-4"]);
  });

  test("a problem answer is final", async () => {
    reply = () =>
      new Response(JSON.stringify({ status: 422, code: "message_too_long", detail: "too long" }), {
        status: 422,
        headers: { "Content-Type": "application/problem+json" },
      });
    await expect(actions.postMessage("c1", { text: "x" }, "id-3", 4, noWait)).rejects.toMatchObject({ code: "message_too_long" });
    expect(bodies).toHaveLength(1);
  });

  test("each message gets its own id", () => {
    const a = actions.newClientId();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(actions.newClientId()).not.toBe(a);
  });
});
