// When to send what waits on the device: now if online, and on Background Sync's wake-up otherwise.

import { flush, SYNC_TAG } from "./outbox.js";

export async function trySending() {
  if (!navigator.onLine) return null;
  try { return await flush(); } catch { return null; /* IndexedDB closing while the page unloads */ }
}

/** Ask the browser to wake the service worker when the network returns (Background Sync, where it exists). */
export async function requestSync(tag = SYNC_TAG) {
  try {
    const registration = await navigator.serviceWorker?.getRegistration("/");
    if (registration?.sync) await registration.sync.register(tag);
  } catch { /* not supported: the online event and the next open retry instead */ }
}
