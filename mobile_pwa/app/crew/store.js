// What crew mode keeps on the device (IndexedDB): who is signed in, their CSRF token, the last lists seen,
// each with the time it was fetched so an old copy is never shown as fresh. No DOM: the service worker uses it.

import { kvGet, kvSet } from "../db.js";

const ME = "crew.me";
const CSRF = "crew.csrf";
const NEARBY = "crew.nearby";
const ROUTE = "crew.route";
const POSITION = "crew.position";

export const me = () => kvGet(ME);
export const csrf = () => kvGet(CSRF);
export const nearby = () => kvGet(NEARBY);
export const route = () => kvGet(ROUTE);
export const position = () => kvGet(POSITION);

export async function signedIn(staff, token) {
  await kvSet(ME, staff);
  if (token !== undefined) await kvSet(CSRF, token);
}

export const setNearby = (value) => kvSet(NEARBY, value);
export const setRoute = (value) => kvSet(ROUTE, value);
export const setPosition = (value) => kvSet(POSITION, value);

/** Forget the account and its lists (the last position stays: it is the device's, not the account's). */
export async function forget() {
  for (const key of [ME, CSRF, NEARBY, ROUTE]) await kvSet(key, null);
}

/** After the server accepted an action: the kept list shows the ticket as the server now has it. */
export async function patchTicket(ticket) {
  const kept = await nearby();
  const who = await me();
  if (!kept?.tickets) return;
  kept.tickets = kept.tickets.map((t) => (t.id !== ticket.id ? t : {
    ...t, state: ticket.state, version: ticket.version, due_at: ticket.due_at,
    held_by_me: Boolean(who) && ticket.assignee_id === who.id,
  }));
  await setNearby(kept);
}
