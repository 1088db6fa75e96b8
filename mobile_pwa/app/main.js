// The app's entry: screens by URL hash, language, network status, service worker and outbox retries.

import { lang, setLang, t, translate } from "./i18n.js";
import { waiting } from "./outbox.js";
import { anythingWaiting, trySending } from "./sync.js";
import { takeTokenFromUrl } from "./resident.js";
import { $, $$ } from "./util.js";
import * as home from "./screens/home.js";
import * as report from "./screens/report.js";
import * as done from "./screens/done.js";
import * as mine from "./screens/mine.js";
import * as crew from "./screens/crew.js";

const SCREENS = { "": home, report, done, mine, crew };
let cleanup = null;

function parseHash() {
  const [name = "", ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { name: name in SCREENS ? name : "", arg: rest.map(decodeURIComponent).join("/") };
}

async function show({ focus = true } = {}) {
  const route = parseHash();
  if (cleanup) { try { cleanup(); } catch { /* the old screen is gone anyway */ } }
  cleanup = null;
  const main = $("#main");
  main.replaceChildren();
  for (const link of $$("[data-route]")) {
    if (link.dataset.route === route.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const screen = SCREENS[route.name];
  cleanup = (await screen.render(main, route.arg)) || null;
  const heading = $("h1", main);
  document.title = heading ? `${heading.textContent} – ${t("app.name")}` : t("app.name");
  // Moving focus to the new heading tells screen-reader users the screen changed.
  if (focus && heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
}

function applyLanguage() {
  document.documentElement.lang = lang();
  translate(document);
  const other = lang() === "fr" ? "en" : "fr";
  $("#lang-switch").setAttribute("lang", other);
}

async function refreshBadge() {
  const count = (await waiting()).length;
  const badge = $("#waiting-badge");
  badge.hidden = count === 0;
  badge.textContent = count ? String(count) : "";
  badge.setAttribute("aria-label", t("home.waiting", { n: count }));
}

function showNetwork() {
  const status = $("#net-status");
  status.hidden = navigator.onLine;
  status.textContent = navigator.onLine ? "" : t("net.offline");
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/", type: "module" });
  } catch (err) {
    console.warn("service worker not registered", err);
  }
}

async function boot() {
  await takeTokenFromUrl();
  setLang(lang());
  applyLanguage();
  $("#lang-switch").addEventListener("click", async () => {
    setLang(lang() === "fr" ? "en" : "fr");
    applyLanguage();
    showNetwork();
    await refreshBadge();
    await show({ focus: false });
    $("#lang-switch").focus();
  });
  window.addEventListener("hashchange", () => show());
  window.addEventListener("online", () => { showNetwork(); trySending(); });
  window.addEventListener("offline", showNetwork);
  try {
    new BroadcastChannel("rc-outbox").onmessage = () => {
      refreshBadge();
      document.dispatchEvent(new CustomEvent("rc:outbox"));
    };
  } catch { /* no BroadcastChannel: screens refresh on their own actions */ }
  showNetwork();
  show({ focus: false });
  refreshBadge();
  registerWorker();
  trySending();
  // A request that failed halfway (the network dropped with the browser still "online") gets retried.
  setInterval(async () => { if (await anythingWaiting()) trySending(); }, 20000);
}


boot();
