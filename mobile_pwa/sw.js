// The service worker: keeps the app shell for offline use, and sends waiting reports and crew actions when
// Background Sync wakes it. API answers other than the category list are never kept: lists that can go stale
// (the crew's tickets) are kept by the app itself, with the time they were fetched, and shown as such.
// The platform fills in VERSION and SHELL when it serves this file (api/routers/pwa.py).

import { CREW_SYNC_TAG, flushCrew } from "/pwa/app/crew/queue.js";
import { flush, SYNC_TAG } from "/pwa/app/outbox.js";

const VERSION = "%%VERSION%%";
const SHELL = ["%%SHELL%%"];
const CACHE = `rc-shell-${VERSION}`;
const DATA_CACHE = "rc-data";
// Photo thumbnails are named by the hash of their content: a kept copy can never be stale.
const PHOTO_CACHE = "rc-photos";
const THUMB = /^\/photos\/[0-9a-f]{64}\/thumb\.jpg$/;
const PHOTO_CACHE_MAX = 300;
// API answers the app may show offline (the category list); everything else under /api goes to the network.
const KEEP_API = ["/api/v1/categories"];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("rc-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const kept = await cache.match(request);
    if (kept) return kept;
    throw err;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(PHOTO_CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
    const keys = await cache.keys();
    // The oldest first: keep the cache to what a shift's lists show.
    for (const old of keys.slice(0, Math.max(0, keys.length - PHOTO_CACHE_MAX))) await cache.delete(old);
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (KEEP_API.includes(url.pathname)) { event.respondWith(networkFirst(request)); return; }
  if (THUMB.test(url.pathname)) { event.respondWith(cacheFirst(request)); return; }
  if (request.mode === "navigate" && (url.pathname === "/" || url.pathname === "/my-reports")) {
    // The shell first: it opens at once on a weak connection; a new deploy brings a new worker.
    event.respondWith(caches.match("/", { cacheName: CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: CACHE }).then((hit) => hit || fetch(request)));
  }
});

const SENDERS = { [SYNC_TAG]: flush, [CREW_SYNC_TAG]: flushCrew };

self.addEventListener("sync", (event) => {
  const send = SENDERS[event.tag];
  if (!send) return;
  event.waitUntil(send().then((counts) => {
    // Failing the sync makes the browser try again later, with its own back-off.
    if (counts && counts.waiting > 0) throw new Error("still waiting");
  }));
});

self.addEventListener("message", (event) => {
  if (event.data === "flush") event.waitUntil(Promise.all([flush(), flushCrew()]));
});
