// Moving between conversations by keyboard: Alt+↑/↓ goes to the previous
// or next one in the sidebar's order, Alt+Shift+↑/↓ to the previous or
// next one with unread messages.

import { isUnread, sidebarLists, type Channel } from "../unread";

/** The sidebar's order: channels, then direct conversations. */
export function sidebarOrder(all: Iterable<Channel>): Channel[] {
  const { channels, direct } = sidebarLists(all);
  return [...channels, ...direct];
}

/**
 * The conversation to go to from current (undefined: not in a
 * conversation) in direction dir; unreadOnly skips those without unread
 * messages and wraps around. undefined when there is none.
 */
export function nextConversation(order: readonly Channel[], current: string | undefined, dir: 1 | -1, unreadOnly: boolean): Channel | undefined {
  const n = order.length;
  if (n === 0) return undefined;
  const at = order.findIndex((c) => c.id === current);
  if (!unreadOnly) {
    if (at < 0) return dir === 1 ? order[0] : order[n - 1];
    return order[at + dir];
  }
  const start = at < 0 ? (dir === 1 ? -1 : n) : at;
  for (let step = 1; step <= n; step++) {
    const c = order[(((start + dir * step) % n) + n) % n];
    if (c && c.id !== current && isUnread(c)) return c;
  }
  return undefined;
}
