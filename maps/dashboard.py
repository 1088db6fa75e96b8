"""The officials' dashboard: headline figures, channel mix, monthly series, and its two maps (heat, choropleth)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import folium.plugins
from sqlalchemy.orm import Session

from maps import i18n, pages, service
from maps.csp import NoncedFigure
from maps.filters import ReportFilter
from maps.pages import PageContext
from maps.public_map import base_map
from maps.runner import Runner
from maps.service import Figures

# Sequential palette, light to dark, for reports per 1,000 inhabitants.
PALETTE = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")


def breaks(values: list[float], classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of quantile classes over the communes' rates (58 numbers, not reports)."""
    ordered = sorted(v for v in values if v > 0)
    if not ordered:
        return [0.0] * classes
    return [ordered[min(len(ordered) - 1, (len(ordered) * (i + 1)) // classes - 1)] for i in range(classes)]


def colour(value: float, bounds: list[float]) -> str:
    if value <= 0:
        return "#f7f7f7"
    for bound, shade in zip(bounds, PALETTE, strict=True):
        if value <= bound:
            return shade
    return PALETTE[-1]


def choropleth_geojson(*, session: Session, filters: ReportFilter) -> dict[str, Any]:
    """Communes with their figures and outline: the choropleth, also offered as an export."""
    shapes = service.commune_shapes(session=session)
    rows = service.communes(session=session, filters=filters)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": r["code"], "geometry": shapes[r["code"]], "properties": dict(r)}
        for r in rows if r["code"] in shapes]}


def heatmap_geojson(*, session: Session, filters: ReportFilter, cell_m: int = service.HEATMAP_CELL_M) -> dict[str, Any]:
    """Grid cells as points (cell centres) weighted by their report count."""
    return {"type": "FeatureCollection", "cell_m": cell_m, "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(c["lon"], 6), round(c["lat"], 6)]},
         "properties": {"gx": c["gx"], "gy": c["gy"], "reports": c["reports"]}}
        for c in service.heatmap(session=session, filters=filters, cell_m=cell_m)]}


@dataclass(frozen=True)
class DashboardData:
    """Everything the dashboard page shows, read before it is drawn."""

    figures: Figures
    heat_cells: Sequence[Mapping[str, Any]]
    shapes: dict[str, Any]


def gather(*, run: Runner, filters: ReportFilter) -> DashboardData:
    """The page's data in four independent queries, side by side when `run` allows (slowest first)."""
    rows, cells, median, shapes = run([
        lambda session: service.figure_rows(session=session, filters=filters),
        lambda session: service.heatmap(session=session, filters=filters),
        lambda session: service.median_days(session=session, filters=filters),
        lambda session: service.commune_shapes(session=session),
    ])
    return DashboardData(figures=service.assemble(rows, median), heat_cells=cells, shapes=shapes)


def heatmap_layer(*, cells: Sequence[Mapping[str, Any]], shapes: dict[str, Any], fmap: folium.Map) -> None:
    """A heat layer of the 250 m grid counts, each cell weighted by its count relative to the busiest."""
    top = max((c["reports"] for c in cells), default=1)
    data = [[round(c["lat"], 6), round(c["lon"], 6), round(c["reports"] / top, 4)] for c in cells]
    folium.plugins.HeatMap(data, name="heatmap", radius=14, blur=12, min_opacity=0.3, max_zoom=15).add_to(fmap)
    _outlines(shapes=shapes, fmap=fmap, rows=None)


def choropleth_layer(*, shapes: dict[str, Any], rows: Sequence[Mapping[str, Any]], lang: str,
                     fmap: folium.Map) -> list[float]:
    """Communes coloured by reports per 1,000 inhabitants; returns the class bounds for the legend."""
    bounds = breaks([r["per_1000"] or 0.0 for r in rows])
    _outlines(shapes=shapes, fmap=fmap, rows=rows, bounds=bounds, lang=lang)
    return bounds


def _outlines(*, shapes: dict[str, Any], fmap: folium.Map, rows: Sequence[Mapping[str, Any]] | None,
              bounds: list[float] | None = None, lang: str = "fr") -> None:
    by_code = {r["code"]: r for r in rows or []}
    features = []
    for code, geometry in shapes.items():
        row = by_code.get(code)
        props: dict[str, Any] = {"code": code}
        if row is not None and bounds is not None:
            props |= {"name": row["name"], "reports": row["reports"], "per_1000": row["per_1000"] or 0,
                      "fill": colour(row["per_1000"] or 0.0, bounds)}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    collection = {"type": "FeatureCollection", "features": features}
    if rows is None:
        folium.GeoJson(collection, name="communes", style_function=lambda _f: {
            "color": "#6b7785", "weight": 1, "fill": False}, interactive=False).add_to(fmap)
        return
    folium.GeoJson(
        collection, name="communes",
        style_function=lambda f: {"color": "#555", "weight": 1, "fillColor": f["properties"].get("fill", "#f7f7f7"),
                                   "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=["name", "reports", "per_1000"],
                                      aliases=[i18n.t(lang, "col.commune"), i18n.t(lang, "dash.reports"),
                                               i18n.t(lang, "dash.per_1000")]),
    ).add_to(fmap)


def month_bars(months: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Geometry of the inline SVG bar chart (no chart library: nothing more to vendor)."""
    top = max([m["created"] for m in months] + [m["resolved"] for m in months] + [1])
    width = 34
    bars = [{"x": i * width, "month": m["month"], "created": m["created"], "resolved": m["resolved"],
             "h_created": round(120 * m["created"] / top, 1), "h_resolved": round(120 * m["resolved"] / top, 1)}
            for i, m in enumerate(months)]
    return {"bars": bars, "width": max(len(bars) * width, width), "height": 150}


def render(*, ctx: PageContext, data: DashboardData, tile_url: str, tile_attribution: str, nonce: str) -> str:
    """The dashboard: one page holding the figures, the heatmap and the choropleth (no frames: the CSP forbids them)."""
    figures = data.figures
    total = sum(c["reports"] for c in figures.channels) or 1
    channels = [{"channel": c["channel"], "reports": c["reports"], "share": c["reports"] / total}
                for c in figures.channels]
    figure = NoncedFigure(title=f"{i18n.t(ctx.lang, 'dashboard.title')} · Rue Commune")
    heat = base_map(tile_url=tile_url, tile_attribution=tile_attribution, height="460px")
    heat.add_to(figure)
    heatmap_layer(cells=data.heat_cells, shapes=data.shapes, fmap=heat)
    choro = base_map(tile_url=tile_url, tile_attribution=tile_attribution, height="460px")
    choro.add_to(figure)
    bounds = choropleth_layer(shapes=data.shapes, rows=figures.communes, lang=ctx.lang, fmap=choro)
    variables = ctx.variables("dashboard", "dashboard.title") | {
        "summary": figures.summary, "channels": channels, "months": figures.months,
        "chart": month_bars(figures.months), "communes": figures.communes, "channel_keys": set(i18n.TEXT),
        "legend": list(zip(PALETTE, bounds, strict=True)), "tiles": bool(tile_url)}
    # The maps' own elements are appended when the figure renders, after these; CSS orders them on screen.
    figure.header.add_child(folium.Element('<link rel="icon" href="data:,">'))
    figure.html.add_child(folium.Element(pages.render("dashboard_top.html", **variables)))
    figure.html.add_child(folium.Element(pages.render("dashboard_bottom.html", **variables)))
    return figure.render(nonce=nonce).replace("<html>", f'<html lang="{ctx.lang}">', 1)
