/* Administration: a zone file's dry run on our own Leaflet copy: the new zones' outlines and the open
   reports that would move (red: leaves its commune's cover). Enhancement only: the page lists the same
   moves as a table. Texts go through RueCommune.el (textContent, never HTML). */
(function () {
  "use strict";
  var el = window.RueCommune.el;

  function popup(point, labels) {
    var box = el("div", "rc-popup");
    var link = el("a", null, point.ref);
    link.href = "/staff/tickets/" + encodeURIComponent(point.ref);
    var title = el("h3");
    title.appendChild(link);
    box.appendChild(title);
    box.appendChild(el("p", null, labels.before + " : " + (point.before || "—")));
    box.appendChild(el("p", null, labels.after + " : " + (point.after || "—")));
    return box;
  }

  function draw(node) {
    var source = document.getElementById(node.getAttribute("data-config"));
    if (!source || typeof L === "undefined") { return; }
    var config = JSON.parse(source.textContent);
    var map = L.map(node, {scrollWheelZoom: false}).setView([45.76, 4.84], 11);
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, {attribution: config.attribution, maxZoom: 19}).addTo(map);
    }
    var shapes = L.geoJSON(config.shapes, {style: {color: "#1d3557", weight: 2, fillOpacity: 0.08}});
    shapes.eachLayer(function (layer) {
      layer.bindTooltip(el("span", null, layer.feature.properties.name + " (" + layer.feature.properties.code + ")"));
    });
    shapes.addTo(map);
    config.points.forEach(function (point) {
      L.circleMarker([point.lat, point.lon], {radius: 6, color: "#fff", weight: 2,
        fillColor: point.outside ? "#a50f15" : "#e08214", fillOpacity: 0.95})
        .bindPopup(popup(point, config.labels)).addTo(map);
    });
    var bounds = shapes.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [10, 10]}); }
    node.setAttribute("data-drawn", String(config.points.length));
  }

  document.querySelectorAll("[data-zones-map]").forEach(draw);
}());
