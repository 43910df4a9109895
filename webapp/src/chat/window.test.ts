import { describe, expect, test } from "vitest";
import { appendNewer, lastOwn, prependOlder, readersOf, remove, toggleReaction, upsert, windowFrom, type Message } from "./window";

function msg(seq: number, over: Partial<Message> = {}): Message {
  return { id: `m${seq}`, channel_id: "c", seq, user_id: "anna", text: `t${seq}`, reply_count: 0, version: 1, attachments: [], reactions: [], created_at: "2026-01-01T00:00:00Z", ...over };
}
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => msg(a + i));
const seqs = (w: { items: readonly Message[] }) => w.items.map((m) => m.seq);

describe("message window", () => {
  test("older pages go in front and shift the list index by what was added; a short page ends the history", () => {
    let w = windowFrom(range(51, 100), { hasOlder: true, hasNewer: false });
    const start = w.firstIndex;
    w = prependOlder(w, range(1, 50), 50);
    expect(seqs(w)).toEqual(range(1, 100).map((m) => m.seq));
    expect(w.firstIndex).toBe(start - 50);
    expect(w.hasOlder).toBe(true);
    w = prependOlder(w, [], 50);
    expect(w.hasOlder).toBe(false);
    expect(w.firstIndex).toBe(start - 50);
  });

  test("an overlapping page adds only what is missing", () => {
    let w = windowFrom(range(10, 20), { hasOlder: true, hasNewer: true });
    w = prependOlder(w, range(5, 12), 50);
    w = appendNewer(w, range(18, 25), 50);
    expect(seqs(w)).toEqual(range(5, 25).map((m) => m.seq));
    expect(new Set(w.items.map((m) => m.id)).size).toBe(w.items.length);
    expect(w.hasNewer).toBe(false);
  });

  test("a live message appends at the present, is stored once when it comes twice, and waits when the window is in the past", () => {
    let w = windowFrom(range(1, 3), { hasOlder: false, hasNewer: false });
    w = upsert(w, msg(4));
    w = upsert(w, msg(4));
    expect(seqs(w)).toEqual([1, 2, 3, 4]);
    const past = windowFrom(range(1, 3), { hasOlder: false, hasNewer: true });
    expect(upsert(past, msg(99))).toBe(past);
  });

  test("thread replies stay out of the channel list", () => {
    const w = windowFrom([msg(1), msg(2, { root_id: "m1" })], { hasOlder: false, hasNewer: false });
    expect(seqs(w)).toEqual([1]);
    expect(upsert(w, msg(3, { root_id: "m1" }))).toBe(w);
  });

  test("an edit replaces the message; a late older version does not undo it; receipts I had stay", () => {
    let w = windowFrom([msg(1, { read_count: 2 })], { hasOlder: false, hasNewer: false });
    w = upsert(w, msg(1, { text: "edited", version: 2 }));
    expect(w.items[0]).toMatchObject({ text: "edited", version: 2, read_count: 2 });
    w = upsert(w, msg(1, { text: "old", version: 1 }));
    expect(w.items[0]?.text).toBe("edited");
  });

  test("an out-of-order event lands in seq order", () => {
    let w = windowFrom([msg(1), msg(3)], { hasOlder: false, hasNewer: false });
    w = upsert(w, msg(2));
    expect(seqs(w)).toEqual([1, 2, 3]);
  });

  test("delete: gone, unless it starts a thread with replies (then a placeholder); expired is always gone", () => {
    let w = windowFrom([msg(1), msg(2, { reply_count: 2 }), msg(3, { reply_count: 1 })], { hasOlder: false, hasNewer: false });
    w = remove(w, "m1");
    w = remove(w, "m2");
    expect(seqs(w)).toEqual([2, 3]);
    expect(w.items[0]).toMatchObject({ deleted: true, text: "" });
    w = remove(w, "m3", true);
    expect(seqs(w)).toEqual([2]);
    expect(remove(w, "nope")).toBe(w);
  });

  test("toggling a reaction adds me, takes me back, and drops an emoji nobody keeps", () => {
    let rs = toggleReaction([], "👍", "me");
    expect(rs).toEqual([{ emoji: "👍", count: 1, user_ids: ["me"] }]);
    rs = toggleReaction([{ emoji: "👍", count: 1, user_ids: ["anna"] }], "👍", "me");
    expect(rs).toEqual([{ emoji: "👍", count: 2, user_ids: ["anna", "me"] }]);
    expect(toggleReaction(rs, "👍", "me")).toEqual([{ emoji: "👍", count: 1, user_ids: ["anna"] }]);
    expect(toggleReaction([{ emoji: "🎉", count: 1, user_ids: ["me"] }], "🎉", "me")).toEqual([]);
  });

  test("readers: everyone but the author whose read position reached the message", () => {
    const pos = new Map([
      ["anna", 10],
      ["bernd", 7],
      ["carla", 5],
    ]);
    expect(readersOf({ seq: 7, user_id: "anna" }, pos)).toEqual(["bernd"]);
    expect(readersOf({ seq: 5, user_id: "dora" }, pos)).toEqual(["anna", "bernd", "carla"]);
  });

  test("my newest message, skipping deleted ones", () => {
    const w = windowFrom([msg(1, { user_id: "me" }), msg(2), msg(3, { user_id: "me", reply_count: 1, deleted: true })], { hasOlder: false, hasNewer: false });
    expect(lastOwn(w, "me")?.seq).toBe(1);
  });
});
