// Reporting: photo (shrunk on the device), place (device, photo EXIF, or the map's pin; or words), category,
// description, optional contact details, nearby duplicates; then into the outbox, which never loses it.

import { api, categories } from "../api.js";
import { put } from "../db.js";
import { lang, t } from "../i18n.js";
import { icon } from "../icons.js";
import { withGps } from "../exif.js";
import { enqueue } from "../outbox.js";
import { preparePhoto } from "../photo.js";
import { photoFieldset } from "../photo_field.js";
import { requestSync, trySending } from "../sync.js";
import { $, $$, announce, esc } from "../util.js";
import { createMap } from "../map.js";
import { addressAt, attachAddressSearch } from "../address_search.js";

const CONTACT_KEY = "rc.contact";
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// The intake API's open reports of a category within that category's duplicate radius.
const DUPLICATES_URL = "/api/v1/reports/nearby-duplicates";

function savedContact() {
  try { return JSON.parse(localStorage.getItem(CONTACT_KEY)) || null; } catch { return null; }
}

function freshDraft() {
  const contact = savedContact();
  return {
    photo: null, loc: null, deviceStatus: "idle", deviceAccuracy: null, place: "", category: "", description: "",
    contact: contact || { name: "", email: "", phone: "" }, remember: Boolean(contact),
    consentUpdates: Boolean(contact?.consentUpdates), consentRemember: Boolean(contact?.consentRemember),
    followed: null,
  };
}

// The draft outlives a screen change or a language switch; only sending it starts a new one.
let draft = freshDraft();

function categoryName(c) { return lang() === "fr" ? c.name_fr : c.name_en; }

function categoryPicker(list) {
  const tops = list.filter((c) => !c.parent_code);
  const groups = tops.map((top) => {
    const children = list.filter((c) => c.parent_code === top.code);
    const options = [...children, top].map((c) => `
      <label class="cat-option">
        <input type="radio" name="category" value="${esc(c.code)}" ${draft.category === c.code ? "checked" : ""}>
        ${icon(c.icon)}<span>${esc(c === top && children.length ? `${categoryName(c)} (${lang() === "fr" ? "autre" : "other"})` : categoryName(c))}</span>
      </label>`).join("");
    return `<div class="cat-group" role="group" aria-labelledby="cat-${esc(top.code)}">
      <h3 id="cat-${esc(top.code)}">${icon(top.icon)}<span>${esc(categoryName(top))}</span></h3>
      <div class="cat-options">${options}</div></div>`;
  });
  return groups.join("");
}

function placeStatus() {
  const loc = draft.loc;
  if (draft.deviceStatus === "locating" && !loc) return t("report.place.locating");
  if (!loc) return draft.deviceStatus === "failed" ? t("report.place.none") : t("report.place.unset");
  const source = { device: t("report.place.device", { m: Math.round(loc.accuracy || 0) }),
                   photo_exif: t("report.place.photo"), map: t("report.place.moved"),
                   address: t("report.place.address") }[loc.source] || "";
  return `${source} ${loc.address || t("report.place.coords", { lat: loc.lat.toFixed(5), lon: loc.lon.toFixed(5) })}`;
}

function photoStatus() {
  const p = draft.photo;
  if (!p) return "";
  const kb = (n) => Math.max(1, Math.round(n / 1024));
  const size = p.resized ? t("report.photo.ready", { w: p.width, h: p.height, kb: kb(p.blob.size), orig: kb(p.originalSize) })
    : t("report.photo.raw", { kb: kb(p.blob.size) });
  return p.gps ? `${size} ${t("report.photo.gps")}` : size;
}

