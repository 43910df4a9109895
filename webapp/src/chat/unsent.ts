// What a person has started but not sent, per conversation (a channel, or
// a thread as "channel/root"): the draft text and the files for the next
// message. Both survive moving between conversations, not a reload, and
// both end with the person's chat (stopChat: sign-out, another person), so
// whoever signs in next on a shared computer does not find them.

import { createStore } from "../base/store";
import type { FileMeta } from "./uploads";

export const drafts = new Map<string, string>();

/** A file on its way to, or ready for, the next message. */
export interface PendingUpload {
  key: number;
  name: string;
  size: number;
  voice: boolean;
  progress: number;
  file?: FileMeta;
  error?: unknown;
  cancel: () => void;
}

export const noUploads: readonly PendingUpload[] = [];

export const pendingUploads = createStore<ReadonlyMap<string, readonly PendingUpload[]>>(new Map());

/** Changes one conversation's files. */
export function changeUploads(convo: string, fn: (prev: readonly PendingUpload[]) => readonly PendingUpload[]): void {
  pendingUploads.set((all) => {
    const next = new Map(all);
    const items = fn(all.get(convo) ?? noUploads);
    if (items.length === 0) next.delete(convo);
    else next.set(convo, items);
    return next;
  });
}

/** Forgets every draft and file, cancelling uploads still running. */
export function forgetUnsent(): void {
  drafts.clear();
  for (const items of pendingUploads.get().values()) for (const u of items) if (!u.file && !u.error) u.cancel();
  pendingUploads.set(new Map());
}
