// Where the crew stands: the device's fix when it is given, else the last known position, else a pin the
// crew moves on a map. Every position says where it came from and when.

import { formatDate, t } from "../i18n.js";
import { createMap } from "../map.js";
import { $, esc } from "../util.js";
import * as store from "./store.js";

/** The device's position, or null when it is refused, missing or too slow. */
export function deviceFix(timeout = 15000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve(null); return; }
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy,
                       source: "device", at: new Date().toISOString() }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge: 60000 });
  });
}

export async function remember(position) { await store.setPosition(position); }
export async function lastKnown() { return store.position(); }

/** One line saying which position the lists are measured from. */
export function describe(position) {
  if (!position) return t("crew.pos.none");
  const coords = t("crew.pos.coords", { lat: position.lat.toFixed(5), lon: position.lon.toFixed(5) });
  if (position.source === "device") return `${t("crew.pos.device", { m: Math.round(position.accuracy || 0) })} ${coords}`;
  if (position.source === "map") return `${t("crew.pos.map")} ${coords}`;
  return `${t("crew.pos.last", { date: formatDate(position.at) })} ${coords}`;
}

/** A map with a pin at its centre and a button to measure from there; `onChoose(position)` gets it. */
export function chooser(root, { start, onChoose }) {
  root.innerHTML = `
    <p class="hint" id="crew-pin-hint">${esc(t("report.place.hint"))}</p>
    <div id="crew-pin-map" class="map" role="region" aria-label="${esc(t("crew.pos.map.label"))}"
         aria-describedby="crew-pin-hint"></div>
    <button type="button" class="button secondary" id="crew-pin-use">${esc(t("crew.pos.use"))}</button>`;
  const map = createMap($("#crew-pin-map", root), { pin: true, zoom: 15, ...(start ? { center: [start.lat, start.lon] } : {}) });
  $("#crew-pin-use", root).addEventListener("click", () => {
    const c = map.leaflet.getCenter();
    onChoose({ lat: c.lat, lon: c.lng, source: "map", at: new Date().toISOString() });
  });
  return map;
}
