// Service worker registration and "a new version is ready" handling.

import { createStore } from "../base/store";

/** A new version is installed and waits; the banner offers to reload. */
export const updateReady = createStore<ServiceWorker | null>(null);

export function registerServiceWorker(navigate: (url: string) => void): void {
  if (!("serviceWorker" in navigator) || !import.meta.env.PROD) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker
      .register("/sw.js", { scope: "/" })
      .then((reg) => {
        const track = (w: ServiceWorker | null) => {
          w?.addEventListener("statechange", () => {
            if (w.state === "installed" && navigator.serviceWorker.controller) updateReady.set(w);
          });
        };
        if (reg.waiting && navigator.serviceWorker.controller) updateReady.set(reg.waiting);
        reg.addEventListener("updatefound", () => track(reg.installing));
      })
      .catch(() => {
        // Without a worker the app still works, just not offline.
      });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updateReady.get() && !reloading) {
      reloading = true;
      window.location.reload();
    }
  });
  // Notification clicks (see sw.ts) ask an open window to go somewhere.
  navigator.serviceWorker.addEventListener("message", (e: MessageEvent<unknown>) => {
    const d = e.data;
    if (typeof d === "object" && d && "type" in d && d.type === "navigate" && "url" in d && typeof d.url === "string") {
      navigate(d.url);
    }
  });
}

export function applyUpdate(): void {
  updateReady.get()?.postMessage("skip-waiting");
}
