"""The officials' dashboard as data: figures, heatmap grid, per-commune rates, series; JSON, GeoJSON and CSV.

Staff only (any signed-in role or partner key); every figure is an aggregate, none carries personal data.
"""

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from starlette.responses import StreamingResponse

from api import exports
from api.auth import CurrentStaff
from api.deps import ReadRunnerDep, ReadSessionDep
from api.map_params import FilterDep
from maps import dashboard, service
from maps.service import dashboard_filters

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
GEOJSON = "application/geo+json"
Cell = Annotated[int, Query(ge=50, le=5000, description="grid cell size in metres (Lambert-93)")]


def _csv(name: str, columns: Sequence[str], rows: Iterable[Any]) -> Response:
    return exports.response(name, columns, ([row[c] for c in columns] for row in rows))


def _features(collection: dict[str, Any]) -> Iterator[bytes]:
    """A FeatureCollection written a batch of features at a time (a 50 m grid has hundreds of thousands)."""
    features = collection.pop("features")
    head = json.dumps(collection)
    yield (head[:-1] + (', ' if collection else '') + '"features": [').encode()
    for start in range(0, len(features), exports.BATCH_ROWS):
        batch = ", ".join(json.dumps(f) for f in features[start:start + exports.BATCH_ROWS])
        yield ((", " if start else "") + batch).encode()
    yield b"]}"


def _geojson(collection: dict[str, Any]) -> Response:
    return StreamingResponse(_features(collection), media_type=GEOJSON)


def _json(data: Any) -> Response:
    # Thousands of grid cells: json.dumps is several times faster than FastAPI's generic encoder here.
    return Response(json.dumps(data, default=str), media_type="application/json")


@router.get("/summary", response_class=Response, responses={200: {"content": {"application/json": {}}}})
def summary(run: ReadRunnerDep, filters: FilterDep, _staff: CurrentStaff) -> Response:
    """Totals, median days to resolution, share resolved by the deadline, channel mix; last 12 months by default."""
    shown = dashboard_filters(filters)
    rows, median = run([lambda session: service.figure_rows(session=session, filters=shown),
                        lambda session: service.median_days(session=session, filters=shown)])
    figures = service.assemble(rows, median)
    return _json({"filters": shown.query(), "summary": figures.summary, "channels": figures.channels,
                  "months": figures.months})


@router.get("/heatmap", response_class=Response, responses={200: {"content": {"application/json": {}}}})
def heatmap(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff, cell: Cell = 250) -> Response:
    """Report counts per grid cell (computed in PostGIS), each cell's centre in WGS84."""
    body = service.heatmap_json(session=session, filters=dashboard_filters(filters), cell_m=cell)
    return Response(body, media_type="application/json")


@router.get("/heatmap.geojson", response_class=Response)
def heatmap_geojson(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff, cell: Cell = 250) -> Response:
    return _geojson(dashboard.heatmap_geojson(session=session, filters=dashboard_filters(filters), cell_m=cell))


@router.get("/heatmap.csv", response_class=Response)
def heatmap_csv(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff, cell: Cell = 250) -> Response:
    cells = service.heatmap(session=session, filters=dashboard_filters(filters), cell_m=cell)
    return _csv("heatmap", ("gx", "gy", "lat", "lon", "reports"), cells)


@router.get("/communes", response_class=Response, responses={200: {"content": {"application/json": {}}}})
def communes(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff) -> Response:
    """Reports, open reports and reports per 1,000 inhabitants for every current commune."""
    return _json([dict(r) for r in service.communes(session=session, filters=dashboard_filters(filters))])


@router.get("/communes.geojson", response_class=Response)
def communes_geojson(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff) -> Response:
    """The choropleth: communes with their figures and simplified outlines."""
    return _geojson(dashboard.choropleth_geojson(session=session, filters=dashboard_filters(filters)))


@router.get("/communes.csv", response_class=Response)
def communes_csv(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff) -> Response:
    rows = service.communes(session=session, filters=dashboard_filters(filters))
    return _csv("communes", ("code", "name", "population", "reports", "open", "resolved", "per_1000"), rows)


@router.get("/months.csv", response_class=Response)
def months_csv(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff) -> Response:
    # No median here: the one-scan rows hold every count these exports need.
    rows = service.assemble(service.figure_rows(session=session, filters=dashboard_filters(filters)), None).months
    return _csv("months", ("month", "created", "resolved"), rows)


@router.get("/channels.csv", response_class=Response)
def channels_csv(session: ReadSessionDep, filters: FilterDep, _staff: CurrentStaff) -> Response:
    rows = service.assemble(service.figure_rows(session=session, filters=dashboard_filters(filters)), None).channels
    return _csv("channels", ("channel", "reports"), rows)
