// Address search for the report form: suggestions while typing (the platform's BAN-protocol API), biased to
// the map's centre, and the address of a point. Suggestions are DOM nodes with textContent: nothing is parsed.

const SEARCH_URL = "/api/v1/addresses/search";
const REVERSE_URL = "/api/v1/addresses/reverse";
const MIN_CHARS = 3;
const DEBOUNCE_MS = 200;

async function geocodeJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/geo+json, application/json" } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

/** The label of the address at a point ("12 Rue Mercière 69002 Lyon"), or null (offline, outside). */
export async function addressAt(lat, lon) {
  if (!navigator.onLine) return null;
  try {
    const body = await geocodeJson(`${REVERSE_URL}?${new URLSearchParams({ lat, lon })}`);
    return body.features?.[0]?.properties?.label || null;
  } catch {
    return null;
  }
}

/**
 * Suggestions under an input: typing at least three characters lists up to five addresses as buttons;
 * choosing one calls onPick({ lat, lon, label, type }). center() gives the bias point, or null.
 */
export function attachAddressSearch({ input, list, status, center, onPick, texts }) {
  let timer = null;
  let seq = 0;
  const clear = () => { list.replaceChildren(); list.hidden = true; };
  const show = (features) => {
    clear();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const { label, type } = feature.properties;
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "suggestion";
      button.textContent = label;
      button.addEventListener("click", () => {
        input.value = label;
        clear();
        status.textContent = "";
        onPick({ lat, lon, label, type });
        input.focus();
      });
      item.append(button);
      list.append(item);
    }
    list.hidden = features.length === 0;
    status.textContent = features.length ? texts.found(features.length) : texts.none;
  };
  const search = async () => {
    const q = input.value.trim();
    if (q.length < MIN_CHARS || !navigator.onLine) { clear(); status.textContent = ""; return; }
    const mine = ++seq;
    const params = new URLSearchParams({ q, limit: 5 });
    const at = center();
    if (at) { params.set("lat", at.lat.toFixed(5)); params.set("lon", at.lon.toFixed(5)); }
    let features = [];
    try { features = (await geocodeJson(`${SEARCH_URL}?${params}`)).features || []; } catch { features = []; }
    if (mine === seq) show(features);
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, DEBOUNCE_MS); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") clear();
    if (event.key === "ArrowDown" && !list.hidden) { event.preventDefault(); list.querySelector("button")?.focus(); }
  });
  list.addEventListener("keydown", (event) => {
    const buttons = [...list.querySelectorAll("button")];
    const i = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && i < buttons.length - 1) { event.preventDefault(); buttons[i + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? buttons[i - 1] : input).focus(); }
    if (event.key === "Escape") { clear(); input.focus(); }
  });
  clear();
}
