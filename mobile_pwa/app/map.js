// Leaflet maps of the app (the platform's own copy of Leaflet, loaded as a classic script before the app).

const LYON = [45.7578, 4.832];

function tileSettings() {
  const url = document.querySelector('meta[name="rc-tile-url"]')?.content || "";
  const attribution = document.querySelector('meta[name="rc-tile-attribution"]')?.content || "";
  return { url: url.startsWith("%%") ? "" : url, attribution };
}

/** A map; with `pin`, a pin that stays at the centre: moving the map (finger, mouse, arrow keys) moves the pin. */
export function createMap(element, { pin = false, zoom = 13, center = LYON } = {}) {
  const L = window.L;
  const map = L.map(element, { center, zoom, keyboard: true, zoomControl: true, attributionControl: true });
  const { url, attribution } = tileSettings();
  if (url) L.tileLayer(url, { attribution, maxZoom: 19, crossOrigin: true }).addTo(map);
  let marker = null;
  let programmatic = 0;
  const listeners = [];
  if (pin) {
    marker = L.marker(map.getCenter(), { interactive: false, keyboard: false }).addTo(map);
    map.on("move", () => marker.setLatLng(map.getCenter()));
    map.on("moveend", () => {
      if (programmatic > 0) return;
      const c = map.getCenter();
      for (const fn of listeners) fn({ lat: c.lat, lon: c.lng });
    });
  }
  return {
    leaflet: map,
    moveTo(lat, lon, z = 17) {
      programmatic += 1;
      try { map.setView([lat, lon], Math.max(z, map.getZoom()), { animate: false }); }
      finally { programmatic -= 1; }
      if (marker) marker.setLatLng([lat, lon]);
    },
    onUserMove(fn) { listeners.push(fn); },
    remove() { map.remove(); },
  };
}
