/* Rue Commune public map: loads public reports page by page as GeoJSON, one marker per report, clustered.
   Report text only ever reaches the page through textContent, so nothing a resident typed can run here. */
(function () {
  "use strict";

  var el = window.RueCommune.el;  // maps/static/dom.js

  function popup(p, config) {
    var box = el("div", "rc-popup");
    box.appendChild(el("h3", null, (config.categories[p.category] || p.category) + " · " + p.ref));
    if (p.thumbnail) {
      var img = el("img", "rc-thumb");
      img.src = p.thumbnail;
      img.alt = "";
      box.appendChild(img);
    }
    var dl = el("dl");
    function row(label, value) {
      if (!value) { return; }
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", null, value));
    }
    row(config.text["col.state"], config.states[p.state] || p.state);
    row(config.text["col.commune"], p.address ? p.commune + " · " + p.address : p.commune);
    row(config.text["col.created"], p.created);
    row(config.text["col.due"], p.due);
    row(config.text["col.resolved"], p.resolved);
    box.appendChild(dl);
    if (p.description) { box.appendChild(el("p", "rc-description", p.description)); }
    var link = el("a", null, config.text.view);
    link.href = "/reports/" + encodeURIComponent(p.ref);
    box.appendChild(link);
    return box;
  }

  function icon(p, config) {
    // Only server-provided markup goes into the icon: the colour and SVG are looked up, never taken from data.
    var colour = config.colours[p.state] || "#3182bd";
    var svg = config.icons[p.category] || config.icons[""];
    return L.divIcon({
      className: "rc-marker",
      html: '<span class="rc-pin" style="background:' + colour + '">' + svg + "</span>",
      iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12]
    });
  }

  window.RueCommune = window.RueCommune || {};
  window.RueCommune.publicMap = function (map, config) {
    var form = document.getElementById("rc-filters");
    var status = document.getElementById("rc-status");
    var listLink = document.getElementById("rc-list-link");
    var cluster = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50 });
    map.addLayer(cluster);
    // byView: once the whole selection has more reports than config.max, load those of the visible area only,
    // again after every move, so that zooming in always shows everything there.
    var current = { map: map, cluster: cluster, counts: {}, total: 0, ready: null, generation: 0, byView: false };
    window.RueCommune.current = current;

    fetch(config.communes).then(function (r) { return r.ok ? r.json() : null; }).then(function (fc) {
      if (fc) {
        L.geoJSON(fc, { interactive: false, style: { color: "#6b7785", weight: 1, fill: false } }).addTo(map);
      }
    }).catch(function () { /* outlines are a comfort, the map works without them */ });

    function params() {
      var p = new URLSearchParams();
      new FormData(form).forEach(function (value, key) { if (value !== "") { p.append(key, value); } });
      var boxes = form.querySelectorAll('input[name="state"]');
      var checked = form.querySelectorAll('input[name="state"]:checked');
      if (checked.length === boxes.length) { p.delete("state"); }
      return p;
    }

    function showCounts() {
      form.querySelectorAll(".rc-count").forEach(function (span) {
        var n = current.counts[span.getAttribute("data-state")] || 0;
        span.textContent = "(" + n + ")";
      });
    }

    async function load() {
      var generation = ++current.generation;
      var p = params();
      var shown = new URLSearchParams(p);
      history.replaceState(null, "", "?" + shown.toString());
      if (current.byView) { p.set("bbox", map.getBounds().toBBoxString()); }
      // The list shows what the map shows: the same filters, and the same area when the map loads by view.
      if (listLink) { listLink.href = config.listUrl + "?" + p.toString(); }
      status.textContent = config.text.loading;
      status.removeAttribute("data-total");
      p.set("limit", String(config.pageSize));
      // No state ticked: nothing to show, and nothing to ask the server.
      var url = form.querySelector('input[name="state"]:checked') ? config.geojson + "?" + p.toString() : null;
      var markers = [];
      var counts = {};
      var truncated = false;
      while (url) {
        var response = await fetch(url, { headers: { Accept: "application/geo+json" } });
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        var fc = await response.json();
        if (generation !== current.generation) { return; }
        fc.features.forEach(function (f) {
          var p = f.properties;
          var c = f.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { icon: icon(p, config), title: (config.categories[p.category] || p.category) + " · " + (config.states[p.state] || p.state), alt: p.ref, keyboard: true });
          marker.options.state = p.state;
          marker.options.ref = p.ref;
          marker.bindPopup(function () { return popup(p, config); }, { maxWidth: 300 });
          markers.push(marker);
          counts[p.state] = (counts[p.state] || 0) + 1;
        });
        var next = (fc.links || []).filter(function (l) { return l.rel === "next"; })[0];
        url = next ? next.href : null;
        if (url && markers.length >= config.max) { truncated = true; url = null; }
      }
      cluster.clearLayers();
      cluster.addLayers(markers);
      current.counts = counts;
      current.total = markers.length;
      showCounts();
      if (truncated && !current.byView) {
        current.byView = true;
        return load();
      }
      var notice = truncated ? ". " + (current.byView ? config.text.truncated_view : config.text.truncated) : "";
      status.textContent = markers.length + " " + config.text.shown + notice;
      // For scripts and tests: what is on the map now, readable from the DOM.
      status.setAttribute("data-total", String(markers.length));
      status.setAttribute("data-generation", String(generation));
    }

    function reload() {
      current.ready = load().catch(function (err) {
        status.textContent = config.text.load_error;
        throw err;
      });
      return current.ready;
    }

    var moved = null;
    map.on("moveend", function () {
      if (!current.byView) { return; }
      clearTimeout(moved);
      moved = setTimeout(reload, 250);  // one load once a drag or a zoom animation has settled
    });
    // New filters may select few enough reports to show them all again.
    function refilter() { current.byView = false; return reload(); }
    form.addEventListener("change", refilter);
    form.addEventListener("submit", function (event) { event.preventDefault(); refilter(); });
    current.reload = reload;
    reload();
  };
}());
