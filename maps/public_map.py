"""The public map page: folium and Leaflet, reports loaded as GeoJSON pages, one marker per report, clustered."""

import json
from typing import Any

import folium
from folium.elements import JSCSSMixin
from folium.template import Template

from maps import assets, csp, i18n, icons, pages, states
from maps.pages import PageContext

PAGE_SIZE = 2000
CENTRE = (45.76, 4.84)
MAX_ZOOM = 19
JS_TEXT_KEYS = ("view", "shown", "loading", "truncated", "truncated_view", "load_error", "col.due", "col.created",
                "col.resolved", "col.state", "col.commune", "place.found", "place.none", "place.shown")


def json_for_html(value: Any) -> str:
    """JSON safe inside an HTML <script> element: no '<' can close it early."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


class ReportsLayer(JSCSSMixin):
    """Hands the folium map to maps/static/public_map.js, which loads, clusters and filters the reports."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        RueCommune.publicMap({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("rc-config").textContent));
        RueCommune.mapSearch({{ this._parent.get_name() }},
            JSON.parse(document.getElementById("rc-config").textContent));
        {% endmacro %}
    """)
    default_js = [
        ("markerclusterjs", f"{assets.VENDOR}/leaflet.markercluster/leaflet.markercluster.js"),
        ("ruecommune_dom", f"{assets.STATIC_URL}/dom.js"),
        ("ruecommune_public_map", f"{assets.STATIC_URL}/public_map.js"),
        ("ruecommune_map_search", f"{assets.STATIC_URL}/map_search.js"),
    ]
    default_css = [
        ("markerclustercss", f"{assets.VENDOR}/leaflet.markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{assets.VENDOR}/leaflet.markercluster/MarkerCluster.Default.css"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._name = "ReportsLayer"


def base_map(*, tile_url: str, tile_attribution: str, height: str = "100%") -> folium.Map:
    """A folium map on our own Leaflet copy; no tile layer at all when the tile URL setting is empty."""
    assets.use_local_assets()
    fmap = folium.Map(location=CENTRE, zoom_start=11 if height != "100%" else 12, tiles=None, control_scale=True,
                      height=height)
    # Without a tile layer Leaflet has no maximum zoom, and marker clustering needs one.
    fmap.options["max_zoom"] = MAX_ZOOM
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution, name="basemap", max_zoom=MAX_ZOOM).add_to(fmap)
    return fmap


def config(ctx: PageContext, *, tiles: bool, max_markers: int) -> dict[str, Any]:
    """Everything the page script needs; texts and icons come from here, never from report data."""
    lang = ctx.lang
    cats = ctx.options.categories
    return {
        "lang": lang, "geojson": "/api/v1/map/reports", "communes": "/api/v1/map/communes",
        "listUrl": "/map/list", "addresses": "/api/v1/addresses/search",
        "pageSize": min(PAGE_SIZE, max_markers), "max": max_markers, "tiles": tiles,
        "colours": states.COLOURS, "states": {s: states.label(s, lang) for s in states.STATES},
        "categories": {c["code"]: c["name_fr"] if lang == "fr" else c["name_en"] for c in cats},
        "icons": {c["code"]: icons.svg(c["icon"] or icons.DEFAULT) for c in cats} | {"": icons.svg(icons.DEFAULT)},
        "text": {k: i18n.t(lang, k) for k in JS_TEXT_KEYS},
    }


def render(*, ctx: PageContext, tile_url: str, tile_attribution: str, max_markers: int, nonce: str) -> str:
    """The full HTML page: header, filter panel with per-state counts, the map, a link to the list.

    `nonce` is the request's CSP nonce, put on the page's own inline script."""
    fmap = base_map(tile_url=tile_url, tile_attribution=tile_attribution)
    ReportsLayer().add_to(fmap)
    variables = ctx.variables("map", "map.title")
    panel = pages.render("map_panel.html", **variables, tiles=bool(tile_url),
                         config_json=json_for_html(config(ctx, tiles=bool(tile_url), max_markers=max_markers)))
    root = csp.page_of(fmap)
    root.header.add_child(folium.Element(f"<title>{variables['title']} · Rue Commune</title>"
                                         '<link rel="icon" href="data:,">'))
    root.html.add_child(folium.Element(panel))
    html = root.render(nonce=nonce)
    return html.replace("<html>", f'<html lang="{ctx.lang}">', 1)
