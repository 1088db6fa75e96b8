// The nearby tickets as a list, nearest first, with what the crew can do on each; actions still waiting on
// the device are shown on their ticket as they will be once sent.

import { formatDate, t } from "../i18n.js";
import { icon } from "../icons.js";
import { esc } from "../util.js";

const CLAIMABLE = ["triaged", "assigned", "scheduled", "reopened"];
const OPEN = [...CLAIMABLE, "in_progress"];
const AFTER = {
  claim: (x) => ({ ...x, state: "assigned", held_by_me: true }),
  start: (x) => ({ ...x, state: "in_progress" }),
  resolve: (x) => ({ ...x, state: "resolved" }),
  hand_back: (x) => ({ ...x, state: "triaged", held_by_me: false }),
};

export const number = (n) => new Intl.NumberFormat(document.documentElement.lang || "fr").format(n);
export const metres = (m) => t("crew.distance", { m: number(Math.round(m)) });

export function stateLabel(state) {
  const text = t(`state.${state}`);
  return text === `state.${state}` ? state : text;
}

/** The tickets as they will be once the waiting actions are sent; each carries its waiting actions. */
export function project(tickets, items) {
  const byId = new Map(tickets.map((x) => [x.id, { ...x, waiting: [] }]));
  for (const item of items) {
    const ticket = byId.get(item.ticketId);
    if (!ticket || item.status === "refused") continue;
    byId.set(item.ticketId, { ...AFTER[item.action](ticket), waiting: [...ticket.waiting, item] });
  }
  // A ticket resolved by the server leaves the list; one whose resolution still waits stays, marked so.
  return [...byId.values()].filter((x) => OPEN.includes(x.state) || x.waiting.length);
}

function moves(ticket) {
  if (ticket.state === "resolved") return [];
  if (!ticket.held_by_me) return CLAIMABLE.includes(ticket.state) ? ["claim"] : [];
  return ticket.state === "in_progress" ? ["resolve", "hand_back"] : ["start", "resolve", "hand_back"];
}

function when(ticket) {
  const age = ticket.age_days < 1 ? t("crew.age.today") : t("crew.age.days", { n: number(Math.floor(ticket.age_days)) });
  if (!ticket.due_at) return age;
  const late = new Date(ticket.due_at) < new Date();
  return `${age} · ${t("crew.due", { date: formatDate(ticket.due_at) })}${late ? ` · <strong class="late">${esc(t("crew.late"))}</strong>` : ""}`;
}

function card(ticket, categoryName) {
  const name = categoryName(ticket.category);
  const label = `${ticket.ref} ${name}`;
  const buttons = moves(ticket).map((move) => {
    const kind = move === "claim" || move === "start" ? "button primary" : "button secondary";
    const text = esc(t(`crew.${move}`));
    const hidden = `<span class="visually-hidden"> ${esc(label)}</span>`;
    if (move === "resolve" || move === "hand_back") {
      const path = move === "resolve" ? "resolve" : "hand-back";
      return `<a class="${kind}" href="#/crew/${path}/${ticket.id}" data-focus="${move}-${ticket.id}">${text}${hidden}</a>`;
    }
    return `<button type="button" class="${kind}" data-act="${move}" data-id="${ticket.id}"
      data-focus="${move}-${ticket.id}">${text}${hidden}</button>`;
  }).join("");
  const holder = ticket.held_by_me ? t("crew.held.me") : ticket.state === "in_progress" ? t("crew.held.other") : "";
  return `<li class="card ticket" id="crew-ticket-${ticket.id}" data-id="${ticket.id}" data-ref="${esc(ticket.ref)}"
      data-state="${esc(ticket.state)}" data-distance="${ticket.distance_m}" data-version="${ticket.version}">
    ${ticket.thumbnail ? `<img class="thumb" src="${esc(ticket.thumbnail)}" width="72" height="72" loading="lazy"
        alt="${esc(t("crew.thumb", { ref: ticket.ref }))}">` : ""}
    <h3 class="card-title" tabindex="-1" data-focus="card-${ticket.id}"><span class="distance">${esc(metres(ticket.distance_m))}</span>
      <span>${esc(name)}</span> <span class="ref-small">${esc(ticket.ref)}</span></h3>
    ${ticket.address ? `<p class="address">${esc(ticket.address)}</p>` : ""}
    <p class="meta">${when(ticket)}</p>
    <p>${esc(t("mine.state", { state: stateLabel(ticket.state) }))}${holder ? ` · ${esc(holder)}` : ""}</p>
    ${ticket.waiting.map((item) => `<p class="pill waiting">${icon("clock")} ${esc(t(`crew.waiting.${item.action}`))}</p>`).join("")}
    ${buttons ? `<div class="actions">${buttons}</div>` : ""}
  </li>`;
}

/** The list's HTML: `tickets` already projected and in distance order. */
export function listHtml(tickets, categoryName) {
  if (!tickets.length) return `<p id="crew-list-empty">${esc(t("crew.none"))}</p>`;
  return `<ol class="cards tickets" id="crew-list" aria-label="${esc(t("crew.list"))}">
    ${tickets.map((x) => card(x, categoryName)).join("")}</ol>`;
}
