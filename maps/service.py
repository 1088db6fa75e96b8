"""Read-only queries behind the maps, the list and the dashboard; all the counting happens in PostGIS."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.orm import Session

from maps.filters import ReportFilter
from maps.queries import sql

HEATMAP_CELL_M = 250
MAX_PAGE = 5000


def _no_jit(session: Session) -> None:
    """Turn PostgreSQL's JIT off for this transaction. Aggregates over a million rows and ST_AsMVT have plan
    costs far above jit_above_cost, and compiling them took 0.5 to 3 s here for queries that run in 50-200 ms."""
    session.execute(text("SET LOCAL jit = off"))


@dataclass(frozen=True)
class Page:
    """One page of public reports; `after` continues the listing, None when this was the last page."""

    after: int | None
    rows: list[RowMapping] = field(default_factory=list)
    features_json: str = "[]"


@dataclass(frozen=True)
class Options:
    """What a visitor can filter on: categories and zones with their names in both languages."""

    categories: list[dict[str, Any]]
    communes: list[dict[str, Any]]


def options(*, session: Session) -> Options:
    rows = [dict(r) for r in session.execute(sql("options")).mappings()]
    categories = sorted((r for r in rows if r["kind"] == "category"), key=lambda r: (r["parent"] or r["code"],
                                                                                      r["parent"] is not None))
    zones = sorted((r for r in rows if r["kind"] != "category"), key=lambda r: r["name_fr"])
    return Options(categories=categories, communes=zones)


def geojson_page(*, session: Session, filters: ReportFilter, limit: int = 1000, after: int | None = None) -> Page:
    """Public reports as GeoJSON features built by PostGIS, newest first; never counts the whole set."""
    row = session.execute(sql("reports_page"), {**filters.params(), "limit": min(limit, MAX_PAGE),
                                                "after": after}).one()
    return Page(after=row.last_id if row.more else None, features_json=row.features)


def list_page(*, session: Session, filters: ReportFilter, limit: int = 100, after: int | None = None) -> Page:
    """Public reports as rows, newest first (fetches one more than asked to know whether a next page exists)."""
    limit = min(limit, MAX_PAGE)
    rows = list(session.execute(sql("reports_list"), {**filters.params(), "limit": limit + 1,
                                                      "after": after}).mappings())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(after=rows[-1]["id"] if more else None, rows=rows)


def list_rows(*, session: Session, filters: ReportFilter, wanted: int, first: Page) -> Iterator[RowMapping]:
    """The first page's rows, then keyset pages until `wanted` rows are out (read while an export streams)."""
    page, written = first, 0
    while True:
        yield from page.rows
        written += len(page.rows)
        if page.after is None or written >= wanted:
            return
        page = list_page(session=session, filters=filters, limit=min(MAX_PAGE, wanted - written), after=page.after)


def tile(*, session: Session, z: int, x: int, y: int, filters: ReportFilter) -> bytes:
    """A vector tile (ST_AsMVT) of the public reports in tile z/x/y."""
    _no_jit(session)
    data = session.execute(sql("tile"), {**filters.params(), "z": z, "x": x, "y": y}).scalar_one()
    return bytes(data or b"")


def heatmap(*, session: Session, filters: ReportFilter, cell_m: int = HEATMAP_CELL_M) -> list[RowMapping]:
    """Counts per grid cell of `cell_m` metres (Lambert-93), each with its centre in WGS84."""
    _no_jit(session)
    return list(session.execute(sql("heatmap"), {**filters.params(), "cell": cell_m}).mappings())


def heatmap_json(*, session: Session, filters: ReportFilter, cell_m: int = HEATMAP_CELL_M) -> str:
    """The same grid as a JSON document {"cell_m": ..., "cells": [...]}, serialised by PostgreSQL."""
    _no_jit(session)
    return str(session.execute(sql("heatmap_json"), {**filters.params(), "cell": cell_m}).scalar_one())


