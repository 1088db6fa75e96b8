// Resolving a ticket (outcome; "fixed" needs an after photo, shrunk on the device like a resident's) and
// handing one back (with the reason): each a form of its own, reached from the ticket's card.

import { t } from "../i18n.js";
import { preparePhoto } from "../photo.js";
import { photoFieldset } from "../photo_field.js";
import { $, $$, announce, esc } from "../util.js";
import { perform } from "./actions.js";
import { metres } from "./tickets.js";

const OUTCOMES = ["fixed", "not_our_responsibility", "duplicate", "cannot_fix"];

function summary(box, errors) {
  box.hidden = false;
  box.innerHTML = `<p>${esc(t("crew.form.errors"))}</p><ul>${errors.map(([id, text]) =>
    `<li><a href="#${id}" data-target="${id}">${esc(text)}</a></li>`).join("")}</ul>`;
  for (const link of $$("a[data-target]", box)) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const target = document.getElementById(link.dataset.target);
      ($("input, textarea, select, button", target) || target).focus();
    });
  }
  box.focus();
}

function header(ticket, categoryName) {
  return `<p class="meta">${esc(categoryName(ticket.category))} · ${esc(metres(ticket.distance_m))}</p>`;
}

/** The resolve form (the screen's h1, #crew-title, names it); `done()` goes back to the list. */
export function resolveForm(root, { ticket, others, categoryName, done }) {
  let photo = null;
  root.innerHTML = `${header(ticket, categoryName)}
    <form id="crew-resolve" class="report-form" novalidate aria-labelledby="crew-title">
      <div id="crew-form-errors" class="errors" tabindex="-1" hidden></div>
      <fieldset id="crew-outcome">
        <legend>${esc(t("crew.outcome"))}</legend>
        ${OUTCOMES.map((o, i) => `<label class="check"><input type="radio" name="outcome" value="${o}" ${i === 0 ? "checked" : ""}>
          <span>${esc(t(`crew.outcome.${o}`))}</span></label>`).join("")}
        <div id="crew-detail-box">
          <label for="crew-detail" id="crew-detail-label"></label>
          <textarea id="crew-detail" rows="2" maxlength="2000"></textarea>
        </div>
        <div id="crew-dup-box">
          <label for="crew-dup">${esc(t("crew.outcome.dup.of"))}</label>
          <select id="crew-dup"><option value="">—</option>${others.map((o) =>
            `<option value="${o.id}">${esc(`${o.ref} · ${categoryName(o.category)} · ${metres(o.distance_m)}`)}</option>`).join("")}</select>
        </div>
      </fieldset>
      ${photoFieldset({ prefix: "crew-", id: "crew-photo", legend: t("crew.after"), hint: t("crew.after.hint"),
                        alt: t("crew.after.alt") })}
      <label for="crew-note">${esc(t("crew.note"))}</label>
      <textarea id="crew-note" rows="3" maxlength="5000"></textarea>
      <label class="check"><input type="checkbox" id="crew-note-public">
        <span>${esc(t("crew.note.public"))}</span></label>
      <div class="actions">
        <button type="submit" class="button primary" id="crew-resolve-submit">${esc(t("crew.resolve.submit"))}</button>
        <button type="button" class="button link" id="crew-cancel">${esc(t("crew.cancel"))}</button>
      </div>
    </form>`;
  const outcome = () => $('input[name="outcome"]:checked', root).value;
  const showOutcome = () => {
    const o = outcome();
    $("#crew-detail-box", root).hidden = !["not_our_responsibility", "cannot_fix"].includes(o);
    $("#crew-detail-label", root).textContent = o === "cannot_fix" ? t("crew.outcome.why") : t("crew.outcome.whom");
    $("#crew-dup-box", root).hidden = o !== "duplicate";
  };
  for (const radio of $$('input[name="outcome"]', root)) radio.addEventListener("change", showOutcome);
  showOutcome();

  const showPhoto = () => {
    $("#crew-photo-preview", root).hidden = !photo;
    if (!photo) return;
    $("#crew-photo-img", root).src = photo.url;
    const kb = (n) => Math.max(1, Math.round(n / 1024));
    $("#crew-photo-status", root).textContent = photo.resized
      ? t("report.photo.ready", { w: photo.width, h: photo.height, kb: kb(photo.blob.size), orig: kb(photo.originalSize) })
      : t("report.photo.raw", { kb: kb(photo.blob.size) });
  };
  for (const id of ["crew-photo-camera", "crew-photo-pick"]) {
    const input = $(`#${id}`, root);
    $(`#${id}-btn`, root).addEventListener("click", () => input.click());
    input.addEventListener("change", async () => {
      const file = input.files[0];
      input.value = "";
      if (!file) return;
      try {
        const prepared = await preparePhoto(file);
        if (photo?.url) URL.revokeObjectURL(photo.url);
        photo = { ...prepared, url: URL.createObjectURL(prepared.blob) };
      } catch {
        announce(t("report.photo.error"));
        return;
      }
      showPhoto();
      announce($("#crew-photo-status", root).textContent);
    });
  }
  $("#crew-photo-remove", root).addEventListener("click", () => {
    if (photo?.url) URL.revokeObjectURL(photo.url);
    photo = null;
    showPhoto();
    $("#crew-photo-pick-btn", root).focus();
  });
  $("#crew-cancel", root).addEventListener("click", () => done());

  $("#crew-resolve", root).addEventListener("submit", async (event) => {
    event.preventDefault();
    const o = outcome();
    const detail = $("#crew-detail", root).value.trim();
    const dup = $("#crew-dup", root).value;
    const errors = [];
    if (o === "fixed" && !photo) errors.push(["crew-photo", t("crew.error.photo")]);
    if (["not_our_responsibility", "cannot_fix"].includes(o) && !detail) errors.push(["crew-detail-box", t("crew.error.detail")]);
    if (o === "duplicate" && !dup) errors.push(["crew-dup-box", t("crew.error.dup")]);
    if (errors.length) { summary($("#crew-form-errors", root), errors); return; }
    $("#crew-resolve-submit", root).disabled = true;
    // A note stays with the service unless the crew member ticks the box: it may name the resident.
    const fields = { outcome: o, note: $("#crew-note", root).value.trim() || null,
                     note_public: $("#crew-note-public", root).checked ? "true" : null,
                     outcome_detail: ["not_our_responsibility", "cannot_fix"].includes(o) ? detail : null,
                     duplicate_of_id: o === "duplicate" ? Number(dup) : null };
    const blob = photo?.blob || null;
    if (photo?.url) URL.revokeObjectURL(photo.url);
    done();
    await perform({ action: "resolve", ticket, fields, photo: blob });
  });
}

