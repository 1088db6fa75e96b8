// Home: one big way in (report), the way back (my reports), what still waits on the device, crew mode.

import { t } from "../i18n.js";
import { icon } from "../icons.js";
import { waiting } from "../outbox.js";
import { esc } from "../util.js";

export async function render(main) {
  const pending = (await waiting()).length;
  main.innerHTML = `
    <section class="hero">
      <h1>${esc(t("home.title"))}</h1>
      <p>${esc(t("home.intro"))}</p>
      <a class="button primary big" href="#/report">${icon("camera")}<span>${esc(t("home.report"))}</span></a>
      ${pending ? `<p class="notice waiting">${icon("clock")}<span>${esc(t("home.waiting", { n: pending }))}</span></p>` : ""}
      <a class="button secondary" href="#/mine">${esc(t("home.mine"))}</a>
    </section>
    <ul class="links">
      <li><a href="/map">${esc(t("home.map"))}</a></li>
      <li><a href="#/crew">${esc(t("home.crew"))}</a></li>
    </ul>`;
}
