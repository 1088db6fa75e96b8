// Crew actions still on the device: waiting for the network (or a new sign-in), or refused by the server,
// in which case the crew reads what changed on the ticket before dismissing it.

import { formatDate, lang, t } from "../i18n.js";
import { icon } from "../icons.js";
import { esc } from "../util.js";
import { stateLabel } from "./tickets.js";

function what(item) { return t(`crew.action.${item.action}`, { ref: item.ref }); }

function reason(item) {
  if (item.lastError === "network") return t("error.network");
  if (item.lastError === "auth") return t("crew.wait.auth");
  if (item.lastError === "after") return t("crew.wait.after");
  return item.lastError || "";
}

function change(c) {
  const move = c.from_state && c.to_state && c.from_state !== c.to_state
    ? t("crew.change.move", { from: stateLabel(c.from_state), to: stateLabel(c.to_state) }) : c.action;
  return `<li>${esc(t("crew.change", { version: c.version, at: formatDate(c.at), move, role: c.role || "—" }))}${
    c.note ? ` — « ${esc(c.note)} »` : ""}</li>`;
}

/** What the server said, in the crew's language, and what changed on the ticket since they read it. */
function problemHtml(item) {
  const p = item.problem || {};
  if (p.code === "local.blocked") return `<p>${esc(t("crew.blocked"))}</p>`;
  const detail = p[`detail_${lang()}`] || p.detail || item.lastError;
  const title = p[`title_${lang()}`] || p.title || "";
  const changes = Array.isArray(p.changes) && p.changes.length
    ? `<p>${esc(t("crew.changes"))}</p><ul class="changes">${p.changes.map(change).join("")}</ul>` : "";
  const now = p.current_state ? `<p>${esc(t("crew.now", { state: stateLabel(p.current_state), version: p.current_version }))}</p>` : "";
  return `<p><strong>${esc(title)}</strong> ${esc(detail)}</p>${now}${changes}`;
}

function itemHtml(item) {
  if (item.status === "refused") {
    return `<li class="card notice error" tabindex="-1" data-key="${esc(item.key)}" data-focus="pending-${esc(item.key)}" data-status="refused" data-code="${esc(item.problem?.code || "")}">
      <div><p class="card-title">${icon("alert")} <strong>${esc(t("crew.refused.title", { what: what(item) }))}</strong></p>
      ${problemHtml(item)}
      <button type="button" class="button secondary" data-dismiss="${esc(item.key)}" data-focus="dismiss-${esc(item.key)}">
        ${esc(t("crew.dismiss"))}<span class="visually-hidden"> ${esc(what(item))}</span></button></div></li>`;
  }
  return `<li class="card" data-key="${esc(item.key)}" data-status="${esc(item.status)}">
    <p class="card-title"><span class="pill ${item.status === "sending" ? "sending" : "waiting"}">${icon("clock")}
      ${esc(t(`status.${item.status === "sending" ? "sending" : "waiting"}`))}</span> <strong>${esc(what(item))}</strong></p>
    <p class="meta">${esc(t("mine.saved", { date: formatDate(item.createdAt) }))}${item.attempts || item.lastError
      ? ` · ${esc(t("mine.attempts", { n: item.attempts, error: reason(item) || "—" }))}` : ""}</p>
    <button type="button" class="button link" data-discard="${esc(item.key)}" data-focus="discard-${esc(item.key)}">
      ${esc(t("mine.discard"))}<span class="visually-hidden"> ${esc(what(item))}</span></button></li>`;
}

/** The panel's HTML; empty when nothing waits and nothing was refused. */
export function pendingHtml(items) {
  const refused = items.filter((i) => i.status === "refused");
  const waiting = items.filter((i) => i.status !== "refused");
  return `${refused.length ? `<section aria-labelledby="crew-refused-title" id="crew-refused">
      <h2 id="crew-refused-title">${esc(t("crew.refused.list", { n: refused.length }))}</h2>
      <ul class="cards">${refused.map(itemHtml).join("")}</ul></section>` : ""}
    ${waiting.length ? `<section aria-labelledby="crew-waiting-title" id="crew-waiting">
      <h2 id="crew-waiting-title">${esc(t("crew.pending", { n: waiting.length }))}</h2>
      <ul class="cards">${waiting.map(itemHtml).join("")}</ul>
      <button type="button" class="button secondary" data-retry data-focus="retry">${esc(t("mine.retry"))}</button>
      </section>` : ""}`;
}
