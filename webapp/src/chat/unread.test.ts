import { describe, expect, test } from "vitest";
import { applyChannelUpdate, applyMessageCreated, applyRead, badgeCount, sidebarLists, wantsNotification, type Channel, type Message } from "./unread";

const me = "me";

function channel(over: Partial<Channel> = {}, mem: Partial<NonNullable<Channel["membership"]>> = {}): Channel {
  return {
    id: "c1",
    kind: "public",
    name: "general",
    announcement: false,
    created_by: "x",
    created_at: "2026-01-01T00:00:00Z",
    last_seq: 10,
    member_count: 3,
    membership: { role: "member", last_read_seq: 10, unread_count: 0, mention_count: 0, notify: "mentions", ...mem },
    ...over,
  };
}

function message(seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    channel_id: "c1",
    seq,
    user_id: "anna",
    text: "hi",
    reply_count: 0,
    version: 1,
    attachments: [],
    reactions: [],
    created_at: `2026-01-01T00:00:${String(seq).padStart(2, "0")}Z`,
    ...over,
  };
}

describe("unread bookkeeping", () => {
  test("a new message by someone else counts; a mention counts twice over", () => {
    let c = applyMessageCreated(channel(), message(11), me);
    c = applyMessageCreated(c, message(12, { mentions: [me] }), me);
    c = applyMessageCreated(c, message(13, { mention_all: true }), me);
    expect(c.membership).toMatchObject({ unread_count: 3, mention_count: 2 });
    expect(c.last_seq).toBe(13);
  });

  test("an event the REST state already counted (replay, race with the load) changes nothing", () => {
    const c = channel({ last_seq: 12 }, { unread_count: 2, last_read_seq: 10 });
    expect(applyMessageCreated(c, message(11), me)).toBe(c);
    expect(applyMessageCreated(c, message(12), me)).toBe(c);
    expect(applyMessageCreated(c, message(13), me).membership?.unread_count).toBe(3);
  });

  test("the same event twice counts once", () => {
    const m = message(11);
    const once = applyMessageCreated(channel(), m, me);
    expect(applyMessageCreated(once, m, me)).toBe(once);
  });

  test("thread replies do not count as unread channel messages, but mentions in them do", () => {
    const c = applyMessageCreated(channel(), message(11, { root_id: "m5", mentions: [me] }), me);
    expect(c.membership).toMatchObject({ unread_count: 0, mention_count: 1 });
  });

  test("my own message means I have read everything", () => {
    const c = applyMessageCreated(channel({}, { unread_count: 4, mention_count: 1, last_read_seq: 6 }), message(11, { user_id: me }), me);
    expect(c.membership).toMatchObject({ unread_count: 0, mention_count: 0, last_read_seq: 11 });
  });

  test("reading to the end clears the counts; reading to the middle asks for exact counts", () => {
    const c = channel({ last_seq: 14 }, { unread_count: 4, mention_count: 1, last_read_seq: 10 });
    expect(applyRead(c, 14)).toEqual({ channel: expect.objectContaining({ membership: expect.objectContaining({ unread_count: 0, mention_count: 0, last_read_seq: 14 }) }), stale: false });
    const mid = applyRead(c, 12);
    expect(mid.stale).toBe(true);
    expect(mid.channel.membership?.last_read_seq).toBe(12);
    expect(applyRead(c, 10)).toEqual({ channel: c, stale: false });
  });

  test("a channel update keeps my membership and never moves last_seq back", () => {
    const c = channel({ last_seq: 20 }, { unread_count: 2 });
    const upd = channel({ last_seq: 15, topic: "Neues Thema", membership: undefined });
    const got = applyChannelUpdate(c, upd);
    expect(got.topic).toBe("Neues Thema");
    expect(got.last_seq).toBe(20);
    expect(got.membership?.unread_count).toBe(2);
  });

  test("the app badge counts unread direct messages and mentions, not channel chatter or muted channels", () => {
    const cs = [
      channel({ id: "a" }, { unread_count: 9, mention_count: 1 }),
      channel({ id: "b", kind: "dm", name: "" }, { unread_count: 2, mention_count: 0 }),
      channel({ id: "c", kind: "group", name: "" }, { unread_count: 1 }),
      channel({ id: "d" }, { unread_count: 5, mention_count: 3, notify: "none" }),
    ];
    expect(badgeCount(cs)).toBe(4);
    expect(badgeCount([])).toBe(0);
  });

  test("sidebar: channels by name, conversations newest first", () => {
    const { channels, direct } = sidebarLists([
      channel({ id: "1", name: "zeta" }),
      channel({ id: "2", name: "alpha", display_name: "Alpha" }),
      channel({ id: "3", kind: "dm", name: "", last_message_at: "2026-01-02T00:00:00Z" }),
      channel({ id: "4", kind: "group", name: "", last_message_at: "2026-01-03T00:00:00Z" }),
      channel({ id: "5", kind: "dm", name: "" }),
    ]);
    expect(channels.map((c) => c.id)).toEqual(["2", "1"]);
    expect(direct.map((c) => c.id)).toEqual(["4", "3", "5"]);
  });
});

describe("desktop notifications", () => {
  const ctx = { me, viewing: undefined };
  test.each([
    ["a DM", channel({ kind: "dm" }), message(11), ctx, true],
    ["a mention in a channel", channel(), message(11, { mentions: [me] }), ctx, true],
    ["@channel", channel(), message(11, { mention_all: true }), ctx, true],
    ["channel chatter", channel(), message(11), ctx, false],
    ["channel set to all", channel({}, { notify: "all" }), message(11), ctx, true],
    ["a DM set to nothing", channel({ kind: "dm" }, { notify: "none" }), message(11), ctx, false],
    ["a mention in a channel set to nothing", channel({}, { notify: "none" }), message(11, { mentions: [me] }), ctx, false],
    ["my own message", channel({ kind: "dm" }), message(11, { user_id: me }), ctx, false],
    ["the channel I am looking at", channel({ kind: "dm" }), message(11), { me, viewing: "c1" }, false],
    ["a channel I left", channel({ kind: "dm", membership: undefined }), message(11), ctx, false],
  ] as const)("%s", (_name, ch, m, c, want) => {
    expect(wantsNotification(m, ch, c)).toBe(want);
  });
});