/** The hand-back form: the reason is required (the service reads it). */
export function handBackForm(root, { ticket, categoryName, done }) {
  root.innerHTML = `${header(ticket, categoryName)}
    <form id="crew-handback" class="inline-form" novalidate aria-labelledby="crew-title">
      <div id="crew-form-errors" class="errors" tabindex="-1" hidden></div>
      <div id="crew-reason-box">
        <label for="crew-reason">${esc(t("crew.handback.reason"))}</label>
        <p class="hint" id="crew-reason-hint">${esc(t("crew.handback.hint"))}</p>
        <textarea id="crew-reason" rows="3" maxlength="2000" required aria-describedby="crew-reason-hint"></textarea>
      </div>
      <div class="actions">
        <button type="submit" class="button primary">${esc(t("crew.handback.submit"))}</button>
        <button type="button" class="button link" id="crew-cancel">${esc(t("crew.cancel"))}</button>
      </div>
    </form>`;
  $("#crew-cancel", root).addEventListener("click", () => done());
  $("#crew-handback", root).addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = $("#crew-reason", root).value.trim();
    if (!note) { summary($("#crew-form-errors", root), [["crew-reason-box", t("crew.error.reason")]]); return; }
    done();
    await perform({ action: "hand_back", ticket, fields: { note } });
  });
}
