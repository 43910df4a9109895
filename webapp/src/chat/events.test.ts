import { describe, expect, test } from "vitest";
import { applyEvent, channelOf, type ChatEvent, type MessageList } from "./events";
import { patch, remove, upsert, windowFrom, type Message, type MessageWindow } from "./window";

function msg(seq: number, over: Partial<Message> = {}): Message {
  return { id: `m${seq}`, channel_id: "c", seq, user_id: "anna", text: `t${seq}`, reply_count: 0, version: 1, attachments: [], reactions: [], created_at: "2026-01-01T00:00:00Z", ...over };
}
const list: MessageList<MessageWindow> = { upsert, remove, patch };
const at = "2026-01-01T00:00:01Z";
const start = () => windowFrom([msg(1), msg(2, { attachments: [{ id: "f1", name: "a.png", content_type: "image/png", size: 3, sha256: "x" }] })], { hasOlder: false, hasNewer: false });

describe("applyEvent", () => {
  test("message events add, change and remove messages", () => {
    let w = start();
    w = applyEvent(w, { type: "message.created", cursor: 1, at, channel_id: "c", payload: msg(3) }, list);
    w = applyEvent(w, { type: "message.updated", cursor: 2, at, channel_id: "c", payload: msg(1, { text: "edited", version: 2 }) }, list);
    w = applyEvent(w, { type: "message.deleted", cursor: 3, at, channel_id: "c", payload: { id: "m2", channel_id: "c", root_id: "", seq: 2, user_id: "anna" } }, list);
    expect(w.items.map((m) => [m.id, m.text])).toEqual([
      ["m1", "edited"],
      ["m3", "t3"],
    ]);
  });

  test("reactions, thread counts and a finished preview change the message in place", () => {
    let w = start();
    w = applyEvent(w, { type: "reaction.changed", cursor: 1, at, channel_id: "c", payload: { message_id: "m1", channel_id: "c", reactions: [{ emoji: "👍", count: 1, user_ids: ["bo"] }] } }, list);
    w = applyEvent(w, { type: "thread.updated", cursor: 2, at, channel_id: "c", payload: { root_id: "m1", channel_id: "c", reply_count: 4, last_reply_at: at } }, list);
    const file = { id: "f1", name: "a.png", content_type: "image/png", size: 3, sha256: "x", width: 40, height: 30, duration_ms: 0, voice: false, thumbnail_url: "/t", preview_url: "/p", url: "/u" };
    w = applyEvent(w, { type: "file.updated", cursor: 3, at, channel_id: "c", payload: { file, message_ids: ["m2"] } }, list);
    expect(w.items[0]?.reactions).toEqual([{ emoji: "👍", count: 1, user_ids: ["bo"] }]);
    expect([w.items[0]?.reply_count, w.items[0]?.last_reply_at]).toEqual([4, at]);
    expect(w.items[1]?.attachments?.[0]?.thumbnail_url).toBe("/t");
  });

  test("a message taken down by moderation stays as a placeholder without its text or files", () => {
    let w = start();
    w = applyEvent(w, { type: "message.moderated", cursor: 1, at, channel_id: "c", payload: { id: "m2", channel_id: "c", root_id: "", seq: 2, user_id: "anna" } }, list);
    const m2 = w.items.find((m) => m.id === "m2");
    expect([w.items.length, m2?.moderated, m2?.text, m2?.attachments]).toEqual([2, true, "", []]);
  });

  test("events that change no message leave the list itself", () => {
    const w = start();
    const ev: ChatEvent = { type: "member.added", cursor: 1, at, channel_id: "c", payload: { channel_id: "c", user_id: "bo" } };
    expect(applyEvent(w, ev, list)).toBe(w);
  });

  test("an event addressed to one person names its channel in the payload", () => {
    expect(channelOf({ type: "read.updated", cursor: 1, at, payload: { channel_id: "c7", last_read_seq: 3 } })).toBe("c7");
    expect(channelOf({ type: "file.updated", cursor: 1, at, payload: { file: { id: "f", name: "", content_type: "", size: 0, sha256: "", width: 0, height: 0, duration_ms: 0, voice: false, thumbnail_url: "", preview_url: "", url: "" }, message_ids: [] } })).toBe("");
  });
});
