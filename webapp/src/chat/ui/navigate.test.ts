import { expect, test } from "vitest";
import type { Channel } from "../unread";
import { nextConversation, sidebarOrder } from "./navigate";

function ch(id: string, kind: Channel["kind"], unread = 0, last = "2026-01-01T00:00:00Z"): Channel {
  return {
    id,
    kind,
    name: kind === "dm" ? "" : id,
    announcement: false,
    created_by: "x",
    created_at: "2026-01-01T00:00:00Z",
    last_message_at: last,
    last_seq: 10,
    member_count: 2,
    membership: { role: "member", last_read_seq: 10 - unread, unread_count: unread, mention_count: 0, notify: "all" },
  };
}

// Channels by name, then conversations newest first.
const order = sidebarOrder([ch("dm-old", "dm", 0, "2026-01-01T00:00:00Z"), ch("vertrieb", "public"), ch("zentrale", "public", 2), ch("allgemein", "public"), ch("dm-new", "dm", 1, "2026-02-01T00:00:00Z")]);

test("the sidebar's order: channels by name, then conversations newest first", () => {
  expect(order.map((c) => c.id)).toEqual(["allgemein", "vertrieb", "zentrale", "dm-new", "dm-old"]);
});

test.each([
  ["next", "allgemein", 1, false, "vertrieb"],
  ["previous", "vertrieb", -1, false, "allgemein"],
  ["no next after the last", "dm-old", 1, false, undefined],
  ["from elsewhere: the first", undefined, 1, false, "allgemein"],
  ["from elsewhere, up: the last", undefined, -1, false, "dm-old"],
  ["next unread skips read ones", "allgemein", 1, true, "zentrale"],
  ["next unread after that", "zentrale", 1, true, "dm-new"],
  ["next unread wraps around", "dm-new", 1, true, "zentrale"],
  ["previous unread wraps around", "allgemein", -1, true, "dm-new"],
] as const)("%s", (_name, current, dir, unread, want) => {
  expect(nextConversation(order, current, dir, unread)?.id).toBe(want);
});

test("no unread anywhere else: nowhere to go", () => {
  const calm = sidebarOrder([ch("a", "public"), ch("b", "public", 3)]);
  expect(nextConversation(calm, "b", 1, true)).toBeUndefined();
});
