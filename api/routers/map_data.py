"""Public report data for maps and GIS users: GeoJSON pages, CSV, commune outlines. No personal data."""

import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import exports
from api.auth import MaybeStaff
from api.deps import ReadSessionDep, SettingsDep
from api.map_params import AfterId, FilterDep
from maps import service

router = APIRouter(prefix="/api/v1/map", tags=["map"])
GEOJSON = "application/geo+json"
CSV_COLUMNS = ("ref", "category", "state", "commune_code", "commune", "address", "description", "lat", "lon",
               "created", "due", "resolved")


@router.get("/reports", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def reports_geojson(session: ReadSessionDep, filters: FilterDep,
                    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 1000,
                    after: AfterId = None,
                    ) -> Response:
    """Public reports as a GeoJSON FeatureCollection, newest first; follow the `next` link for more (no total)."""
    page = service.geojson_page(session=session, filters=filters, limit=limit, after=after)
    links = [{"rel": "next", "type": GEOJSON,
              "href": f"/api/v1/map/reports?{filters.query(limit=limit, after=page.after)}"}] if page.after else []
    body = f'{{"type":"FeatureCollection","features":{page.features_json},"links":{json.dumps(links)}}}'
    return Response(body, media_type=GEOJSON)


@router.get("/reports.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def reports_csv(session: ReadSessionDep, filters: FilterDep, settings: SettingsDep, caller: MaybeStaff,
                limit: Annotated[int | None, Query(ge=1, description="rows at most; the cap is lower without "
                                                   "signing in (10,000 by default)")] = None) -> Response:
    """The same public reports as CSV, newest first, streamed."""
    wanted = exports.rows_wanted(limit, settings=settings, caller=caller)
    # The first page is read before the answer starts: a query the database refuses is still a 4xx.
    first = service.list_page(session=session, filters=filters, limit=min(service.MAX_PAGE, wanted))
    rows = service.list_rows(session=session, filters=filters, wanted=wanted, first=first)
    return exports.response("reports", CSV_COLUMNS, ([row[c] for c in CSV_COLUMNS] for row in rows))


@router.get("/communes", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def commune_outlines(session: ReadSessionDep) -> Response:
    """Outlines of the current communes (a background that works without basemap tiles)."""
    names = {c["code"]: c["name_fr"] for c in service.options(session=session).communes}
    features = [{"type": "Feature", "id": code, "properties": {"code": code, "name": names.get(code, code)},
                 "geometry": geometry} for code, geometry in service.commune_shapes(session=session).items()]
    return Response(json.dumps({"type": "FeatureCollection", "features": features}), media_type=GEOJSON,
                    headers={"Cache-Control": "public, max-age=3600"})
