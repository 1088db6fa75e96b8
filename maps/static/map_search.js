/* Rue Commune public map: the search box. Suggestions from the platform's geocoder (/api/v1/addresses/search,
   the BAN protocol) biased to the map's centre; picking one centres the map there. Labels reach the page through
   textContent only. */
(function () {
  "use strict";

  var MIN_CHARS = 3;
  var DEBOUNCE_MS = 200;
  // How close to come for each kind of answer: a commune whole, a street, a door.
  var ZOOM = { municipality: 14, locality: 16, street: 17, housenumber: 18 };

  window.RueCommune = window.RueCommune || {};
  window.RueCommune.mapSearch = function (map, config) {
    var form = document.getElementById("rc-place-search");
    if (!form) { return; }
    var input = document.getElementById("rc-place");
    var list = document.getElementById("rc-place-list");
    var status = document.getElementById("rc-place-status");
    var timer = null;
    var seq = 0;
    var marker = null;
    form.hidden = false;

    function clear() { list.replaceChildren(); list.hidden = true; input.setAttribute("aria-expanded", "false"); }

    function pick(feature) {
      var c = feature.geometry.coordinates;
      var label = feature.properties.label;
      clearTimeout(timer);
      seq += 1;  // an answer still on its way must not open the list again over the map
      input.value = label;
      clear();
      map.setView([c[1], c[0]], ZOOM[feature.properties.type] || 17);
      if (marker) { marker.remove(); }
      marker = L.circleMarker([c[1], c[0]], { radius: 8, color: "#1d3557", weight: 3, fill: false,
                                              interactive: false }).addTo(map);
      status.textContent = config.text["place.shown"] + " " + label;
      form.setAttribute("data-picked", c[1] + "," + c[0]);
    }

    function show(features) {
      clear();
      features.forEach(function (feature) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "rc-suggestion";
        button.textContent = feature.properties.label;
        button.addEventListener("click", function () { pick(feature); input.focus(); });
        item.appendChild(button);
        list.appendChild(item);
      });
      list.hidden = features.length === 0;
      input.setAttribute("aria-expanded", features.length ? "true" : "false");
      status.textContent = features.length ? features.length + " " + config.text["place.found"]
                                           : config.text["place.none"];
    }

    function search() {
      var q = input.value.trim();
      if (q.length < MIN_CHARS) { clear(); status.textContent = ""; return; }
      var mine = ++seq;
      var centre = map.getCenter();
      var params = new URLSearchParams({ q: q, limit: "5", lat: centre.lat.toFixed(5), lon: centre.lng.toFixed(5) });
      fetch(config.addresses + "?" + params.toString(), { headers: { Accept: "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : { features: [] }; })
        .catch(function () { return { features: [] }; })
        .then(function (fc) { if (mine === seq) { show(fc.features || []); } });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, DEBOUNCE_MS); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { clear(); }
      if (event.key === "ArrowDown" && !list.hidden) {
        event.preventDefault();
        list.querySelector("button").focus();
      }
    });
    list.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(list.querySelectorAll("button"));
      var i = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && i < buttons.length - 1) { event.preventDefault(); buttons[i + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? buttons[i - 1] : input).focus(); }
      if (event.key === "Escape") { clear(); input.focus(); }
    });
    // Enter picks the first suggestion, as a search box does.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = list.querySelector("button");
      if (first) { first.click(); } else { search(); }
    });
    clear();
  };
}());
