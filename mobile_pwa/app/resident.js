// The resident's server-side identity on this device: the magic link's token, and their reports from the server.

import { api } from "./api.js";
import { kvGet, kvSet } from "./db.js";
import { lang, t } from "./i18n.js";
import { $, announce, esc } from "./util.js";

const TOKEN = "resident.token";
// Where a resident asks for the link to all their reports by email.
const LINK_REQUEST_URL = "/api/v1/residents/magic-link";
// Where the one-time token of an emailed link becomes this device's session.
const SESSION_URL = "/api/v1/residents/session";

export async function token() { return kvGet(TOKEN); }
export async function setToken(value) { return kvSet(TOKEN, value || null); }

/** The "all my reports" part of the My reports screen: a link request form, or the server's list. */
export async function section() {
  const current = await token();
  if (!current && !LINK_REQUEST_URL) {
    return { html: `<p class="hint">${esc(t("mine.server.open"))}</p>` };
  }
  if (!current) {
    return {
      html: `<p class="hint" id="magic-hint">${esc(t("mine.server.hint"))}</p>
        <form id="magic-form" class="inline-form">
          <label for="magic-email">${esc(t("mine.server.email"))}</label>
          <input type="email" id="magic-email" autocomplete="email" required aria-describedby="magic-hint">
          <button type="submit" class="button secondary">${esc(t("mine.server.send"))}</button>
        </form><p id="magic-status" role="status"></p>`,
      bind(root) {
        $("#magic-form", root).addEventListener("submit", async (event) => {
          event.preventDefault();
          const email = $("#magic-email", root).value.trim();
          if (!email) return;
          try {
            await api(LINK_REQUEST_URL, { method: "POST", json: { email, language: lang() } });
            $("#magic-status", root).textContent = t("mine.server.sent");
          } catch (err) {
            $("#magic-status", root).textContent = err.message;
          }
        });
      },
    };
  }
  let reports = null;
  let error = null;
  try { reports = await api("/api/v1/me/reports", { token: current }); } catch (err) { error = err; }
  return {
    html: `<p>${esc(t("mine.server.signedin"))}</p>
      ${error ? `<p class="notice error">${esc(error.message)}</p>` : ""}
      <ul class="cards" id="server-list"></ul>
      <button type="button" class="button link" id="magic-signout">${esc(t("mine.server.signout"))}</button>`,
    bind(root, reportItem, refill) {
      if (reports) $("#server-list", root).innerHTML = reports.map((r) => reportItem(r)).join("");
      $("#magic-signout", root).addEventListener("click", async () => {
        try { await api("/api/v1/me/session", { method: "DELETE", token: current }); } catch (err) { /* gone */ }
        await setToken(null);
        announce(t("crew.done"));
        refill();
      });
    },
  };
}

/** The magic link opens /my-reports#token=...: spend the one-time token for a session kept on the device. */
export async function takeTokenFromUrl() {
  const match = location.hash.match(/^#token=([^&]+)/);
  if (!match) return false;
  history.replaceState(null, "", "/#/mine");
  try {
    const opened = await api(SESSION_URL, { method: "POST", json: { token: decodeURIComponent(match[1]) } });
    await setToken(opened.token);
  } catch (err) {
    // Used or expired: the My reports screen offers to send a new link.
    await setToken(null);
    return false;
  }
  return true;
}
