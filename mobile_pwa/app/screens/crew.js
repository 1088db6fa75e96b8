// Crew mode: sign in, then the tickets near the crew (list and map), the shift's route, claim, start and
// resolve with an after photo, also offline; the API's conflicts are shown as they are.
// #/crew is the workspace; #/crew/resolve/ID and #/crew/hand-back/ID are the forms of one ticket.

import { categories } from "../api.js";
import { kvGet } from "../db.js";
import { lang, t } from "../i18n.js";
import { $, esc } from "../util.js";
import { handBackForm, resolveForm } from "../crew/forms.js";
import { actions } from "../crew/queue.js";
import { CREW_ROLES, current, signOut } from "../crew/session.js";
import * as signin from "../crew/signin.js";
import * as store from "../crew/store.js";
import { project } from "../crew/tickets.js";
import { workspace } from "../crew/workspace.js";

let names = {};
// The ticket whose form was just left: the list gives it the focus back.
let returnTo = null;

function categoryName(code) { return names[code] || code; }

async function loadNames() {
  const list = await categories().catch(() => kvGet("categories")) || [];
  names = Object.fromEntries(list.map((c) => [c.code, lang() === "fr" ? c.name_fr : c.name_en]));
}

function wrongRole(body, me, again) {
  body.innerHTML = `<p class="notice error">${esc(t("crew.wrongrole", { role: me.role }))}</p>
    <button type="button" class="button secondary" id="crew-signout">${esc(t("crew.signout"))}</button>`;
  $("#crew-signout", body).addEventListener("click", async () => {
    try { await signOut(); } catch { /* offline: the notice stays */ return; }
    again();
  });
}

async function form(body, title, kind, id) {
  const kept = await store.nearby();
  const tickets = project(kept?.tickets || [], await actions());
  const ticket = tickets.find((x) => x.id === id);
  const done = () => { returnTo = id; location.hash = "#/crew"; };
  if (!ticket) {
    body.innerHTML = `<p>${esc(t("crew.form.gone"))}</p><p><a href="#/crew">${esc(t("crew.back"))}</a></p>`;
    return;
  }
  title.textContent = t(kind === "resolve" ? "crew.resolve.title" : "crew.handback.title", { ref: ticket.ref });
  if (kind === "resolve") resolveForm(body, { ticket, others: tickets.filter((x) => x.id !== id), categoryName, done });
  else handBackForm(body, { ticket, categoryName, done });
}

export async function render(main, arg = "") {
  main.innerHTML = `<h1 id="crew-title">${esc(t("crew.title"))}</h1><div id="crew-body"></div>`;
  const body = $("#crew-body", main);
  const title = $("#crew-title", main);
  let teardown = null;
  await loadNames();

  const showSignIn = (notice = "") => {
    if (teardown) { teardown(); teardown = null; }
    signin.render(body, { notice, onSignedIn: async (me) => {
      await open({ me, offline: false });
      $("#crew-nearby-title", body)?.focus();
    } });
    // Signed out or expired while on the screen: the focus was on a control that is gone.
    if (notice && main.contains(document.activeElement) === false) $("#crew-signin-title", body).focus();
  };

  async function open(session) {
    if (!CREW_ROLES.includes(session.me.role)) { wrongRole(body, session.me, () => showSignIn()); return; }
    const [kind, id] = arg.split("/");
    if (kind === "resolve" || kind === "hand-back") { await form(body, title, kind, Number(id)); return; }
    const focusTicket = returnTo;
    returnTo = null;
    teardown = await workspace(body, { me: session.me, categoryName, signedOut: showSignIn, focusTicket });
  }

  const session = await current();
  if (session) await open(session);
  else showSignIn(navigator.onLine ? "" : t("crew.signin.needsnet"));
  return () => { if (teardown) teardown(); };
}
