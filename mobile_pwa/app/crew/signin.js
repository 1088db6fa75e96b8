// The crew sign-in form: email and password, errors said plainly and given the focus.

import { ApiError } from "../api.js";
import { t } from "../i18n.js";
import { $, esc } from "../util.js";
import { signIn } from "./session.js";

/** Fill `root` with the form; `onSignedIn(staff)` runs after a successful sign-in. */
export function render(root, { onSignedIn, notice = "" }) {
  root.innerHTML = `
    <section aria-labelledby="crew-signin-title">
      <h2 id="crew-signin-title" tabindex="-1">${esc(t("crew.signin"))}</h2>
      ${notice ? `<p class="notice waiting">${esc(notice)}</p>` : ""}
      <p class="hint" id="crew-signin-hint">${esc(t("crew.signin.hint"))}</p>
      <form id="crew-signin" class="inline-form" novalidate aria-describedby="crew-signin-hint">
        <div id="crew-signin-error" class="notice error" role="alert" tabindex="-1" hidden></div>
        <label for="crew-email">${esc(t("crew.email"))}</label>
        <input type="email" id="crew-email" name="email" autocomplete="username" inputmode="email" required>
        <label for="crew-password">${esc(t("crew.password"))}</label>
        <input type="password" id="crew-password" name="password" autocomplete="current-password" required>
        <button type="submit" class="button primary" id="crew-signin-submit">${esc(t("crew.signin.submit"))}</button>
      </form>
    </section>`;
  const form = $("#crew-signin", root);
  const error = $("#crew-signin-error", root);
  const fail = (text, field) => {
    error.hidden = false;
    error.textContent = text;
    (field || error).focus();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("#crew-email", root).value.trim();
    const password = $("#crew-password", root).value;
    if (!email) { fail(t("crew.signin.noemail"), $("#crew-email", root)); return; }
    if (!password) { fail(t("crew.signin.nopassword"), $("#crew-password", root)); return; }
    const submit = $("#crew-signin-submit", root);
    submit.disabled = true;
    try {
      const staff = await signIn(email, password);
      await onSignedIn(staff);
    } catch (err) {
      submit.disabled = false;
      const detail = err instanceof ApiError ? err.message : t("crew.signin.offline");
      fail(t("crew.signin.failed", { detail }));
    }
  });
}
