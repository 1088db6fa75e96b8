// The signed-in crew's screen: position, actions waiting or refused, nearby tickets (list and map), route.
// Lists come from the server when online; offline, the copy kept on the device, labelled with its time.

import { api, ApiError } from "../api.js";
import { formatDate, t } from "../i18n.js";
import { trySending } from "../sync.js";
import { $, announce, esc } from "../util.js";
import { perform } from "./actions.js";
import { pendingHtml } from "./pending.js";
import { chooser, describe, deviceFix, lastKnown, remember } from "./position.js";
import { actions, discardAction } from "./queue.js";
import { signOut } from "./session.js";
import * as store from "./store.js";
import { ticketMap } from "./ticketmap.js";
import { listHtml, number, project } from "./tickets.js";

const RADII = [500, 1000, 2000, 5000];
let radius = 2000;

function distance(m) {
  return m >= 1000 ? t("crew.km", { km: number(Math.round(m / 100) / 10) }) : t("crew.m", { m: number(Math.round(m)) });
}

/** Redraw `root` with `fill()`, giving the focus back to the same control, or to `fallback(key)`. */
function keepFocus(root, fill, fallback) {
  const active = document.activeElement;
  const key = active && root.contains(active) ? active.closest("[data-focus]")?.dataset.focus : null;
  fill();
  if (!key) return;
  const again = root.querySelector(`[data-focus="${CSS.escape(key)}"]`) || fallback?.(key);
  if (again) again.focus();
}

function template(me) {
  return `
    <p class="crew-who"><span>${esc(t("crew.who", { name: me.name, service: me.service_code || "—" }))}</span>
      <button type="button" class="button link" id="crew-signout">${esc(t("crew.signout"))}</button></p>
    <p id="crew-signout-error" class="notice error" role="alert" hidden></p>
    <div id="crew-pending"></div>
    <section aria-labelledby="crew-pos-title">
      <h2 id="crew-pos-title">${esc(t("crew.pos"))}</h2>
      <p id="crew-pos-status" class="place-status" role="status"></p>
      <div class="actions">
        <button type="button" class="button secondary" id="crew-locate">${esc(t("report.place.locate"))}</button>
        <button type="button" class="button secondary" id="crew-pin-toggle" aria-expanded="false"
                aria-controls="crew-pin">${esc(t("crew.pos.choose"))}</button>
      </div>
      <div id="crew-pin" hidden></div>
      <label for="crew-radius">${esc(t("crew.radius"))}</label>
      <select id="crew-radius">${RADII.map((r) => `<option value="${r}" ${r === radius ? "selected" : ""}>${esc(distance(r))}</option>`).join("")}</select>
    </section>
    <section aria-labelledby="crew-nearby-title">
      <h2 id="crew-nearby-title" tabindex="-1">${esc(t("crew.nearby"))}</h2>
      <p id="crew-list-status" class="meta" role="status"></p>
      <button type="button" class="button secondary" id="crew-refresh">${esc(t("crew.refresh"))}</button>
      <div id="crew-list-box"></div>
    </section>
    <section aria-labelledby="crew-map-title">
      <h2 id="crew-map-title">${esc(t("crew.map.title"))}</h2>
      <div id="crew-map" class="map tall" role="region" aria-label="${esc(t("crew.map"))}"></div>
    </section>
    <section aria-labelledby="crew-route-title">
      <h2 id="crew-route-title">${esc(t("crew.route"))}</h2>
      <p id="crew-route-summary"></p>
      <ol id="crew-route-stops" class="stops"></ol>
    </section>`;
}

