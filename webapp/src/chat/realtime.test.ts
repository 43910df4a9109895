import { describe, expect, test } from "vitest";
import { backoffDelay, heartbeatMs, heartbeatTimeoutMs, RealtimeClient, socketURL, type RealtimeStatus, type ServerFrame, type SocketLike } from "./realtime";

class FakeSocket implements SocketLike {
  sent: unknown[] = [];
  closedWith: number | undefined;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number) {
    this.closedWith = code;
  }
  // What the server does:
  frame(f: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  hello(cursor: number, resumed: boolean) {
    this.frame({ type: "hello", payload: { cursor, resumed, user_id: "u1", node: "n1" } });
  }
  event(cursor: number, type = "message.created", id = `m${cursor}`) {
    this.frame({ type, cursor, channel_id: "c1", payload: { id } });
  }
  serverClose(code: number) {
    this.onclose?.({ code, reason: "" });
  }
}

/** A client with a fake socket factory and a clock the test moves. */
function harness() {
  const sockets: FakeSocket[] = [];
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let now = 0;
  let nextId = 1;
  const events: ServerFrame[] = [];
  const ephemeral: ServerFrame[] = [];
  const ready: { fresh: boolean; cursor: number }[] = [];
  const statuses: RealtimeStatus[] = [];
  let ended = 0;
  const client = new RealtimeClient(
    {
      url: (cursor) => socketURL("http://kontor.test", cursor),
      socket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      setTimeout: (fn, ms) => {
        const id = nextId++;
        timers.push({ at: now + ms, fn, id });
        return id;
      },
      clearTimeout: (id) => {
        const i = timers.findIndex((t) => t.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
      random: () => 1,
    },
    {
      event: (f) => events.push(f),
      ephemeral: (f) => ephemeral.push(f),
      ready: (r) => ready.push(r),
      status: (s) => statuses.push(s),
      sessionEnded: () => ended++,
    },
  );
  const advance = (ms: number) => {
    now += ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > now) break;
      timers.shift();
      t.fn();
    }
  };
  const last = () => {
    const s = sockets[sockets.length - 1];
    if (!s) throw new Error("no socket yet");
    return s;
  };
  return { client, sockets, last, events, ephemeral, ready, statuses, advance, timers, ended: () => ended };
}

const ids = (fs: ServerFrame[]) => fs.map((f) => (f.payload as { id: string }).id);

