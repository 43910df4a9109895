// Unread bookkeeping for the sidebar: pure functions that apply events to
// channels as GET /channels returned them, so the badges stay right
// without asking the server after every message.
//
// The rule that keeps counts from doubling: a channel's last_seq says how
// far the REST state already counted. An event for a message at or below it
// (a replay after reconnect, or an event that raced the REST load) changes
// nothing; only newer messages count.

import type { Schemas } from "../api/client";

export type Channel = Schemas["Channel"];
export type Message = Schemas["Message"];
export type Membership = Schemas["Membership"];

export function isDirect(c: Pick<Channel, "kind">): boolean {
  return c.kind === "dm" || c.kind === "group";
}

/** Whether a message mentions this person (by name, or @channel / @all). */
export function mentionsMe(m: Pick<Message, "mentions" | "mention_all">, me: string): boolean {
  return m.mention_all === true || (m.mentions ?? []).includes(me);
}

/** A new message in the channel (message.created). */
export function applyMessageCreated(ch: Channel, m: Message, me: string): Channel {
  if (m.seq <= ch.last_seq) return ch;
  const next: Channel = { ...ch, last_seq: m.seq, last_message_at: m.created_at };
  const mem = ch.membership;
  if (!mem) return next;
  if (m.user_id === me) {
    // What I write I have read (the server moves my read position too).
    next.membership = { ...mem, last_read_seq: m.seq, unread_count: 0, mention_count: 0 };
    return next;
  }
  next.membership = {
    ...mem,
    // Replies are counted in their thread, not as channel messages.
    unread_count: mem.unread_count + (m.root_id ? 0 : 1),
    mention_count: mem.mention_count + (mentionsMe(m, me) ? 1 : 0),
  };
  return next;
}

/**
 * My read position moved (here, or read.updated from another tab).
 * Returns the channel and whether the counts are now unknown (read up to
 * the middle: the caller asks the server for exact counts).
 */
export function applyRead(ch: Channel, lastReadSeq: number): { channel: Channel; stale: boolean } {
  const mem = ch.membership;
  if (!mem) return { channel: ch, stale: false };
  if (lastReadSeq >= ch.last_seq) {
    if (mem.unread_count === 0 && mem.mention_count === 0 && mem.last_read_seq === lastReadSeq) return { channel: ch, stale: false };
    return { channel: { ...ch, membership: { ...mem, last_read_seq: lastReadSeq, unread_count: 0, mention_count: 0 } }, stale: false };
  }
  if (lastReadSeq === mem.last_read_seq) return { channel: ch, stale: false };
  return { channel: { ...ch, membership: { ...mem, last_read_seq: lastReadSeq } }, stale: true };
}

/** Channel fields from channel.updated / archived / unarchived; my own state stays. */
export function applyChannelUpdate(ch: Channel, update: Channel): Channel {
  return {
    ...ch,
    ...update,
    last_seq: Math.max(ch.last_seq, update.last_seq),
    member_count: update.member_count || ch.member_count,
    membership: ch.membership,
  };
}

/** Whether a channel shows as unread (bold) in the sidebar. */
export function isUnread(ch: Channel): boolean {
  const mem = ch.membership;
  return !!mem && (mem.unread_count > 0 || mem.mention_count > 0);
}

/**
 * What the badge on the installed app shows: unread direct messages and
 * mentions, like the desktop apps people know. Channels set to "nothing"
 * do not count.
 */
export function badgeCount(channels: Iterable<Channel>): number {
  let n = 0;
  for (const c of channels) {
    const mem = c.membership;
    if (!mem || mem.notify === "none") continue;
    n += isDirect(c) ? mem.unread_count : mem.mention_count;
  }
  return n;
}

/** The sidebar's two lists: channels by name, conversations newest first. */
export function sidebarLists(channels: Iterable<Channel>): { channels: Channel[]; direct: Channel[] } {
  const chans: Channel[] = [];
  const direct: Channel[] = [];
  for (const c of channels) (isDirect(c) ? direct : chans).push(c);
  const name = (c: Channel) => (c.display_name || c.name || "").toLocaleLowerCase();
  chans.sort((a, b) => name(a).localeCompare(name(b)));
  const last = (c: Channel) => c.last_message_at ?? c.created_at;
  direct.sort((a, b) => (last(a) < last(b) ? 1 : last(a) > last(b) ? -1 : 0));
  return { channels: chans, direct };
}

export interface NotifyContext {
  me: string;
  /** The channel the person is looking at, when the page is visible. */
  viewing: string | undefined;
}

/**
 * Whether a new message deserves a desktop notification: direct messages
 * and mentions, respecting the channel's setting (all, mentions, nothing).
 * Do not disturb, permission and page visibility are checked by notify().
 */
export function wantsNotification(m: Message, ch: Channel | undefined, ctx: NotifyContext): boolean {
  if (!ch?.membership || m.user_id === ctx.me || m.deleted) return false;
  if (ctx.viewing === ch.id) return false;
  const level = ch.membership.notify;
  if (level === "none") return false;
  if (level === "all") return true;
  return isDirect(ch) || mentionsMe(m, ctx.me);
}
