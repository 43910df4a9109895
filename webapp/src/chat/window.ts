// The part of a channel's history that is loaded: a contiguous run of
// top-level messages (replies live in their thread), oldest first, with
// whether older and newer ones exist beyond it. Scrolling up prepends a
// page, a jump to a linked message starts a new window around it, live
// messages append only when the window reaches the present.
//
// Messages are keyed by id: a message that arrives twice (an event and the
// REST page it raced with, a replay after reconnect) is stored once, the
// newer version winning.

import type { Schemas } from "../api/client";

export type Message = Schemas["Message"];
export type Reaction = Schemas["Reaction"];

export interface MessageWindow {
  items: readonly Message[];
  hasOlder: boolean;
  hasNewer: boolean;
  /**
   * The list index of items[0] for the virtual list: it goes down by the
   * number of messages prepended, so what is on screen stays where it is.
   */
  firstIndex: number;
}

export const pageSize = 50;
const startIndex = 1_000_000_000;

export function emptyWindow(): MessageWindow {
  return { items: [], hasOlder: false, hasNewer: false, firstIndex: startIndex };
}

function sortBySeq(ms: Message[]): Message[] {
  return ms.sort((a, b) => a.seq - b.seq);
}

/** A fresh window from one page: the newest (at the present) or around a message. */
export function windowFrom(page: readonly Message[], opts: { hasOlder: boolean; hasNewer: boolean }): MessageWindow {
  return { items: sortBySeq(dedupe(page)), hasOlder: opts.hasOlder, hasNewer: opts.hasNewer, firstIndex: startIndex };
}

function dedupe(ms: readonly Message[]): Message[] {
  const byId = new Map<string, Message>();
  for (const m of ms) if (!m.root_id) byId.set(m.id, m);
  return [...byId.values()];
}

/** Older messages (before=first seq) go in front; a short page means the beginning is reached. */
export function prependOlder(w: MessageWindow, page: readonly Message[], limit = pageSize): MessageWindow {
  const have = new Set(w.items.map((m) => m.id));
  const first = w.items[0]?.seq ?? Infinity;
  const fresh = sortBySeq(page.filter((m) => !m.root_id && !have.has(m.id) && m.seq < first));
  return { ...w, items: [...fresh, ...w.items], hasOlder: page.length >= limit, firstIndex: w.firstIndex - fresh.length };
}

/** Newer messages (after=last seq) go at the end; a short page means the present is reached. */
export function appendNewer(w: MessageWindow, page: readonly Message[], limit = pageSize): MessageWindow {
  const have = new Set(w.items.map((m) => m.id));
  const last = w.items[w.items.length - 1]?.seq ?? -Infinity;
  const fresh = sortBySeq(page.filter((m) => !m.root_id && !have.has(m.id) && m.seq > last));
  return { ...w, items: [...w.items, ...fresh], hasNewer: page.length >= limit };
}

/**
 * A message created or changed (message.created, message.updated, pinned,
 * or the answer to my own post). A new message past the end is added only
 * when the window reaches the present; otherwise "newer" loading brings it.
 */
export function upsert(w: MessageWindow, m: Message): MessageWindow {
  if (m.root_id) return w;
  const i = w.items.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    const old = w.items[i];
    // Never let an older version (a late event) replace a newer one.
    if (old && old.version > m.version) return w;
    const items = w.items.slice();
    items[i] = keepLocal(old, m);
    return { ...w, items };
  }
  const last = w.items[w.items.length - 1];
  if (w.hasNewer && (!last || m.seq > last.seq)) return w;
  const first = w.items[0];
  if (w.hasOlder && first && m.seq < first.seq) return w;
  const items = w.items.slice();
  let at = items.length;
  while (at > 0 && (items[at - 1]?.seq ?? 0) > m.seq) at--;
  items.splice(at, 0, m);
  return { ...w, items };
}

// Events carry the message without the per-reader receipt fields; keep the
// ones we had until the receipts say otherwise.
function keepLocal(old: Message | undefined, m: Message): Message {
  if (!old) return m;
  return { ...m, read: m.read ?? old.read, read_count: m.read_count ?? old.read_count };
}

/**
 * A message deleted or expired. A thread's first message stays as a
 * placeholder while it has replies (as the server keeps it); others go.
 */
export function remove(w: MessageWindow, id: string, expired = false): MessageWindow {
  const i = w.items.findIndex((x) => x.id === id);
  const m = w.items[i];
  if (!m) return w;
  const items = w.items.slice();
  if (m.reply_count > 0 && !expired) {
    items[i] = { ...m, deleted: true, text: "", attachments: [], reactions: [], mentions: [] };
  } else {
    items.splice(i, 1);
  }
  return { ...w, items };
}

/** Changes one message in place (reactions, thread counts, ...). */
export function patch(w: MessageWindow, id: string, fn: (m: Message) => Message): MessageWindow {
  const i = w.items.findIndex((x) => x.id === id);
  const m = w.items[i];
  if (!m) return w;
  const items = w.items.slice();
  items[i] = fn(m);
  return { ...w, items };
}

/** The reactions as they are after I toggled emoji (shown at once, the server's answer confirms). */
export function toggleReaction(reactions: readonly Reaction[], emoji: string, me: string): Reaction[] {
  const out = reactions.map((r) => ({ ...r, user_ids: [...(r.user_ids ?? [])] }));
  const r = out.find((x) => x.emoji === emoji);
  if (!r) return [...out, { emoji, count: 1, user_ids: [me] }];
  const ids = r.user_ids ?? [];
  if (ids.includes(me)) {
    r.user_ids = ids.filter((u) => u !== me);
    r.count = Math.max(0, r.count - 1);
  } else {
    r.user_ids = [...ids, me];
    r.count += 1;
  }
  return out.filter((x) => x.count > 0);
}

/**
 * Read receipts from the members' read positions (GET members, then
 * receipt.updated events): who other than the author has read up to m.
 */
export function readersOf(m: Pick<Message, "seq" | "user_id">, readPos: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const [user, pos] of readPos) if (user !== m.user_id && pos >= m.seq) out.push(user);
  return out;
}

/** My newest message in the window: where "read" / "seen by" is shown. */
export function lastOwn(w: MessageWindow, me: string): Message | undefined {
  for (let i = w.items.length - 1; i >= 0; i--) {
    const m = w.items[i];
    if (m && m.user_id === me && !m.deleted) return m;
  }
  return undefined;
}
