// The outbox: a request is saved on the device first, then sent; it leaves the outbox only once the server
// has accepted it. One Queue per kind (residents' reports here, crew actions in crew/queue.js), each in its
// own IndexedDB store. Shared by the pages and the service worker (Background Sync), so it uses no DOM.

import { all, get, move, put, remove } from "./db.js";

export const REPORTS_URL = "/api/v1/reports";
export const SYNC_TAG = "rc-outbox";
const TIMEOUT_MS = 30000;
// Answers worth trying again later: the server or the network may do better next time.
const RETRYABLE = new Set([408, 409, 425, 429]);

/** Tell every tab (and the service worker) that an outbox changed. */
export function announce() {
  try { new BroadcastChannel("rc-outbox").postMessage({ type: "changed" }); } catch { /* old browser */ }
}

export function newKey() {
  return (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

/**
 * A queue of POSTs kept in one store until the server accepts them, sent in order by one sender at a time.
 *
 * `request(item)` gives {url, headers, body}; `verdict(status, body)` says "accepted", "retry", "auth"
 * (wait for a new sign-in) or "refused"; `accepted(item, body)` takes the item out of the store;
 * `check(item)` may hold an item ({hold: "auth"}) or refuse it ({refuse: problem}) before it is sent;
 * `refused(item)` runs after an item was refused.
 */
export class Queue {
  constructor({ store, lock, request, verdict, accepted, check = null, refused = null }) {
    Object.assign(this, { store, lock, request, verdict, accepted, check, refused });
  }

  /** Save a request on the device; it keeps its idempotency key (`key`) for every attempt. */
  async add(fields) {
    const item = { key: newKey(), createdAt: new Date().toISOString(), status: "waiting", attempts: 0,
                   lastError: null, ...fields };
    await put(this.store, item);
    announce();
    return item;
  }

  async items() {
    return (await all(this.store)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async get(key) { return get(this.store, key); }

  async save(item) {
    await put(this.store, item);
    announce();
  }

  async discard(key) {
    await remove(this.store, key);
    announce();
  }

  async refuse(item, problem, fallback = "refused") {
    item.status = "refused";
    item.lastError = problem?.detail || problem?.title || fallback;
    item.problem = problem;
    await this.save(item);
    if (this.refused) await this.refused(item);
    return "refused";
  }

  async keepWaiting(item, error) {
    // The item may have been discarded while we were sending.
    if (!(await get(this.store, item.key))) return "gone";
    item.status = "waiting";
    item.lastError = error;
    await this.save(item);
    return "waiting";
  }

  async sendOne(stale) {
    // Read again: an earlier item of this round may have changed it (a chained version, a refusal).
    const item = await get(this.store, stale.key);
    if (!item) return "gone";
    if (item.status === "refused") return "refused";
    const held = this.check ? await this.check(item) : null;
    if (held?.refuse) return this.refuse(item, held.refuse);
    if (held?.hold) return this.keepWaiting(item, held.hold);
    item.status = "sending";
    item.attempts += 1;
    await this.save(item);
    let response;
    try {
      const { url, headers, body } = await this.request(item);
      response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch {
      return this.keepWaiting(item, "network");
    }
    let body = null;
    try { body = await response.json(); } catch { /* an HTML error page from a proxy */ }
    const verdict = this.verdict(response.status, body);
    if (verdict === "accepted") {
      await this.accepted(item, body);
      announce();
      return "sent";
    }
    if (verdict === "auth") return this.keepWaiting(item, "auth");
    if (verdict === "retry") return this.keepWaiting(item, `HTTP ${response.status}`);
    return this.refuse(item, body || { status: response.status }, `HTTP ${response.status}`);
  }

  async flushUnlocked() {
    const counts = { sent: 0, waiting: 0, refused: 0 };
    for (const item of await this.items()) {
      const outcome = await this.sendOne(item);
      if (outcome in counts) counts[outcome] += 1;
      // Offline or signed out: the next ones would fail the same way; they wait for the next chance.
      if (outcome === "waiting") {
        const error = (await get(this.store, item.key))?.lastError;
        if (error === "network" || error === "auth") {
          counts.waiting += (await this.items()).filter((i) => i.status === "waiting").length - 1;
          break;
        }
      }
    }
    return counts;
  }

  /** Send everything waiting, one sender at a time across tabs and the service worker. */
  async flush() {
    if (self.navigator && navigator.locks) return navigator.locks.request(this.lock, () => this.flushUnlocked());
    return this.flushUnlocked();
  }
}

/** The report request: multipart with the photo (the intake API's form); objects (contact) go as JSON text. */
export function buildRequest(item) {
  const headers = { "Idempotency-Key": item.key, "Accept-Language": item.lang, Accept: "application/json" };
  const form = new FormData();
  for (const [name, value] of Object.entries(item.fields)) {
    if (value === null || value === undefined || value === "") continue;
    form.append(name, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  if (item.photo) form.append("photos", item.photo, item.photoName || "photo.jpg");
  return { url: REPORTS_URL, headers, body: form };
}

const reports = new Queue({
  store: "outbox",
  lock: "rc-outbox",
  request: buildRequest,
  verdict(status, body) {
    if (status >= 200 && status < 300 && body) return "accepted";
    return status >= 500 || RETRYABLE.has(status) || !body ? "retry" : "refused";
  },
  async accepted(item, body) {
    const record = { key: item.key, sentAt: new Date().toISOString(), savedAt: item.createdAt,
                     hasPhoto: Boolean(item.photo), fields: { ...item.fields, contact: undefined }, report: body };
    await move("outbox", "sent", item.key, record);
  },
});

/** Save a report on the device; it keeps its idempotency key for every attempt. */
export async function enqueue({ fields, photo = null, lang = "fr" }) {
  return reports.add({ fields, photo, lang });
}

export async function waiting() { return reports.items(); }

export async function sent() {
  return (await all("sent")).sort((a, b) => b.sentAt.localeCompare(a.sentAt));
}

export async function discard(key) { return reports.discard(key); }

export async function flush() { return reports.flush(); }