/** Fill `body`; `signedOut(notice)` shows the sign-in again; returns the cleanup. */
export async function workspace(body, { me, categoryName, signedOut, focusTicket = null }) {
  body.innerHTML = template(me);
  let alive = true;
  let position = null;
  // The lists as the device keeps them (the outbox patches them when an action is accepted); `freshAt` is
  // the time of the copy fetched during this visit, so any other copy is labelled with its age.
  let nearby = await store.nearby();
  let route = await store.route();
  let freshAt = null;
  let loads = 0;
  let pin = null;
  const busy = new Set();
  const map = ticketMap($("#crew-map", body), { onPick: (id) => $(`#crew-ticket-${id} h3`, body)?.focus() });

  async function paint({ fit = false } = {}) {
    if (!alive) return;
    const items = await actions();
    nearby = (await store.nearby()) || nearby;
    const fresh = Boolean(nearby) && nearby.at === freshAt && navigator.onLine;
    const tickets = nearby?.tickets ? project(nearby.tickets, items) : [];
    const where = $("#crew-pos-status", body);
    where.textContent = describe(position);
    where.dataset.lat = position ? position.lat.toFixed(6) : "";
    where.dataset.lon = position ? position.lon.toFixed(6) : "";
    const status = !nearby ? (navigator.onLine ? t("crew.loading") : t("crew.offline.nolist"))
      : fresh ? t("crew.fresh", { date: formatDate(nearby.at) })
        : t("crew.stale", { date: formatDate(nearby.at) });
    $("#crew-list-status", body).textContent = status;
    const box = $("#crew-list-box", body);
    box.dataset.fresh = fresh ? "1" : "0";
    box.dataset.source = nearby?.position?.source || "";
    keepFocus(box, () => { box.innerHTML = nearby ? listHtml(tickets, categoryName) : ""; },
              (key) => $(`[data-focus="card-${key.split("-").pop()}"]`, box) || $("#crew-nearby-title", body));
    const pending = $("#crew-pending", body);
    keepFocus(pending, () => { pending.innerHTML = pendingHtml(items); }, () => $("#crew-nearby-title", body));
    paintRoute(fresh);
    map.show({ position: nearby?.position || position, tickets, route: route?.data, categoryName, fit });
  }

  function paintRoute(fresh) {
    const summary = $("#crew-route-summary", body);
    const stops = (route?.data?.features || []).filter((f) => f.properties.kind === "stop");
    const total = route?.data?.properties?.distance_m ?? 0;
    summary.dataset.distance = route ? String(total) : "";
    if (!route) summary.textContent = t("crew.route.none");
    else if (!stops.length) summary.textContent = t("crew.route.empty");
    else {
      summary.textContent = `${t("crew.route.total", { n: stops.length, d: distance(total) })}${
        fresh ? "" : ` ${t("crew.route.at", { date: formatDate(route.at) })}`}`;
    }
    $("#crew-route-stops", body).innerHTML = stops.map((f) =>
      `<li data-id="${f.properties.id}">${esc(f.properties.ref)} · ${esc(categoryName(f.properties.category))}</li>`).join("");
  }

  async function load() {
    if (!position || !navigator.onLine) { await paint(); return; }
    const q = new URLSearchParams({ lat: position.lat.toFixed(6), lon: position.lon.toFixed(6) });
    const mine = ++loads;
    try {
      const [tickets, plan] = await Promise.all([
        api(`/api/v1/crews/me/tickets/nearby?${q}&radius=${radius}&limit=50`),
        api(`/api/v1/crews/me/route?${q}`)]);
      if (mine !== loads || !alive) return;  // a later load (or the screen's end) overtook this one
      const at = new Date().toISOString();
      nearby = { at, position, radius, tickets };
      route = { at, data: plan };
      freshAt = at;
      await store.setNearby(nearby);
      await store.setRoute(route);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) { await store.forget(); signedOut(t("crew.expired")); return; }
      if (err instanceof ApiError) announce(err.message);
      freshAt = null;
    }
    await paint({ fit: true });
  }

  async function useposition(next) {
    position = next;
    await remember(next);
    await load();
  }

  // -- events
  body.addEventListener("click", async (event) => {
    const target = event.target.closest("button");
    if (!target || !body.contains(target)) return;
    if (target.dataset.act) {
      const id = Number(target.dataset.id);
      const ticket = project(nearby?.tickets || [], await actions()).find((x) => x.id === id);
      // One action at a time per ticket from this button (a disabled button would drop the focus).
      if (!ticket || busy.has(id)) return;
      busy.add(id);
      target.setAttribute("aria-disabled", "true");
      try {
        const outcome = await perform({ action: target.dataset.act, ticket });
        if (outcome === "sent") await load(); else await paint();
        if (outcome === "refused") $("#crew-refused li[data-status='refused']", body)?.focus();
      } finally { busy.delete(id); }
    } else if (target.dataset.dismiss || target.dataset.discard) {
      await discardAction(target.dataset.dismiss || target.dataset.discard);
      await paint();
      announce(t("crew.done"));
    } else if ("retry" in target.dataset) {
      await trySending();
      await load();
    }
  });
  $("#crew-signout", body).addEventListener("click", async () => {
    try {
      await signOut();
      signedOut(t("crew.signedout"));
    } catch {
      const error = $("#crew-signout-error", body);
      error.hidden = false;
      error.textContent = t("crew.signout.offline");
    }
  });
  $("#crew-refresh", body).addEventListener("click", () => load());
  $("#crew-radius", body).addEventListener("change", (event) => { radius = Number(event.target.value); load(); });
  $("#crew-locate", body).addEventListener("click", async () => {
    $("#crew-pos-status", body).textContent = t("report.place.locating");
    const fix = await deviceFix();
    if (fix) await useposition(fix);
    else $("#crew-pos-status", body).textContent = `${t("crew.pos.refused")} ${describe(position)}`;
  });
  const toggle = $("#crew-pin-toggle", body);
  const openPin = (open) => {
    toggle.setAttribute("aria-expanded", String(open));
    $("#crew-pin", body).hidden = !open;
    if (open && !pin) {
      pin = chooser($("#crew-pin", body), { start: position, onChoose: async (chosen) => {
        openPin(false);
        toggle.focus();
        await useposition(chosen);
      } });
    } else if (!open && pin) { pin.remove(); pin = null; }
  };
  toggle.addEventListener("click", () => openPin(toggle.getAttribute("aria-expanded") !== "true"));
  let timer = null;
  let known = (await actions()).length;
  // Another sender (the service worker, another tab) may have had an action accepted: fetch the lists again.
  const onOutbox = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const count = (await actions()).length;
      const dropped = count < known;
      known = count;
      if (dropped && navigator.onLine) await load(); else await paint();
    }, 80);
  };
  const onOnline = () => load();
  const onOffline = () => paint();
  document.addEventListener("rc:outbox", onOutbox);
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);

  // -- first the copies kept on the device, then the device's position and fresh lists
  position = nearby?.position || (await lastKnown()) || null;
  await paint({ fit: true });
  if (focusTicket) setTimeout(() => $(`[data-focus="card-${focusTicket}"]`, body)?.focus(), 0);
  deviceFix().then(async (fix) => {
    if (!alive) return;
    if (fix) { await useposition(fix); return; }
    const last = position || (await lastKnown());
    if (last) { await useposition({ ...last, source: last.source === "map" ? "map" : "last" }); return; }
    $("#crew-pos-status", body).textContent = t("crew.pos.none");
    openPin(true);
  });

  return () => {
    alive = false;
    clearTimeout(timer);
    document.removeEventListener("rc:outbox", onOutbox);
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOffline);
    if (pin) pin.remove();
    map.remove();
  };
}
