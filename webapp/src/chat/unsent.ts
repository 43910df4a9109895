// What a person has started but not sent, per conversation (a channel, or
// a thread as "channel/root"): the draft text and the files for the next
// message. Both survive moving between conversations; the text also
// survives a reload (kept in the browser per account). Both end with the
// person's chat (stopChat: sign-out, another person), so whoever signs in
// next on a shared computer does not find them.

import { createStore } from "../base/store";
import { readPref, writePref, type KeyValue } from "../platform/prefs";
import { sessionStore } from "../platform/session";
import type { FileMeta } from "./uploads";

/** Draft texts of the signed-in person, read from and written to the browser's storage. */
export class Drafts {
  private loadedFor: string | undefined;
  private texts = new Map<string, string>();

  constructor(
    private readonly who: () => string | undefined,
    private readonly storage?: KeyValue,
  ) {}

  private load(): Map<string, string> {
    const owner = this.who();
    if (owner && owner !== this.loadedFor) {
      this.loadedFor = owner;
      this.texts = new Map();
      try {
        const saved = JSON.parse(readPref(`drafts.${owner}`, this.storage) ?? "{}") as unknown;
        if (saved && typeof saved === "object") for (const [k, v] of Object.entries(saved)) if (typeof v === "string" && v) this.texts.set(k, v);
      } catch {
        // A damaged entry is no draft.
      }
    }
    return this.texts;
  }

  private save(): void {
    if (!this.loadedFor) return;
    writePref(`drafts.${this.loadedFor}`, this.texts.size ? JSON.stringify(Object.fromEntries(this.texts)) : null, this.storage);
  }

  get(convo: string): string | undefined {
    return this.load().get(convo);
  }

  set(convo: string, text: string): void {
    const texts = this.load();
    if (text) texts.set(convo, text);
    else texts.delete(convo);
    this.save();
  }

  delete(convo: string): void {
    if (this.load().delete(convo)) this.save();
  }

  /** Forgets every draft of the person whose drafts are loaded, in memory and in the browser. */
  clear(): void {
    if (this.loadedFor) writePref(`drafts.${this.loadedFor}`, null, this.storage);
    this.texts = new Map();
    this.loadedFor = undefined;
  }
}

export const drafts = new Drafts(() => {
  const s = sessionStore.get();
  return s.status === "signed-in" ? s.user.id : undefined;
});

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
