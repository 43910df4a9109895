// Presence of people. The realtime gateway will fill this store from its
// presence events; until then everyone's presence is unknown and the
// dots stay neutral.

import { createStore, useStore } from "../base/store";

export type Presence = "online" | "away" | "dnd" | "offline" | "unknown";

export const presenceStore = createStore<ReadonlyMap<string, Presence>>(new Map());

export function usePresence(userId: string | undefined): Presence {
  const all = useStore(presenceStore);
  return (userId && all.get(userId)) || "unknown";
}
