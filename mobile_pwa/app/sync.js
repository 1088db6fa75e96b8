// When to send what waits on the device (residents' reports and crew actions): now if online, and on
// Background Sync's wake-up otherwise.

import { actions, flushCrew } from "./crew/queue.js";
import { flush, SYNC_TAG, waiting } from "./outbox.js";

export async function trySending() {
  if (!navigator.onLine) return null;
  try {
    const counts = await flush();
    await flushCrew();
    return counts;
  } catch { return null; /* IndexedDB closing while the page unloads */ }
}

/** Whether anything still waits for a chance to leave (refused items wait for a person, not the network). */
export async function anythingWaiting() {
  return [...await waiting(), ...await actions()].some((i) => i.status === "waiting");
}

/** Ask the browser to wake the service worker when the network returns (Background Sync, where it exists). */
export async function requestSync(tag = SYNC_TAG) {
  try {
    const registration = await navigator.serviceWorker?.getRegistration("/");
    if (registration?.sync) await registration.sync.register(tag);
  } catch { /* not supported: the online event and the next open retry instead */ }
}
