"""Public report data for maps and GIS users: GeoJSON pages, CSV, commune outlines. No personal data."""

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ReadSessionDep
from api.map_params import FilterDep
from maps import service

router = APIRouter(prefix="/api/v1/map", tags=["map"])
GEOJSON = "application/geo+json"
CSV_COLUMNS = ("ref", "category", "state", "commune_code", "commune", "address", "description", "lat", "lon",
               "created", "due", "resolved")
CSV_MAX_ROWS = 50_000


@router.get("/reports", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def reports_geojson(session: ReadSessionDep, filters: FilterDep,
                    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 1000,
                    after: Annotated[int | None, Query(description="continue after this report id (keyset)")] = None,
                    ) -> Response:
    """Public reports as a GeoJSON FeatureCollection, newest first; follow the `next` link for more (no total)."""
    page = service.geojson_page(session=session, filters=filters, limit=limit, after=after)
    links = [{"rel": "next", "type": GEOJSON,
              "href": f"/api/v1/map/reports?{filters.query(limit=limit, after=page.after)}"}] if page.after else []
    body = f'{{"type":"FeatureCollection","features":{page.features_json},"links":{json.dumps(links)}}}'
    return Response(body, media_type=GEOJSON)


@router.get("/reports.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def reports_csv(session: ReadSessionDep, filters: FilterDep) -> Response:
    """The same public reports as CSV (at most 50,000 rows, newest first)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    after, written = None, 0
    while written < CSV_MAX_ROWS:
        page = service.list_page(session=session, filters=filters, limit=service.MAX_PAGE, after=after)
        writer.writerows([row[c] for c in CSV_COLUMNS] for row in page.rows)
        written += len(page.rows)
        if page.after is None:
            break
        after = page.after
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="reports.csv"'})


@router.get("/communes", response_class=Response, responses={200: {"content": {GEOJSON: {}}}})
def commune_outlines(session: ReadSessionDep) -> Response:
    """Outlines of the current communes (a background that works without basemap tiles)."""
    names = {c["code"]: c["name_fr"] for c in service.options(session=session).communes}
    features = [{"type": "Feature", "id": code, "properties": {"code": code, "name": names.get(code, code)},
                 "geometry": geometry} for code, geometry in service.commune_shapes(session=session).items()]
    return Response(json.dumps({"type": "FeatureCollection", "features": features}), media_type=GEOJSON,
                    headers={"Cache-Control": "public, max-age=3600"})
