// Crew actions (claim, start, resolve, hand back) wait in the device's outbox with their idempotency key and
// the ticket version they were based on, and leave when the network returns. A refusal (409 with what
// changed) stays in the outbox until the crew has read it. No DOM: the service worker sends them too.

import { Queue } from "../outbox.js";
import * as store from "./store.js";

export const CREW_SYNC_TAG = "rc-crew-outbox";
const PATHS = { claim: "claim", start: "start", resolve: "resolve", hand_back: "hand-back" };

function later(items, item) {
  return items.filter((i) => i.ticketId === item.ticketId && i.key !== item.key && i.createdAt >= item.createdAt);
}

async function request(item) {
  const url = `/api/v1/crews/me/tickets/${encodeURIComponent(item.ticketId)}/${PATHS[item.action]}`;
  // The token of the current sign-in, read at send time: a session renewed since the action still works.
  const headers = { "Idempotency-Key": item.key, "Accept-Language": item.lang, Accept: "application/json",
                    "X-CSRF-Token": (await store.csrf()) || "" };
  if (item.action === "resolve") {
    const form = new FormData();
    form.append("version", String(item.version));
    for (const [name, value] of Object.entries(item.fields || {})) {
      if (value !== null && value !== undefined && value !== "") form.append(name, String(value));
    }
    if (item.photo) form.append("photo", item.photo, "after.jpg");
    return { url, headers, body: form };
  }
  headers["Content-Type"] = "application/json";
  return { url, headers, body: JSON.stringify({ version: item.version, ...(item.fields || {}) }) };
}

function verdict(status, body) {
  if (status >= 200 && status < 300 && body) return "accepted";
  if (status === 401 || (status === 403 && body?.reason === "csrf")) return "auth";
  if (status >= 500 || [408, 425, 429].includes(status) || !body) return "retry";
  // 409 (the ticket changed, another crew holds it), 422, 403, 404: the crew must see it, never a silent retry.
  return "refused";
}

const crew = new Queue({
  store: "crew_outbox",
  lock: "rc-crew-outbox",
  request,
  verdict,
  async check(item) {
    const who = await store.me();
    if (!who || who.id !== item.staffId) return { hold: "auth" };
    if (item.version !== null && item.version !== undefined) return null;
    // Chained on an earlier action on the same ticket: wait for its answer, which gives the version.
    const earlier = (await crew.items()).some((i) => i.ticketId === item.ticketId && i.createdAt < item.createdAt);
    return earlier ? { hold: "after" } : { refuse: { code: "local.blocked" } };
  },
  async accepted(item, ticket) {
    const [next] = later(await crew.items(), item).filter((i) => i.status !== "refused" && i.version == null);
    if (next) await crew.save({ ...next, version: ticket.version });
    await store.patchTicket(ticket);
    await crew.discard(item.key);
  },
  async refused(item) {
    // What was planned after a refused action on the same ticket no longer stands on anything.
    for (const next of later(await crew.items(), item)) {
      if (next.chained && next.status !== "refused") {
        await crew.refuse(next, { code: "local.blocked", blocked_by: item.key, blocked_action: item.action });
      }
    }
  },
});

/** Queue an action on a ticket as the list showed it; after another queued action on it, chain on that one. */
export async function enqueueAction({ action, ticket, staffId, fields = {}, photo = null, lang = "fr" }) {
  const open = (await crew.items()).some((i) => i.ticketId === ticket.id && i.status !== "refused");
  return crew.add({ action, ticketId: ticket.id, ref: ticket.ref, category: ticket.category,
                    version: open ? null : ticket.version, chained: open, fields, photo, lang, staffId });
}

export const actions = () => crew.items();
export const action = (key) => crew.get(key);
export const discardAction = (key) => crew.discard(key);
export const flushCrew = () => crew.flush();
