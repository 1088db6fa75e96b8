// The outbox: a report is saved on the device first, then sent; it leaves the outbox only once the server
// has accepted it. Shared by the pages and the service worker (Background Sync), so it uses no DOM.

import { all, get, move, put, remove } from "./db.js";

export const REPORTS_URL = "/api/v1/reports";
export const SYNC_TAG = "rc-outbox";
const TIMEOUT_MS = 30000;
// Answers worth trying again later: the server or the network may do better next time.
const RETRYABLE = new Set([408, 409, 425, 429]);

function announce() {
  try { new BroadcastChannel("rc-outbox").postMessage({ type: "changed" }); } catch { /* old browser */ }
}

function newKey() {
  return (self.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

/** Save a report on the device; it keeps its idempotency key for every attempt. */
export async function enqueue({ fields, photo = null, lang = "fr" }) {
  const item = { key: newKey(), createdAt: new Date().toISOString(), status: "waiting", attempts: 0,
                 lastError: null, fields, photo, lang };
  await put("outbox", item);
  announce();
  return item;
}

export async function waiting() {
  return (await all("outbox")).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function sent() {
  return (await all("sent")).sort((a, b) => b.sentAt.localeCompare(a.sentAt));
}

export async function discard(key) {
  await remove("outbox", key);
  announce();
}

/** The request: multipart with the photo (the intake API's form); objects (contact) go as JSON text. */
export function buildRequest(item) {
  const headers = { "Idempotency-Key": item.key, "Accept-Language": item.lang, Accept: "application/json" };
  const form = new FormData();
  for (const [name, value] of Object.entries(item.fields)) {
    if (value === null || value === undefined || value === "") continue;
    form.append(name, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  if (item.photo) form.append("photos", item.photo, item.photoName || "photo.jpg");
  return { headers, body: form };
}

async function sendOne(item) {
  item.status = "sending";
  item.attempts += 1;
  await put("outbox", item);
  announce();
  let response;
  try {
    const { headers, body } = buildRequest(item);
    response = await fetch(REPORTS_URL, { method: "POST", headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    return keepWaiting(item, "network");
  }
  let body = null;
  try { body = await response.json(); } catch { /* an HTML error page from a proxy */ }
  if (response.ok && body) {
    const record = { key: item.key, sentAt: new Date().toISOString(), savedAt: item.createdAt,
                     hasPhoto: Boolean(item.photo), fields: { ...item.fields, contact: undefined }, report: body };
    await move("outbox", "sent", item.key, record);
    announce();
    return "sent";
  }
  if (response.status >= 500 || RETRYABLE.has(response.status) || !body) {
    return keepWaiting(item, `HTTP ${response.status}`);
  }
  item.status = "refused";
  item.lastError = body.detail || body.title || `HTTP ${response.status}`;
  item.problem = body;
  await put("outbox", item);
  announce();
  return "refused";
}

async function keepWaiting(item, error) {
  // The item may have been discarded by the resident while we were sending.
  if (!(await get("outbox", item.key))) return "gone";
  item.status = "waiting";
  item.lastError = error;
  await put("outbox", item);
  announce();
  return "waiting";
}

async function flushUnlocked() {
  const counts = { sent: 0, waiting: 0, refused: 0 };
  for (const item of await waiting()) {
    if (item.status === "refused") { counts.refused += 1; continue; }
    const outcome = await sendOne(item);
    if (outcome in counts) counts[outcome] += 1;
    // Offline: the next ones would fail the same way; they wait for the next chance.
    if (outcome === "waiting" && item.lastError === "network") {
      counts.waiting += (await waiting()).filter((i) => i.status === "waiting").length - 1;
      break;
    }
  }
  return counts;
}

/** Send everything waiting, one sender at a time across tabs and the service worker. */
export async function flush() {
  if (self.navigator && navigator.locks) return navigator.locks.request("rc-outbox", flushUnlocked);
  return flushUnlocked();
}
