// Crew mode: sign in, then the tickets near the crew (list and map), the shift's route, claim, start and
// resolve with an after photo, also offline; the API's conflicts are shown as they are.

import { t } from "../i18n.js";
import { esc } from "../util.js";

export async function render(main) {
  // The crew API is not on the platform yet: say so plainly rather than offer a sign-in that leads nowhere.
  main.innerHTML = `<h1>${esc(t("crew.title"))}</h1><p>${esc(t("crew.unavailable"))}</p>
    <p><a href="#/">${esc(t("nav.home"))}</a></p>`;
}
