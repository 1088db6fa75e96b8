/* The new request form, enhanced: address suggestions while typing (GET /api/v1/addresses/search), a map to
   click the place on (our own Leaflet copy), and the open reports nearby of the same category shown as soon as
   the place and category are known (GET /api/v1/reports/nearby-duplicates), each with its "follow" button.
   Without this script every step is a button of the form; texts go through RueCommune.el (never HTML). */
(function () {
  "use strict";
  var el = window.RueCommune.el;
  var form = document.getElementById("rc-new");
  var source = document.getElementById("rc-new-config");
  if (!form || !source) { return; }
  var config = JSON.parse(source.textContent);
  var address = document.getElementById("f-address");
  var list = document.getElementById("rc-address-list");
  var lat = document.getElementById("f-lat");
  var lon = document.getElementById("f-lon");
  var category = document.getElementById("f-category");
  var pointText = document.getElementById("rc-point");
  var nearby = document.getElementById("rc-nearby-list");
  var found = [];
  var marker = null;
  var map = null;

  function dot(where) {
    return L.circleMarker(where, {radius: 8, color: "#fff", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.9})
      .addTo(map);
  }

  function setPoint(y, x, label) {
    lat.value = y.toFixed(6);
    lon.value = x.toFixed(6);
    var chosen = form.querySelectorAll("input[name=address_id]");
    chosen.forEach(function (node) { if (node.type !== "radio") { node.remove(); } else { node.checked = false; } });
    pointText.textContent = config.texts.point.replace("{lat}", lat.value).replace("{lon}", lon.value);
    if (label) { address.value = label; }
    if (map) {
      if (marker) { marker.setLatLng([y, x]); } else { marker = dot([y, x]); }
      map.setView([y, x], Math.max(map.getZoom(), 16));
    }
    lookForDuplicates();
  }

  function suggest() {
    var q = address.value.trim();
    var picked = found.filter(function (f) { return f.properties.label === q; })[0];
    if (picked) {
      setPoint(picked.geometry.coordinates[1], picked.geometry.coordinates[0]);
      return;
    }
    if (q.length < 3) { return; }
    fetch("/api/v1/addresses/search?limit=6&q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {features: []}; })
      .then(function (data) {
        found = data.features || [];
        while (list.firstChild) { list.removeChild(list.firstChild); }
        found.forEach(function (f) {
          var option = el("option");
          option.value = f.properties.label;
          list.appendChild(option);
        });
      }).catch(function () { /* the "search address" button still works */ });
  }

  function where() {
    if (lat.value && lon.value) { return [lat.value, lon.value]; }
    var picked = form.querySelector("input[name=address_id]:checked, input[type=hidden][name=address_id]");
    if (picked && picked.getAttribute("data-lat")) {
      return [picked.getAttribute("data-lat"), picked.getAttribute("data-lon")];
    }
    return null;
  }

  function lookForDuplicates() {
    var point = where();
    if (!point || !category.value) { return; }
    var url = "/api/v1/reports/nearby-duplicates?lat=" + point[0] + "&lon=" + point[1] +
      "&category=" + encodeURIComponent(category.value);
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        while (nearby.firstChild) { nearby.removeChild(nearby.firstChild); }
        if (!rows.length) { nearby.appendChild(el("li", null, config.texts.none_nearby)); }
        rows.forEach(function (row) {
          var item = el("li");
          item.setAttribute("data-ref", row.ref);
          var link = el("a", null, row.ref);
          link.href = "/staff/tickets/" + encodeURIComponent(row.ref) + "?lang=" + config.lang;
          item.appendChild(link);
          item.appendChild(document.createTextNode(" · " + (config.states[row.state] || row.state) + " · " +
            config.texts.distance.replace("{m}", String(Math.round(row.distance_m))) + " · " +
            String(row.description || "").slice(0, 120) + " "));
          var follow = el("button", null, config.texts.follow.replace("{ref}", row.ref));
          follow.type = "submit";
          follow.name = "follow";
          follow.value = row.ref;
          item.appendChild(follow);
          nearby.appendChild(item);
        });
        document.getElementById("rc-nearby").setAttribute("data-checked", String(rows.length));
      }).catch(function () { /* the "look for the same problem" button still works */ });
  }

  var timer = null;
  address.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  address.addEventListener("keydown", function (event) {
    // Enter in the address field searches the address, not the resident (the form's first button).
    if (event.key === "Enter") {
      event.preventDefault();
      document.getElementById("rc-search-address").click();
    }
  });
  var who = document.getElementById("f-who");
  if (who) {
    who.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        form.querySelector("button[name=step][value=find]").click();
      }
    });
  }
  category.addEventListener("change", lookForDuplicates);
  form.querySelectorAll("input[name=address_id]").forEach(function (radio) {
    radio.addEventListener("change", function () { lat.value = ""; lon.value = ""; lookForDuplicates(); });
  });

  var node = form.querySelector("[data-new-map]");
  if (node && typeof L !== "undefined") {
    map = L.map(node, {scrollWheelZoom: false}).setView([45.76, 4.84], 12);
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, {attribution: config.attribution, maxZoom: 19}).addTo(map);
    }
    if (config.lat && config.lon) {
      marker = dot([Number(config.lat), Number(config.lon)]);
      map.setView([Number(config.lat), Number(config.lon)], 16);
    }
    map.on("click", function (event) {
      setPoint(event.latlng.lat, event.latlng.lng);
      fetch("/api/v1/addresses/reverse?lat=" + event.latlng.lat + "&lon=" + event.latlng.lng,
            {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {features: []}; })
        .then(function (data) {
          var f = (data.features || [])[0];
          if (f) { address.value = f.properties.label; }
        }).catch(function () { /* the point alone places the request */ });
    });
    node.setAttribute("data-drawn", "1");
  }
  lookForDuplicates();
}());
