// Kontor's service worker: it keeps the app shell (index.html and the
// built files) in a cache so the installed app opens at once and still
// opens without a network, where the app then shows its offline state.
// API calls always go to the network; the app decides what to show when
// they fail.
//
// The build (vite.config.ts) replaces the two placeholders below with the
// list of files and a version derived from it.

declare const self: ServiceWorkerGlobalScope;
declare const __KONTOR_PRECACHE__: string[];
declare const __KONTOR_VERSION__: string;

const PRECACHE: string[] = __KONTOR_PRECACHE__;
const CACHE = `kontor-shell-${__KONTOR_VERSION__}`;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("kontor-shell-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

// The page asks a waiting worker to take over when the person clicks
// "reload" on the update banner.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") void self.skipWaiting();
});

function networkOnly(url: URL): boolean {
  return (
    url.origin !== self.location.origin ||
    url.pathname.startsWith("/api/") ||
    url.pathname === "/healthz" ||
    url.pathname === "/readyz" ||
    url.pathname === "/metrics"
  );
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (networkOnly(url)) return;
  if (req.mode === "navigate") {
    // Every client route is the same page: answer from the cache at once.
    event.respondWith(fromCache(SHELL).then((hit) => hit ?? fetch(req)));
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(fromCache(url.pathname).then((hit) => hit ?? fetch(req)));
  }
});

async function fromCache(path: string): Promise<Response | undefined> {
  const cache = await caches.open(CACHE);
  return cache.match(path);
}

// Desktop notifications (shown by the page through the registration)
// carry the URL to open; a click focuses an open Kontor window and takes
// it there, or opens one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data: unknown = event.notification.data;
  const target = typeof data === "object" && data && "url" in data && typeof data.url === "string" ? data.url : "/";
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const win = windows[0];
      if (win) {
        await win.focus();
        win.postMessage({ type: "navigate", url: target });
        return;
      }
      await self.clients.openWindow(target);
    })(),
  );
});

export {};
