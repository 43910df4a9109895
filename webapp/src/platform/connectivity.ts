// Whether Kontor can reach its server. Three sources feed it: the
// browser's online/offline events, the API client (a request that got no
// answer, or one that did), and later the realtime websocket, which calls
// the same report functions when it drops and when it is back.

import { createStore } from "../base/store";

export type Connectivity = "online" | "offline";

const store = createStore<Connectivity>(
  typeof navigator !== "undefined" && navigator.onLine === false ? "offline" : "online",
);

let retryTimer: ReturnType<typeof setTimeout> | undefined;
const probeListeners = new Set<() => void>();

export const connectivity = {
  store,
  reportServerReached(): void {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    store.set("online");
  },
  reportServerUnreachable(): void {
    store.set("offline");
  },
  /** Runs fn when the network may be back (browser "online" event). */
  onMaybeBack(fn: () => void): () => void {
    probeListeners.add(fn);
    return () => probeListeners.delete(fn);
  },
};

if (typeof window !== "undefined") {
  window.addEventListener("offline", () => store.set("offline"));
  window.addEventListener("online", () => {
    for (const fn of probeListeners) fn();
  });
}
