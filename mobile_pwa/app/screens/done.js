// After sending: the reference when the server has it, or a plain "kept on this device" while it waits.

import { get } from "../db.js";
import { t } from "../i18n.js";
import { icon } from "../icons.js";
import { esc } from "../util.js";

async function fill(main, key) {
  const sent = await get("sent", key);
  const item = sent ? null : await get("outbox", key);
  let body;
  if (sent) {
    const r = sent.report;
    body = `<div class="result ok">${icon("check", "icon big")}<h1>${esc(t("done.sent.title"))}</h1></div>
      <p>${esc(t("done.sent.body", { ref: r.ref }))}</p>
      <p class="ref" data-ref="${esc(r.ref)}">${esc(r.ref)}</p>
      ${r.address ? `<p class="address" id="done-address">${esc(t("done.sent.address", { address: r.address }))}</p>` : ""}
      <p>${esc(t("done.sent.where", { commune: r.commune_name, service: r.service_code || "—" }))}</p>`;
  } else if (item?.status === "refused") {
    body = `<div class="result error">${icon("alert", "icon big")}<h1>${esc(t("done.refused.title"))}</h1></div>
      <p>${esc(item.lastError)}</p>`;
  } else {
    body = `<div class="result waiting">${icon("clock", "icon big")}<h1>${esc(t("done.waiting.title"))}</h1></div>
      <p>${esc(t("done.waiting.body"))}</p>`;
  }
  main.innerHTML = `<section class="done" data-state="${sent ? "sent" : item?.status || "unknown"}">${body}
    <p><a class="button primary" href="#/report">${esc(t("done.again"))}</a></p>
    <p><a class="button secondary" href="#/mine">${esc(t("done.mine"))}</a></p></section>`;
}

export async function render(main, key) {
  await fill(main, key);
  // The outbox announces each change; the screen follows the report from waiting to sent.
  const refresh = async () => {
    const hadFocus = main.contains(document.activeElement);
    await fill(main, key);
    const heading = main.querySelector("h1");
    if (hadFocus && heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  };
  document.addEventListener("rc:outbox", refresh);
  return () => document.removeEventListener("rc:outbox", refresh);
}