export async function render(main) {
  main.innerHTML = `
    <h1>${esc(t("report.title"))}</h1>
    <form id="report-form" class="report-form" novalidate>
      <div id="form-errors" class="errors" tabindex="-1" hidden></div>

      ${photoFieldset({ legend: t("report.photo"), hint: t("report.photo.hint"), alt: t("report.photo.alt"),
                        extra: `<button type="button" class="button link" id="photo-use-gps" hidden>${esc(t("report.photo.usegps"))}</button>` })}

      <fieldset>
        <legend>${esc(t("report.place"))}</legend>
        <p class="hint" id="map-hint">${esc(t("report.place.hint"))}</p>
        <button type="button" class="button secondary" id="locate">${icon("locate")}<span>${esc(t("report.place.locate"))}</span></button>
        <div id="report-map" class="map" aria-describedby="map-hint"></div>
        <p id="place-status" class="place-status" role="status"></p>
        <label for="place-text">${esc(t("report.place.text"))}</label>
        <p class="hint" id="place-text-hint">${esc(t("report.place.text.hint"))}</p>
        <input type="text" id="place-text" name="address_text" maxlength="500" autocomplete="off"
               aria-describedby="place-text-hint place-suggest-status" aria-controls="place-suggestions"
               value="${esc(draft.place)}">
        <p id="place-suggest-status" class="hint" role="status"></p>
        <ul id="place-suggestions" class="suggestions" aria-label="${esc(t("report.place.text"))}" hidden></ul>
      </fieldset>

      <fieldset id="category-fieldset">
        <legend>${esc(t("report.category"))}</legend>
        <div id="category-list"><p>${esc(t("report.category.loading"))}</p></div>
      </fieldset>

      <section id="duplicates" class="duplicates" aria-live="polite" hidden></section>

      <fieldset>
        <legend>${esc(t("report.description"))}</legend>
        <label for="description">${esc(t("report.description.label"))}</label>
        <p class="hint" id="description-hint">${esc(t("report.description.hint"))}</p>
        <textarea id="description" name="description" rows="4" maxlength="5000"
                  aria-describedby="description-hint">${esc(draft.description)}</textarea>
      </fieldset>

      <fieldset>
        <legend>${esc(t("report.contact"))}</legend>
        <p class="hint" id="contact-hint">${esc(t("report.contact.hint"))}</p>
        <label for="contact-name">${esc(t("report.contact.name"))}</label>
        <input type="text" id="contact-name" autocomplete="name" maxlength="200" value="${esc(draft.contact.name)}">
        <label for="contact-email">${esc(t("report.contact.email"))}</label>
        <input type="email" id="contact-email" autocomplete="email" maxlength="320" inputmode="email"
               aria-describedby="contact-hint" value="${esc(draft.contact.email)}">
        <label for="contact-phone">${esc(t("report.contact.phone"))}</label>
        <input type="tel" id="contact-phone" autocomplete="tel" maxlength="40" value="${esc(draft.contact.phone)}">
        <label class="check"><input type="checkbox" id="consent-updates" ${draft.consentUpdates ? "checked" : ""}>
          <span>${esc(t("report.contact.updates"))}</span></label>
        <label class="check"><input type="checkbox" id="consent-remember" ${draft.consentRemember ? "checked" : ""}>
          <span>${esc(t("report.contact.keep"))}</span></label>
        <label class="check"><input type="checkbox" id="contact-remember" ${draft.remember ? "checked" : ""}>
          <span>${esc(t("report.contact.remember"))}</span></label>
      </fieldset>

      <button type="submit" class="button primary big" id="submit">${esc(t("report.submit"))}</button>
    </form>`;

  const mapEl = $("#report-map", main);
  mapEl.setAttribute("role", "region");
  mapEl.setAttribute("aria-label", t("report.place.map"));
  const map = createMap(mapEl, { pin: true });
  let alive = true;

  const showPlace = () => {
    $("#place-status", main).textContent = placeStatus();
    mapEl.dataset.lat = draft.loc ? draft.loc.lat.toFixed(6) : "";
    mapEl.dataset.lon = draft.loc ? draft.loc.lon.toFixed(6) : "";
    mapEl.dataset.source = draft.loc ? draft.loc.source : "";
  };
  // The address of the pin, asked again each time it settles somewhere new (the last answer wins).
  let addressSeq = 0;
  const nameThePlace = async () => {
    const loc = draft.loc;
    if (!loc || loc.source === "address") return;
    const mine = ++addressSeq;
    const label = await addressAt(loc.lat.toFixed(6), loc.lon.toFixed(6));
    if (!alive || mine !== addressSeq || draft.loc !== loc) return;
    loc.address = label;
    showPlace();
  };
  const setLoc = (loc) => {
    draft.loc = loc;
    map.moveTo(loc.lat, loc.lon);
    showPlace();
    findDuplicates();
    nameThePlace();
  };
  map.onUserMove(({ lat, lon }) => {
    draft.loc = { lat, lon, source: "map" };
    showPlace();
    findDuplicates();
    nameThePlace();
  });
  attachAddressSearch({
    input: $("#place-text", main), list: $("#place-suggestions", main), status: $("#place-suggest-status", main),
    center: () => draft.loc || null,
    texts: { found: (n) => t("report.place.found", { n }), none: t("report.place.nothing") },
    onPick: ({ lat, lon, label }) => {
      draft.place = label;
      setLoc({ lat, lon, source: "address", address: label });
    },
  });
  if (draft.loc) map.moveTo(draft.loc.lat, draft.loc.lon);

  const locate = () => {
    if (!navigator.geolocation) { draft.deviceStatus = "failed"; showPlace(); return; }
    draft.deviceStatus = "locating";
    showPlace();
    navigator.geolocation.getCurrentPosition((position) => {
      if (!alive) return;
      draft.deviceStatus = "ok";
      // A place the resident chose (photo or pin) is not overridden by a late fix.
      if (draft.loc && draft.loc.source !== "device" && !locateAsked) { showPlace(); return; }
      setLoc({ lat: position.coords.latitude, lon: position.coords.longitude, source: "device",
               accuracy: position.coords.accuracy });
    }, () => {
      if (!alive) return;
      draft.deviceStatus = "failed";
      if (!draft.loc && draft.photo?.gps) setLoc({ ...draft.photo.gps, source: "photo_exif" });
      showPlace();
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  };
  let locateAsked = false;
  $("#locate", main).addEventListener("click", () => { locateAsked = true; locate(); });
  if (!draft.loc && draft.deviceStatus !== "failed") locate();
  showPlace();

  // -- photo
  const showPhoto = () => {
    const fig = $("#photo-preview", main);
    fig.hidden = !draft.photo;
    if (!draft.photo) return;
    $("#photo-img", main).src = draft.photo.url;
    $("#photo-status", main).textContent = photoStatus();
    const gps = draft.photo.gps;
    $("#photo-use-gps", main).hidden = !gps || (draft.loc?.source === "photo_exif");
  };
  const takePhoto = async (file) => {
    if (!file) return;
    try {
      const prepared = await preparePhoto(file);
      if (draft.photo?.url) URL.revokeObjectURL(draft.photo.url);
      draft.photo = { ...prepared, url: URL.createObjectURL(prepared.blob) };
    } catch {
      announce(t("report.photo.error"));
      return;
    }
    if (!alive) return;
    // The device's own fix wins; the photo's place is used when the device has none.
    if (draft.photo.gps && (!draft.loc || draft.loc.source === "photo_exif")) {
      setLoc({ ...draft.photo.gps, source: "photo_exif" });
    }
    showPhoto();
    announce(photoStatus());
  };
  for (const id of ["photo-camera", "photo-pick"]) {
    const input = $(`#${id}`, main);
    input.addEventListener("change", () => { takePhoto(input.files[0]); input.value = ""; });
    $(`#${id}-btn`, main).addEventListener("click", () => input.click());
  }
  $("#photo-remove", main).addEventListener("click", () => {
    if (draft.photo?.url) URL.revokeObjectURL(draft.photo.url);
    draft.photo = null;
    showPhoto();
    $("#photo-pick-btn", main).focus();
  });
  $("#photo-use-gps", main).addEventListener("click", () => {
    setLoc({ ...draft.photo.gps, source: "photo_exif" });
    showPhoto();
  });
  showPhoto();

  // -- categories
  categories().then((list) => {
    if (!alive) return;
    $("#category-list", main).innerHTML = categoryPicker(list);
    for (const radio of $$('input[name="category"]', main)) {
      radio.addEventListener("change", () => { draft.category = radio.value; findDuplicates(); });
    }
  }).catch(() => {
    if (alive) $("#category-list", main).innerHTML = `<p class="notice error">${esc(t("report.category.offline"))}</p>`;
  });

  // -- duplicates: open reports of the same category close by, offered before a new one is filed
  let dupeSeq = 0;
  async function findDuplicates() {
    const box = $("#duplicates", main);
    if (!DUPLICATES_URL || !draft.loc || !draft.category || !navigator.onLine) { box.hidden = true; return; }
    const seq = ++dupeSeq;
    let found = [];
    try {
      const q = new URLSearchParams({ lat: draft.loc.lat, lon: draft.loc.lon, category: draft.category });
      found = await api(`${DUPLICATES_URL}?${q}`);
    } catch { found = []; }
    if (!alive || seq !== dupeSeq) return;
    if (!Array.isArray(found) || !found.length) { box.hidden = true; box.innerHTML = ""; return; }
    box.hidden = false;
    box.innerHTML = `<h2>${esc(t("report.dupes.title"))}</h2><p>${esc(t("report.dupes.intro"))}</p>
      <ul>${found.map((d) => `<li><p><strong>${esc(d.ref)}</strong> · ${esc(t("report.dupes.distance", { m: Math.round(d.distance_m) }))}
        · ${esc(d.commune_name)}</p>${d.description ? `<p>${esc(d.description)}</p>` : ""}
        <button type="button" class="button secondary" data-follow="${esc(d.ref)}">${esc(t("report.dupes.follow"))}
        <span class="visually-hidden">${esc(d.ref)}</span></button></li>`).join("")}</ul>`;
    for (const button of $$("[data-follow]", box)) {
      button.addEventListener("click", () => follow(button.dataset.follow, button));
    }
  }

  async function follow(ref, button) {
    readFields();
    const contact = contactPayload();
    if (!contact || (!contact.email && !contact.phone)) {
      announce(t("report.dupes.needcontact"));
      button.insertAdjacentHTML("afterend", `<p class="notice error">${esc(t("report.dupes.needcontact"))}</p>`);
      $("#contact-email", main).focus();
      return;
    }
    try {
      const report = await api(`/api/v1/reports/by-ref/${encodeURIComponent(ref)}/follow`,
                               { method: "POST", json: { contact } });
      await put("sent", { key: `follow-${ref}`, sentAt: new Date().toISOString(), followed: true, report });
      draft.followed = ref;
      button.replaceWith(Object.assign(document.createElement("p"), {
        className: "notice ok", textContent: t("report.dupes.followed", { ref }) }));
      announce(t("report.dupes.followed", { ref }));
    } catch (err) {
      button.insertAdjacentHTML("afterend", `<p class="notice error">${esc(err.message)}</p>`);
      announce(err.message);
    }
  }

  // -- fields and submit
  function readFields() {
    draft.place = $("#place-text", main).value.trim();
    draft.description = $("#description", main).value.trim();
    draft.contact = { name: $("#contact-name", main).value.trim(), email: $("#contact-email", main).value.trim(),
                      phone: $("#contact-phone", main).value.trim() };
    draft.remember = $("#contact-remember", main).checked;
    draft.consentUpdates = $("#consent-updates", main).checked;
    draft.consentRemember = $("#consent-remember", main).checked;
  }
  for (const el of $$("input, textarea", main)) el.addEventListener("change", readFields);

  function contactPayload() {
    const c = draft.contact;
    if (!c.name && !c.email && !c.phone) return null;
    return { name: c.name || null, email: c.email || null, phone: c.phone || null, language: lang(),
             consent_updates: draft.consentUpdates, consent_remember: draft.consentRemember };
  }

  function problems() {
    const list = [];
    if (!draft.loc) list.push(["report-map", t("report.error.place")]);
    if (!draft.category) list.push(["category-fieldset", t("report.error.category")]);
    if (draft.contact.email && !EMAIL.test(draft.contact.email)) list.push(["contact-email", t("report.error.email")]);
    return list;
  }

  $("#report-form", main).addEventListener("submit", async (event) => {
    event.preventDefault();
    readFields();
    const errors = problems();
    const box = $("#form-errors", main);
    if (errors.length) {
      box.hidden = false;
      box.innerHTML = `<p>${esc(t("report.errors"))}</p><ul>${errors.map(([id, text]) =>
        `<li><a href="#${id}" data-target="${id}">${esc(text)}</a></li>`).join("")}</ul>`;
      for (const link of $$("a[data-target]", box)) {
        link.addEventListener("click", (e) => {
          e.preventDefault();
          const target = $(`#${link.dataset.target}`, main);
          const focusable = target.matches("input, textarea") ? target
            : $("input, textarea, [tabindex]", target) || target;
          focusable.focus();
        });
      }
      box.focus();
      return;
    }
    box.hidden = true;
    if (draft.remember) {
      localStorage.setItem(CONTACT_KEY, JSON.stringify({ ...draft.contact, consentUpdates: draft.consentUpdates,
                                                         consentRemember: draft.consentRemember }));
    } else {
      localStorage.removeItem(CONTACT_KEY);
    }
    // A place read from the photo travels in the photo (the platform then records it as such).
    const fromPhoto = draft.loc.source === "photo_exif" && Boolean(draft.photo?.gps);
    let photo = draft.photo?.blob || null;
    if (fromPhoto && draft.photo.resized) photo = await withGps(photo, draft.loc);
    const fields = {
      ...(fromPhoto ? {} : { lat: Number(draft.loc.lat.toFixed(7)), lon: Number(draft.loc.lon.toFixed(7)) }),
      category: draft.category, description: draft.description, address_text: draft.place || null,
      contact: contactPayload(),
    };
    $("#submit", main).disabled = true;
    const item = await enqueue({ fields, photo, lang: lang() });
    if (draft.photo?.url) URL.revokeObjectURL(draft.photo.url);
    draft = freshDraft();
    draft.deviceStatus = "idle";
    location.hash = `#/done/${encodeURIComponent(item.key)}`;
    requestSync();
    trySending();
  });

  return () => { alive = false; map.remove(); };
}
