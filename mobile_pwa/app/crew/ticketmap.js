// The crew's map: where they stand, the nearby tickets, and the shift's route with its numbered stops.

import { t } from "../i18n.js";
import { createMap } from "../map.js";
import { esc } from "../util.js";
import { metres } from "./tickets.js";

/** A map in `element`; `show(...)` redraws its layers without rebuilding it. */
export function ticketMap(element, { onPick }) {
  const L = window.L;
  const map = createMap(element, { zoom: 15 });
  const layers = L.layerGroup().addTo(map.leaflet);
  element.addEventListener("click", (event) => {
    const button = event.target.closest("[data-pick]");
    if (button) onPick(Number(button.dataset.pick));
  });
  return {
    show({ position, tickets, route, categoryName, fit = false }) {
      layers.clearLayers();
      const bounds = [];
      if (position) {
        L.circleMarker([position.lat, position.lon], { radius: 9, color: "#0e2f59", weight: 3, fillColor: "#ffbf47",
                                                       fillOpacity: 1, interactive: false }).addTo(layers);
        bounds.push([position.lat, position.lon]);
      }
      const line = route?.features?.find((f) => f.properties.kind === "route");
      if (line && line.geometry.coordinates.length > 1) {
        L.polyline(line.geometry.coordinates.map(([lon, lat]) => [lat, lon]),
                   { color: "#174682", weight: 5, opacity: 0.8, interactive: false }).addTo(layers);
      }
      const stopFeatures = (route?.features || []).filter((f) => f.properties.kind === "stop");
      const stops = new Map(stopFeatures.map((f) => [f.properties.id, f.properties.stop]));
      const shown = new Set(tickets.map((x) => x.id));
      // Held tickets beyond the list's radius are still stops of the route.
      for (const f of stopFeatures.filter((s) => !shown.has(s.properties.id))) {
        const [lon, lat] = f.geometry.coordinates;
        const title = `${t("crew.route.stop", { n: f.properties.stop })} · ${f.properties.ref} · ${categoryName(f.properties.category)}`;
        L.marker([lat, lon], { title, alt: title, keyboard: true,
          icon: L.divIcon({ className: "stop-icon", html: `<span>${f.properties.stop}</span>`, iconSize: [30, 30] }) })
          .addTo(layers);
      }
      for (const ticket of tickets) {
        const stop = stops.get(ticket.id);
        const title = `${stop ? `${t("crew.route.stop", { n: stop })} · ` : ""}${ticket.ref} · ${categoryName(ticket.category)} · ${metres(ticket.distance_m)}`;
        const options = { title, alt: title, keyboard: true };
        if (stop) options.icon = L.divIcon({ className: "stop-icon", html: `<span>${stop}</span>`, iconSize: [30, 30] });
        L.marker([ticket.lat, ticket.lon], options).addTo(layers).bindPopup(
          `<p><strong>${esc(ticket.ref)}</strong><br>${esc(categoryName(ticket.category))} · ${esc(metres(ticket.distance_m))}</p>
           <button type="button" class="button link" data-pick="${ticket.id}">${esc(t("crew.map.pick"))}</button>`);
        bounds.push([ticket.lat, ticket.lon]);
      }
      if (!fit) return;
      if (bounds.length > 1) map.leaflet.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate: false });
      else if (bounds.length === 1) map.leaflet.setView(bounds[0], 16, { animate: false });
    },
    remove() { map.remove(); },
  };
}
