/* Back office maps: the tickets of a queue, or one ticket's place, drawn with our own Leaflet copy.
   Enhancement only: every page that uses it lists the same tickets as text. Reads its data from a
   <script type="application/json"> element; texts go through RueCommune.el (textContent, never HTML). */
(function () {
  "use strict";
  var el = window.RueCommune.el;

  function popup(point) {
    var box = el("div", "rc-popup");
    var link = el("a", null, point.ref);
    link.href = point.url;
    var title = el("h3");
    title.appendChild(link);
    box.appendChild(title);
    box.appendChild(el("p", null, point.state));
    if (point.category) { box.appendChild(el("p", null, point.category)); }
    if (point.address) { box.appendChild(el("p", null, point.address)); }
    return box;
  }

  function draw(node) {
    var source = document.getElementById(node.getAttribute("data-config"));
    if (!source || typeof L === "undefined") { return; }
    var config = JSON.parse(source.textContent);
    var map = L.map(node, {scrollWheelZoom: false}).setView([45.76, 4.84], config.zoom || 12);
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, {attribution: config.attribution, maxZoom: 19}).addTo(map);
    }
    var bounds = [];
    config.points.forEach(function (point) {
      var marker = L.circleMarker([point.lat, point.lon], {radius: 7, color: "#fff", weight: 2,
        fillColor: point.colour || "#0b5cad", fillOpacity: 0.9});
      marker.bindPopup(popup(point));
      marker.addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], config.zoom || 17); }
    else if (bounds.length > 1) { map.fitBounds(bounds, {padding: [20, 20], maxZoom: 17}); }
    node.setAttribute("data-drawn", String(bounds.length));
  }

  document.querySelectorAll("[data-staff-map]").forEach(draw);
}());