def communes(*, session: Session, filters: ReportFilter) -> list[RowMapping]:
    """Per-commune counts and reports per 1,000 inhabitants, every current commune listed."""
    _no_jit(session)
    return list(session.execute(sql("communes"), filters.without_bbox().params()).mappings())


def commune_shapes(*, session: Session) -> dict[str, Any]:
    """Simplified outlines of the current communes, by code (GeoJSON geometries)."""
    return {r.code: json.loads(r.geometry) for r in session.execute(sql("commune_shapes"))}


@dataclass(frozen=True)
class Figures:
    """The dashboard's figures: totals, channel mix, monthly series and per-commune rates."""

    summary: dict[str, Any]
    channels: list[dict[str, Any]]
    months: list[dict[str, Any]]
    communes: list[dict[str, Any]]


FIGURE_FIELDS = ("reports", "open", "resolved", "overdue")


def figure_rows(*, session: Session, filters: ReportFilter) -> list[dict[str, Any]]:
    """Totals per commune, channel and month and overall, from one scan of the reports (figures.sql)."""
    _no_jit(session)
    # The planner guesses the cube holds as many groups as rows and would sort 700,000 rows to group them;
    # it holds about 10,000, which hashing groups in a few megabytes.
    session.execute(text("SET LOCAL enable_sort = off"))
    rows = [dict(r) for r in session.execute(sql("figures"), filters.without_bbox().params()).mappings()]
    session.execute(text("SET LOCAL enable_sort = on"))
    return rows


def median_days(*, session: Session, filters: ReportFilter) -> float | None:
    """Median days from filing to resolution of the resolved reports."""
    _no_jit(session)
    value = session.execute(sql("median"), filters.without_bbox().params()).scalar()
    return None if value is None else float(value)


def figures(*, session: Session, filters: ReportFilter) -> Figures:
    """Every dashboard figure, on one session."""
    return assemble(figure_rows(session=session, filters=filters), median_days(session=session, filters=filters))


def assemble(rows: list[dict[str, Any]], median: float | None) -> Figures:
    """The dashboard's figures from the rows of figure_rows and the median."""
    by_kind: dict[str, list[dict[str, Any]]] = {"commune": [], "channel": [], "filed": [], "resolved": [], "total": []}
    for row in rows:
        by_kind[row["kind"]].append(row)
    total = by_kind["total"][0] if by_kind["total"] else dict.fromkeys(FIGURE_FIELDS + ("on_time", "with_deadline"), 0)
    summary = {field: total[field] for field in FIGURE_FIELDS} | {
        "median_days": median,
        "on_time_share": total["on_time"] / total["with_deadline"] if total["with_deadline"] else None}
    channels = sorted(({"channel": r["key"], "reports": r["reports"]} for r in by_kind["channel"]),
                      key=lambda c: (-c["reports"], c["channel"]))
    created = {r["key"]: r["reports"] for r in by_kind["filed"]}
    resolved = {r["key"]: r["reports"] for r in by_kind["resolved"]}
    months = [{"month": m, "created": created.get(m, 0), "resolved": resolved.get(m, 0)}
              for m in sorted(created.keys() | resolved.keys())]
    communes = sorted(({"code": r["key"], "name": r["name"], "population": r["population"],
                        "reports": r["reports"], "open": r["open"], "resolved": r["resolved"],
                        "per_1000": r["per_1000"]} for r in by_kind["commune"]), key=lambda c: c["name"])
    return Figures(summary=summary, channels=channels, months=months, communes=communes)


def default_period(today: date) -> tuple[date, date]:
    """The dashboard's default window: the last twelve months."""
    return date(today.year - 1, today.month, 1), today


def dashboard_filters(filters: ReportFilter, *, today: date | None = None) -> ReportFilter:
    """The dashboard looks at the last twelve months unless a period is chosen; it ignores states and bbox."""
    if filters.since or filters.until:
        return ReportFilter(category=filters.category, commune=filters.commune, since=filters.since,
                            until=filters.until)
    since, until = default_period(today or date.today())
    return ReportFilter(category=filters.category, commune=filters.commune, since=since, until=until)
