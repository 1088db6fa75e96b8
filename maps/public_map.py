"""The public map page: every public report, coloured by state, clustered, no personal data."""

import html
from collections.abc import Iterable

import folium
import folium.plugins

from core.settings import get_settings
from dispatch.schemas import ReportPublic
from maps import assets

STATE_COLOURS = {
    "new": "#d7301f", "triaged": "#fc8d59", "assigned": "#fdbb84", "scheduled": "#6a51a3",
    "in_progress": "#2b8cbe", "waiting_resident": "#969696", "resolved": "#31a354",
    "closed": "#006d2c", "reopened": "#e7298a", "rejected": "#525252",
}
CENTRE = (45.76, 4.84)


def escape(text: str) -> str:
    """HTML-escape, and also neutralise what could break out of the JS template literal folium wraps popups in."""
    return html.escape(text).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _popup(report: ReportPublic) -> str:
    """Popup HTML; every resident-provided string is escaped so nothing they typed runs here."""
    return (
        f'<div class="rc-popup"><h3>{escape(report.category)} · {escape(report.ref)}</h3>'
        f"<p>{escape(report.description)}</p>"
        f"<p>État / state: <b>{escape(report.state)}</b></p>"
        f'<p><a href="/reports/{escape(report.ref)}">Voir / view</a></p></div>'
    )


def render(reports: Iterable[ReportPublic]) -> str:
    """A full HTML page with the reports as clustered circle markers."""
    assets.use_local_assets()
    settings = get_settings()
    fmap = folium.Map(location=CENTRE, zoom_start=12, tiles=None, control_scale=True)
    if settings.tile_url:
        folium.TileLayer(tiles=settings.tile_url, attr=settings.tile_attribution, name="basemap").add_to(fmap)
    cluster = folium.plugins.MarkerCluster(name="reports").add_to(fmap)
    for report in reports:
        colour = STATE_COLOURS.get(report.state, "#3182bd")
        folium.CircleMarker(
            location=(report.lat, report.lon), radius=8, color=colour, fill=True, fill_color=colour,
            fill_opacity=0.8, popup=folium.Popup(_popup(report), max_width=300),
            tooltip=escape(report.category),
        ).add_to(cluster)
    return fmap.get_root().render()
