// Where keyboard focus goes after chat actions, and the request to edit
// the last own message (↑ in an empty box), which the message in the
// list picks up.

import { createStore } from "../../base/store";

export type ComposerPlace = "main" | "thread";

const selectors: Record<ComposerPlace, string> = {
  main: ".chat-main .composer textarea",
  thread: ".thread-pane .composer textarea",
};

/** Puts focus into a composer (after the current render, when it may only just be there). */
export function focusComposer(place: ComposerPlace = "main"): void {
  requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>(selectors[place])?.focus());
}

/** A message to open for editing: its id, and in which list (the channel's or the thread's). */
export const editRequest = createStore<{ id: string; place: ComposerPlace } | undefined>(undefined);

/** The newest message of mine that can still be edited, newest last in items. */
export function lastEditable<M extends { id: string; user_id: string; deleted?: boolean }>(items: readonly M[], me: string): M | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const m = items[i];
    if (m && m.user_id === me && !m.deleted) return m;
  }
  return undefined;
}
