// My reports: what waits on this device, what this device sent (with its state now), and, after the
// emailed magic link, every report of the resident from the server.

import { api } from "../api.js";
import { kvGet, put } from "../db.js";
import { formatDate, lang, t } from "../i18n.js";
import { icon } from "../icons.js";
import { discard, sent, waiting } from "../outbox.js";
import { trySending } from "../sync.js";
import { $, $$, announce, esc } from "../util.js";
import * as resident from "../resident.js";

let categoryNames = {};

function catName(code) { return categoryNames[code] || code; }

function stateLabel(state) {
  const key = `state.${state}`;
  const text = t(key);
  return text === key ? state : text;
}

function waitingItem(item) {
  const f = item.fields;
  const status = item.status === "refused" ? "refused" : item.status === "sending" ? "sending" : "waiting";
  const error = item.lastError === "network" ? t("error.network") : item.lastError;
  return `<li class="card" data-key="${esc(item.key)}" data-status="${status}">
    <p class="card-title"><span class="pill ${status}">${icon(status === "refused" ? "alert" : "clock")}
      ${esc(t(`status.${status}`))}</span> <strong>${esc(catName(f.category))}</strong></p>
    ${f.description ? `<p>${esc(f.description)}</p>` : ""}
    <p class="meta">${esc(t("mine.saved", { date: formatDate(item.createdAt) }))}${item.photo ? ` · ${esc(t("mine.photo"))}` : ""}</p>
    ${status === "refused" ? `<p class="notice error">${esc(t("mine.refused", { detail: item.lastError }))}</p>`
      : item.attempts ? `<p class="meta">${esc(t("mine.attempts", { n: item.attempts, error: error || "—" }))}</p>` : ""}
    <div class="actions">
      ${status === "waiting" ? `<button type="button" class="button secondary" data-retry>${esc(t("mine.retry"))}</button>` : ""}
      <button type="button" class="button link" data-discard="${esc(item.key)}">${esc(t("mine.discard"))}
        <span class="visually-hidden">${esc(catName(f.category))}</span></button>
    </div></li>`;
}

function reportItem(r, extra = "") {
  return `<li class="card" data-ref="${esc(r.ref)}">
    <p class="card-title"><span class="pill sent">${icon("check")} ${esc(t("status.sent"))}</span>
      <strong>${esc(r.ref)}</strong> · ${esc(catName(r.category))}</p>
    ${r.description ? `<p>${esc(r.description)}</p>` : ""}
    <p class="meta">${esc(r.commune_name || "")}</p>
    <p>${esc(t("mine.state", { state: stateLabel(r.state) }))}${r.due_at ? ` · ${esc(t("mine.due", { date: formatDate(r.due_at) }))}` : ""}</p>
    <p class="meta">${esc(t("mine.created", { date: formatDate(r.created_at) }))}${extra}</p></li>`;
}

async function refreshStates(records) {
  if (!navigator.onLine) return false;
  let changed = false;
  await Promise.all(records.slice(0, 30).map(async (record) => {
    try {
      const fresh = await api(`/api/v1/reports/${encodeURIComponent(record.report.ref)}`);
      if (fresh.state !== record.report.state || fresh.due_at !== record.report.due_at) changed = true;
      record.report = { ...record.report, ...fresh };
      await put("sent", record);
    } catch { /* offline or gone: keep what we knew */ }
  }));
  return changed;
}

async function fill(main) {
  const [queue, done] = await Promise.all([waiting(), sent()]);
  const serverPart = await resident.section();
  main.innerHTML = `
    <h1>${esc(t("mine.title"))}</h1>
    <section aria-labelledby="waiting-title">
      <h2 id="waiting-title">${esc(t("mine.waiting"))} <span class="count">(${queue.length})</span></h2>
      ${queue.length ? `<ul class="cards" id="waiting-list">${queue.map(waitingItem).join("")}</ul>`
        : `<p id="waiting-list-empty">${esc(t("mine.waiting.none"))}</p>`}
    </section>
    <section aria-labelledby="sent-title">
      <h2 id="sent-title">${esc(t("mine.sent"))} <span class="count">(${done.length})</span></h2>
      ${done.length ? `<ul class="cards" id="sent-list">${done.map((d) => reportItem(d.report,
          d.hasPhoto ? ` · ${esc(t("mine.photo"))}` : "")).join("")}</ul>`
        : `<p>${esc(t("mine.sent.none"))}</p>`}
    </section>
    <section aria-labelledby="server-title" id="server-section">
      <h2 id="server-title">${esc(t("mine.server"))}</h2>
      ${serverPart.html}
    </section>`;
  for (const button of $$("[data-retry]", main)) {
    button.addEventListener("click", async () => { await trySending(); });
  }
  for (const button of $$("[data-discard]", main)) {
    button.addEventListener("click", async () => { await discard(button.dataset.discard); announce(t("crew.done")); });
  }
  serverPart.bind?.($("#server-section", main), reportItem, () => fill(main));
  return done;
}

export async function render(main) {
  const cats = (await kvGet("categories")) || [];
  categoryNames = Object.fromEntries(cats.map((c) => [c.code, lang() === "fr" ? c.name_fr : c.name_en]));
  const done = await fill(main);
  const refresh = () => fill(main);
  document.addEventListener("rc:outbox", refresh);
  refreshStates(done).then((changed) => { if (changed) fill(main); });
  return () => document.removeEventListener("rc:outbox", refresh);
}
