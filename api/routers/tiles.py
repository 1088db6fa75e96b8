"""Vector tiles (Mapbox Vector Tile, made by ST_AsMVT) of the public reports, for maps at scale."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import ReadSessionDep
from api.map_params import FilterDep
from core.errors import InvalidFilter
from maps import service

router = APIRouter(tags=["map"])
MVT = "application/vnd.mapbox-vector-tile"


@router.get("/tiles/reports/{z}/{x}/{y}.pbf", response_class=Response, responses={200: {"content": {MVT: {}}}})
def report_tile(session: ReadSessionDep, filters: FilterDep, z: Annotated[int, Path(ge=0, le=22)],
                x: Annotated[int, Path(ge=0)], y: Annotated[int, Path(ge=0)]) -> Response:
    """Layer `reports`: one point per public report with ref, category, state and commune."""
    if x >= 2**z or y >= 2**z:
        raise InvalidFilter(f"Tile {z}/{x}/{y} does not exist", f"La tuile {z}/{x}/{y} n'existe pas")
    data = service.tile(session=session, z=z, x=x, y=y, filters=filters.without_bbox())
    return Response(data, media_type=MVT, headers={"Cache-Control": "public, max-age=60"})
