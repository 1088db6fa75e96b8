"""Every script and stylesheet a map page needs, served by the platform itself (no third-party host)."""

from pathlib import Path

import folium
import folium.plugins

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_URL = "/static"
VENDOR = f"{STATIC_URL}/vendor"

# folium's popups build their HTML with jQuery, so it comes along.
LEAFLET_JS = [("leaflet", f"{VENDOR}/leaflet/leaflet.js"), ("jquery", f"{VENDOR}/jquery/jquery.min.js")]
LEAFLET_CSS = [("leaflet_css", f"{VENDOR}/leaflet/leaflet.css"), ("ruecommune_css", f"{STATIC_URL}/maps.css")]


def use_local_assets() -> None:
    """Point folium's classes at our copies; folium's defaults name CDNs a resident's browser would call."""
    folium.Map.default_js = LEAFLET_JS
    folium.Map.default_css = LEAFLET_CSS
    folium.plugins.MarkerCluster.default_js = [
        ("markerclusterjs", f"{VENDOR}/leaflet.markercluster/leaflet.markercluster.js")]
    folium.plugins.MarkerCluster.default_css = [
        ("markerclustercss", f"{VENDOR}/leaflet.markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", f"{VENDOR}/leaflet.markercluster/MarkerCluster.Default.css"),
    ]
    folium.plugins.HeatMap.default_js = [("leaflet-heat.js", f"{VENDOR}/leaflet.heat/leaflet-heat.js")]


use_local_assets()
