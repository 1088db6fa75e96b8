/* Rue Commune supervisors' page: the crews' open tickets as markers coloured per crew, the same tickets in a
   table, and a "give to another crew" control in both. Data only reaches the page through textContent. */
(function () {
  "use strict";

  var el = window.RueCommune.el;  // maps/static/dom.js

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, key) { return values[key] !== undefined ? values[key] : ""; });
  }

  function csrfToken() {
    // The sign-in set it as a readable cookie beside the HttpOnly session; the API wants it back as a header.
    var match = document.cookie.match(/(?:^|;\s*)rc_csrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function day(iso, lang) {
    if (!iso) { return "–"; }
    return new Date(iso).toLocaleDateString(lang === "fr" ? "fr-FR" : "en-GB",
                                            { year: "numeric", month: "short", day: "numeric" });
  }

  window.RueCommune = window.RueCommune || {};
  window.RueCommune.teamMap = function (map, config) {
    var text = config.text;
    var status = document.getElementById("rc-team-status");
    var errorBox = document.getElementById("rc-team-error");
    var legend = document.getElementById("rc-team-legend");
    var tbody = document.querySelector("#rc-team-table tbody");
    var layer = L.featureGroup().addTo(map);
    var state = { crews: [], colour: {}, generation: 0, fitted: false };
    var controlCount = 0;

    function crewColour(id) { return state.colour[id] || "#555"; }

    function holder(p) { return p.crew_id === null ? text["team.unclaimed"] : p.crew_name; }

    function handedBack(p) {
      var h = p.handed_back;
      return h ? fill(text["team.handed_back"], { by: h.by || "?", at: day(h.at, config.lang), reason: h.reason || "" })
               : "";
    }

    function crewName(id, fallback) {
      var crew = state.crews.filter(function (c) { return c.id === id; })[0];
      return crew ? crew.name : (fallback || String(id));
    }

    function icon(p) {
      // Only a colour we chose goes into the markup; never anything from the ticket.
      return L.divIcon({ className: "rc-marker",
                         html: '<span class="rc-pin" style="background:' + crewColour(p.crew_id) + '"></span>',
                         iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12] });
    }

    function reassignControl(p, where) {
      // A labelled select of the ticket's service's other crews and a button; one per place it is shown.
      var box = el("div", "rc-reassign");
      var id = "rc-reassign-" + where + "-" + p.id + "-" + (++controlCount);
      var label = el("label", where === "table" ? "rc-visually-hidden" : null, fill(text["team.reassign_to"], p));
      label.htmlFor = id;
      var select = el("select");
      select.id = id;
      select.name = "crew_id";
      var others = state.crews.filter(function (c) {
        return c.id !== p.crew_id && (!p.service_code || c.service_code === p.service_code);
      });
      others.forEach(function (c) {
        var option = el("option", null, c.name);
        option.value = String(c.id);
        select.appendChild(option);
      });
      var button = el("button", null, text["team.reassign"]);
      button.type = "button";
      button.setAttribute("data-ticket", String(p.id));
      if (!others.length) {
        select.appendChild(el("option", null, text["team.no_other"]));
        select.disabled = true;
        button.disabled = true;
      }
      button.addEventListener("click", function () { reassign(p, Number(select.value), button); });
      box.appendChild(label);
      box.appendChild(select);
      box.appendChild(button);
      return box;
    }

    function popup(p) {
      var box = el("div", "rc-popup");
      box.appendChild(el("h3", null, (config.categories[p.category] || p.category) + " · " + p.ref));
      var dl = el("dl");
      [[text["col.state"], config.states[p.state] || p.state], [text["team.crew"], holder(p)],
       [text["col.due"], day(p.due_at, config.lang)]].concat(p.handed_back ? [[text["team.unclaimed"], handedBack(p)]] : [])
      .forEach(function (pair) {
        dl.appendChild(el("dt", null, pair[0]));
        dl.appendChild(el("dd", null, pair[1]));
      });
      box.appendChild(dl);
      box.appendChild(reassignControl(p, "popup"));
      return box;
    }

    function drawLegend(counts) {
      legend.textContent = "";
      state.crews.forEach(function (c) {
        if (!counts[c.id]) { return; }
        var item = el("li");
        var swatch = el("span", "rc-swatch");
        swatch.style.background = crewColour(c.id);
        swatch.setAttribute("aria-hidden", "true");
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(c.name + " (" + counts[c.id] + ")"));
        item.setAttribute("data-crew", String(c.id));
        legend.appendChild(item);
      });
    }

    function row(p) {
      var tr = el("tr");
      tr.setAttribute("data-ref", p.ref);
      tr.setAttribute("data-crew", String(p.crew_id));
      var ref = el("th", null, p.ref);
      ref.scope = "row";
      tr.appendChild(ref);
      tr.appendChild(el("td", null, config.categories[p.category] || p.category));
      tr.appendChild(el("td", null, config.states[p.state] || p.state));
      var crew = el("td");
      var swatch = el("span", "rc-swatch");
      swatch.style.background = crewColour(p.crew_id);
      swatch.setAttribute("aria-hidden", "true");
      crew.appendChild(swatch);
      crew.appendChild(document.createTextNode(holder(p)));
      if (p.handed_back) {
        var why = el("p", "rc-handed-back", handedBack(p));
        crew.appendChild(why);
      }
      tr.appendChild(crew);
      tr.appendChild(el("td", null, day(p.due_at, config.lang)));
      var action = el("td");
      action.appendChild(reassignControl(p, "table"));
      tr.appendChild(action);
      return tr;
    }

    async function load() {
      var generation = ++state.generation;
      status.removeAttribute("data-total");
      var response = await fetch(config.tickets, { headers: { Accept: "application/geo+json",
                                                              "Accept-Language": config.lang },
                                                   credentials: "same-origin" });
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      var fc = await response.json();
      if (generation !== state.generation) { return; }
      state.crews = fc.crews || [];
      state.colour = {};
      state.crews.forEach(function (c, i) { state.colour[c.id] = config.colours[i % config.colours.length]; });
      layer.clearLayers();
      tbody.textContent = "";
      var counts = {};
      fc.features.forEach(function (f) {
        var p = f.properties;
        var c = f.geometry.coordinates;
        counts[p.crew_id] = (counts[p.crew_id] || 0) + 1;
        var marker = L.marker([c[1], c[0]], { icon: icon(p), keyboard: true, alt: p.ref,
                                             title: p.ref + " · " + holder(p) });
        marker.bindPopup(function () { return popup(p); }, { maxWidth: 320 });
        marker.on("add", function () {
          var node = marker.getElement();
          if (node) { node.setAttribute("data-ref", p.ref); node.setAttribute("data-crew", String(p.crew_id)); }
        });
        layer.addLayer(marker);
        tbody.appendChild(row(p));
      });
      if (!fc.features.length) {
        var empty = el("tr");
        var cell = el("td", null, text["team.none"]);
        cell.colSpan = 6;
        empty.appendChild(cell);
        tbody.appendChild(empty);
      } else if (!state.fitted) {
        map.fitBounds(layer.getBounds(), { padding: [30, 30], maxZoom: 16 });
        state.fitted = true;
      }
      drawLegend(counts);
      status.textContent = fc.features.length + " " + text["team.count"];
      // For scripts and tests: how many tickets are drawn, readable from the DOM.
      status.setAttribute("data-total", String(fc.features.length));
      status.setAttribute("data-generation", String(generation));
    }

    function reload() {
      return load().catch(function (err) {
        status.textContent = text["team.load_error"];
        throw err;
      });
    }

    async function reassign(p, crewId, button) {
      button.disabled = true;
      errorBox.textContent = "";
      var response;
      try {
        response = await fetch(fill(config.assign, { id: p.id }), {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json",
                     "Accept-Language": config.lang, "X-CSRF-Token": csrfToken() },
          body: JSON.stringify({ crew_id: crewId, version: p.version })
        });
      } catch (err) {
        button.disabled = false;
        errorBox.textContent = fill(text["team.refused"], { ref: p.ref, detail: text["team.load_error"] });
        return;
      }
      map.closePopup();
      // A failed re-read already says so in the status line; it is not a failed reassignment.
      function quiet() { return reload().catch(function () { return undefined; }); }
      if (response.ok) {
        await quiet();
        status.textContent = fill(text["team.done"], { ref: p.ref, crew: crewName(crewId) });
        status.setAttribute("data-done", p.ref);
        return;
      }
      // A problem+json answer: its French or English detail says what happened (a newer version, a crew
      // that left the service...); the list is refreshed so the next try starts from what is true now.
      var problem = {};
      try { problem = await response.json(); } catch (err) { problem = {}; }
      var detail = problem["detail_" + config.lang] || problem["title_" + config.lang] || ("HTTP " + response.status);
      var message = fill(text["team.refused"], { ref: p.ref, detail: detail });
      if (response.status === 409) { message += " " + text["team.stale"]; }
      errorBox.textContent = message;
      errorBox.setAttribute("data-status", String(response.status));
      await quiet();
    }

    window.RueCommune.team = { reload: reload };
    reload();
  };
}());
