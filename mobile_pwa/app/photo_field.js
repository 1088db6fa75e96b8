// The photo picker's markup (camera or file, preview, status, remove), shared by the resident's report and
// the crew's after photo; each screen wires its own handlers to the ids it gets.

import { t } from "./i18n.js";
import { icon } from "./icons.js";
import { esc } from "./util.js";

/** The fieldset; its ids start with `${prefix}photo-` ("photo-pick-btn"...), `extra` sits before "remove". */
export function photoFieldset({ prefix = "", id = "", legend, hint, alt, extra = "" }) {
  const p = `${prefix}photo`;
  return `<fieldset${id ? ` id="${id}"` : ""}>
        <legend>${esc(legend)}</legend>
        <p class="hint" id="${p}-hint">${esc(hint)}</p>
        <div class="photo-buttons">
          <button type="button" class="button secondary" id="${p}-camera-btn" aria-describedby="${p}-hint">${icon("camera")}<span>${esc(t("report.photo.camera"))}</span></button>
          <button type="button" class="button secondary" id="${p}-pick-btn" aria-describedby="${p}-hint">${icon("image")}<span>${esc(t("report.photo.pick"))}</span></button>
        </div>
        <input type="file" id="${p}-camera" accept="image/*" capture="environment" hidden>
        <input type="file" id="${p}-pick" accept="image/*" hidden>
        <figure id="${p}-preview" class="photo-preview" hidden>
          <img id="${p}-img" alt="${esc(alt)}">
          <figcaption id="${p}-status" aria-live="polite"></figcaption>
          ${extra}
          <button type="button" class="button link" id="${p}-remove">${esc(t("report.photo.remove"))}</button>
        </figure>
      </fieldset>`;
}