describe("RealtimeClient", () => {
  test("first connection: no cursor, the hello's cursor is kept and the app loads its state", () => {
    const h = harness();
    h.client.start();
    expect(h.last().url).toBe("ws://kontor.test/api/v1/ws");
    expect(h.statuses).toEqual(["connecting"]);
    h.last().hello(41, false);
    expect(h.ready).toEqual([{ fresh: true, cursor: 41 }]);
    expect(h.statuses).toEqual(["connecting", "open"]);
    h.last().event(42);
    h.last().event(43);
    expect(ids(h.events)).toEqual(["m42", "m43"]);
    expect(h.client.cursor).toBe(43);
  });

  test("after a drop it resumes with the last cursor; replayed events it has are dropped, the missed ones arrive once", () => {
    const h = harness();
    h.client.start();
    h.last().hello(10, false);
    h.last().event(11);
    h.last().event(12);
    h.last().serverClose(1001); // server restart
    expect(h.statuses.at(-1)).toBe("reconnecting");

    // Backoff: the first retry within 0.5 s.
    h.advance(499);
    expect(h.sockets).toHaveLength(1);
    h.advance(1);
    expect(h.last().url).toBe("ws://kontor.test/api/v1/ws?cursor=12");
    h.last().hello(12, true);
    // The server replays from 12; an overlap (12 again) must not show twice.
    h.last().event(12);
    h.last().event(13);
    h.last().event(14);
    expect(ids(h.events)).toEqual(["m11", "m12", "m13", "m14"]);
    expect(h.ready.at(-1)).toEqual({ fresh: false, cursor: 12 });
    expect(h.client.cursor).toBe(14);
    expect(h.statuses.at(-1)).toBe("open");
  });

  test("a resync (cursor too old) takes the new cursor and asks for a reload", () => {
    const h = harness();
    h.client.start();
    h.last().hello(5, false);
    h.last().event(6);
    h.last().serverClose(1006);
    h.advance(500);
    h.last().frame({ type: "resync", payload: { cursor: 900, reason: "too old" } });
    expect(h.ready.at(-1)).toEqual({ fresh: true, cursor: 900 });
    h.last().event(901);
    expect(h.client.cursor).toBe(901);
  });

  test("failed attempts back off exponentially up to 30 s; a greeting resets it", () => {
    const h = harness();
    h.client.start();
    const gaps: number[] = [];
    for (let i = 0; i < 9; i++) {
      const before = h.sockets.length;
      h.last().serverClose(1006); // connection refused
      let waited = 0;
      while (h.sockets.length === before) {
        h.advance(100);
        waited += 100;
      }
      gaps.push(waited);
    }
    expect(gaps).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    h.last().hello(1, false);
    h.last().serverClose(1006);
    h.advance(500);
    expect(h.sockets).toHaveLength(11);
  });

  test("backoff is jittered into the upper half of the window", () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    expect(backoffDelay(40, () => 1)).toBe(30000);
  });

  test("session ended (4000): no reconnect, the app is told", () => {
    const h = harness();
    h.client.start();
    h.last().hello(1, false);
    h.last().serverClose(4000);
    h.advance(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.ended()).toBe(1);
    expect(h.statuses.at(-1)).toBe("stopped");
  });

  test("too slow (4008): reconnects with the cursor", () => {
    const h = harness();
    h.client.start();
    h.last().hello(1, false);
    h.last().event(2);
    h.last().serverClose(4008);
    h.advance(500);
    expect(h.last().url).toContain("cursor=2");
  });

  test("sticky frames are sent on every connection; plain frames only while connected", () => {
    const h = harness();
    h.client.start();
    expect(h.client.send({ type: "typing", channel_id: "c1" })).toBe(false);
    h.client.setSticky("sub", { type: "presence_sub", user_ids: ["a"] });
    h.last().hello(1, false);
    expect(h.last().sent).toEqual([{ type: "presence_sub", user_ids: ["a"] }]);
    h.client.setSticky("sub", { type: "presence_sub", user_ids: ["a", "b"] });
    expect(h.client.send({ type: "typing", channel_id: "c1" })).toBe(true);
    h.last().serverClose(1006);
    h.advance(500);
    h.last().hello(1, true);
    expect(h.last().sent).toEqual([{ type: "presence_sub", user_ids: ["a", "b"] }]);
  });

  test("ephemeral frames pass through without touching the cursor; junk is ignored", () => {
    const h = harness();
    h.client.start();
    h.last().hello(3, false);
    h.last().frame({ type: "typing", channel_id: "c1", payload: { user_id: "u2", expires_in_ms: 6000 } });
    h.last().onmessage?.({ data: "not json" });
    h.last().onmessage?.({ data: JSON.stringify({ nothing: true }) });
    expect(h.ephemeral.map((f) => f.type)).toEqual(["typing"]);
    expect(h.client.cursor).toBe(3);
  });

  test("reconnectNow skips the wait when the network is back; stop closes and stays closed", () => {
    const h = harness();
    h.client.start();
    h.last().hello(1, false);
    h.last().serverClose(1006);
    h.advance(500);
    h.last().serverClose(1006);
    expect(h.sockets).toHaveLength(2);
    h.client.reconnectNow();
    expect(h.sockets).toHaveLength(3);
    h.last().hello(1, true);
    h.client.stop();
    expect(h.last().closedWith).toBe(1000);
    h.advance(60_000);
    expect(h.sockets).toHaveLength(3);
    expect(h.statuses.at(-1)).toBe("stopped");
  });

  test("heartbeat: an answered ping keeps the connection; an unanswered one gives it up and resumes", () => {
    const h = harness();
    h.client.start();
    h.last().hello(7, false);
    h.advance(heartbeatMs);
    expect(h.last().sent).toEqual([{ type: "ping", id: "hb1" }]);
    h.last().frame({ type: "pong", payload: { id: "hb1" } });
    h.advance(heartbeatTimeoutMs + 1);
    expect(h.sockets).toHaveLength(1);

    // Silence after the next ping: the connection is dead though nothing closed it.
    h.advance(heartbeatMs);
    h.advance(heartbeatTimeoutMs);
    expect(h.sockets[0]?.closedWith).toBe(4001);
    expect(h.statuses.at(-1)).toBe("reconnecting");
    h.advance(500);
    expect(h.last().url).toContain("cursor=7");
  });

  test("events count as signs of life: no ping while they flow", () => {
    const h = harness();
    h.client.start();
    h.last().hello(1, false);
    for (let i = 2; i < 10; i++) {
      h.advance(heartbeatMs - 1000);
      h.last().event(i);
    }
    expect(h.last().sent).toEqual([]);
  });

  test("wss for https pages", () => {
    expect(socketURL("https://chat.example.com", 7)).toBe("wss://chat.example.com/api/v1/ws?cursor=7");
  });
});
