// The conversations visited in this session, as they were last shown:
// a revisit shows them at once and refreshes behind it. Only the newest
// part of a conversation is kept (not a window around a linked message),
// for the last 30 conversations; sign-out forgets them all.

import type { Member } from "./runtime";
import type { MessageWindow } from "./window";

export interface Remembered {
  win: MessageWindow;
  members: readonly Member[];
  readPos: ReadonlyMap<string, number>;
}

const limit = 30;
const memory = new Map<string, Remembered>();

export function recall(channelId: string): Remembered | undefined {
  return memory.get(channelId);
}

export function remember(channelId: string, r: Remembered): void {
  memory.delete(channelId);
  memory.set(channelId, r);
  while (memory.size > limit) {
    const oldest = memory.keys().next().value;
    if (oldest === undefined) break;
    memory.delete(oldest);
  }
}

export function forgetConversations(): void {
  memory.clear();
}
