"""OGC API - Features Part 1 (core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS84, EPSG:4326, Lambert-93): landing page,
conformance, collections with their real extents, items with bbox, datetime, crs and paging, one item; plus a
CSV export of reports. Only public facts (dispatch.publication): no personal data, nothing staff hid."""

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import ColumnElement, Numeric, Select, and_, func, or_, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from api import exports
from api.auth import MaybeStaff
from api.deps import ReadSessionDep, SettingsDep
from api.ogc import filtering
from api.ogc import params as p
from core.errors import InvalidParameter, NotFound
from dispatch import publication, vocabulary
from dispatch.models import Report
from geo.models import Category, Zone

router = APIRouter(prefix="/ogc", tags=["open data (OGC API - Features)"])

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *filtering.CONFORMANCE,
]
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

COLLECTIONS = {
    "reports": ("Signalements publics / Public reports",
                "Problems reported in public space and what became of them, without any personal data."),
    "communes": ("Communes de la Métropole de Lyon / Communes", "Current commune boundaries."),
    "arrondissements": ("Arrondissements de Lyon / Arrondissements", "Current arrondissements of Lyon."),
}
ZONE_KINDS = {"communes": "commune", "arrondissements": "arrondissement"}
CSV_FIELDS = ["ref", "category", "category_name_fr", "category_name_en", "state", "status", "commune_code",
              "commune_name", "service_code", "lat", "lon", "description", "created_at", "updated_at",
              "resolved_at"]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _json(data: Any, media_type: str = "application/json", headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, media_type=media_type, headers=headers)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _day(day: date | None) -> str | None:
    return f"{day.isoformat()}T00:00:00Z" if day else None


def _plain(request: Request) -> None:
    """The endpoints without query parameters of their own read f alone."""
    p.check_known(request.query_params, p.COMMON)
    p.output_format(request.query_params)


@router.get("", openapi_extra={"parameters": p.F_PARAMETER})
@router.get("/", openapi_extra={"parameters": p.F_PARAMETER})
def landing(request: Request) -> JSONResponse:
    """Landing page: what this service is and where everything is."""
    _plain(request)
    base = _base(request)
    return _json({
        "title": "Rue Commune: données ouvertes / open data",
        "description": "Public reports of problems in public space and the zones of the territory, "
                       "as OGC API - Features (GeoJSON) and CSV.",
        "links": [
            _link(f"{base}/", "self", "application/json", "This document"),
            _link(str(request.base_url).rstrip("/") + "/openapi.json", "service-desc",
                  "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            _link(f"{base}/conformance", "conformance", "application/json", "Conformance classes"),
            _link(f"{base}/collections", "data", "application/json", "Collections"),
        ],
    })


@router.get("/conformance", openapi_extra={"parameters": p.F_PARAMETER})
def conformance(request: Request) -> JSONResponse:
    _plain(request)
    return _json({"conformsTo": CONFORMANCE})


def _extent(session: Session, collection_id: str) -> tuple[list[float | None], list[str | None]]:
    """The collection's real extent: the box of its public geometries, and its time span."""
    if collection_id == "reports":
        box = func.ST_Extent(Report.geom)
        row = session.execute(select(func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box),
                                     func.min(Report.created_at), func.max(Report.created_at))
                              .where(publication.visible())).one()
        return [row[0], row[1], row[2], row[3]], [_iso(row[4]), _iso(row[5])]
    kind = ZONE_KINDS[collection_id]
    extent = func.ST_Extent(Zone.geom)
    row = session.execute(select(func.ST_XMin(extent), func.ST_YMin(extent), func.ST_XMax(extent),
                                 func.ST_YMax(extent), func.min(Zone.valid_from))
                          .where(Zone.kind == kind, Zone.valid_to.is_(None))).one()
    return [row[0], row[1], row[2], row[3]], [_day(row[4]), None]  # current zones: valid from then on


def _collection(request: Request, session: Session, collection_id: str) -> dict[str, Any]:
    title, description = COLLECTIONS[collection_id]
    base = f"{_base(request)}/collections/{collection_id}"
    links = [
        _link(base, "self", "application/json", "This collection"),
        _link(f"{base}/items", "items", GEOJSON, "Features (GeoJSON)"),
        _link(f"{base}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json",
              "Queryables (CQL2 filter)"),
    ]
    if collection_id == "reports":
        links.append(_link(f"{base}/items?f=csv", "alternate", "text/csv", "Reports as CSV"))
    box, interval = _extent(session, collection_id)
    if box[0] is None:  # no public report yet: the territory they may come from, rather than no box
        box, _ = _extent(session, "communes")
    spatial: dict[str, Any] = {"bbox": [[round(float(v), 6) for v in box if v is not None]], "crs": p.CRS84}
    return {
        "id": collection_id, "title": title, "description": description, "itemType": "feature",
        "crs": list(p.CRS), "storageCrs": p.CRS84,
        "extent": {"spatial": spatial, "temporal": {"interval": [interval], "trs": TRS}},
        "links": links,
    }


@router.get("/collections", openapi_extra={"parameters": p.F_PARAMETER})
def collections(request: Request, session: ReadSessionDep) -> JSONResponse:
    _plain(request)
    base = _base(request)
    return _json({
        "links": [_link(f"{base}/collections", "self", "application/json", "Collections")],
        "collections": [_collection(request, session, cid) for cid in COLLECTIONS],
    })


def _known(collection_id: str) -> None:
    if collection_id not in COLLECTIONS:
        raise NotFound(f"No collection {collection_id!r}; there are: {', '.join(COLLECTIONS)}",
                       f"Aucune collection {collection_id!r} ; il y a : {', '.join(COLLECTIONS)}")


@router.get("/collections/{collection_id}", openapi_extra={"parameters": p.F_PARAMETER})
def collection(collection_id: str, request: Request, session: ReadSessionDep) -> JSONResponse:
    _known(collection_id)
    _plain(request)
    return _json(_collection(request, session, collection_id))


@router.get("/collections/{collection_id}/queryables", openapi_extra={"parameters": p.F_PARAMETER})
def queryables(collection_id: str, request: Request) -> JSONResponse:
    """What a CQL2 filter may name in this collection (Part 3), as a JSON Schema."""
    _known(collection_id)
    _plain(request)
    url = f"{_base(request)}/collections/{collection_id}/queryables"
    return _json(filtering.queryables(collection_id, url), "application/schema+json")


# -- geometries ----------------------------------------------------------------------------------------

def _envelope(box: p.Box) -> ColumnElement[Any]:
    """The bbox as a polygon in WGS84, whatever CRS it came in."""
    envelope = func.ST_MakeEnvelope(box.minx, box.miny, box.maxx, box.maxy, box.srid)
    return envelope if box.srid == 4326 else func.ST_Transform(envelope, 4326)


def _point(crs: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The report's first and second coordinates in the output CRS (lon/lat, lat/lon or x/y)."""
    srid, digits, lat_first = p.CRS[crs]
    geom = Report.geom if srid == 4326 else Report.geom_l93
    x, y = func.round(func.ST_X(geom).cast(Numeric), digits), func.round(func.ST_Y(geom).cast(Numeric), digits)
    return (y, x) if lat_first else (x, y)


def _zone_geometry(crs: str) -> ColumnElement[Any]:
    """The zone's outline as GeoJSON in the output CRS, snapped to the grid of the digits written and made
    valid on that grid: rounding alone made Curis-au-Mont-d'Or and Rillieux-la-Pape self-intersect."""
    srid, digits, lat_first = p.CRS[crs]
    geom = Zone.geom if srid == 4326 else func.ST_Transform(Zone.geom, srid)
    on_grid = func.ST_MakeValid(func.ST_ReducePrecision(geom, p.GRID[digits]))
    snapped = func.ST_Multi(func.ST_CollectionExtract(on_grid, 3))
    if lat_first:
        snapped = func.ST_FlipCoordinates(snapped)
    return func.ST_AsGeoJSON(snapped, digits)


# -- items ---------------------------------------------------------------------------------------------

def _reports_filter(box: p.Box | None, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [publication.visible()]
    if box:
        where.append(Report.geom.op("&&")(_envelope(box)))
    if start:
        where.append(Report.created_at >= start)
    if end:
        where.append(Report.created_at <= end)
    return where


def _reports_query(where: list[ColumnElement[bool]], crs: str) -> Select[Any]:
    x, y = _point(crs)
    return select(Report, x, y).where(*where).order_by(Report.created_at.desc(), Report.id.desc())


def _report_properties(report: Report, names: dict[str, Category]) -> dict[str, Any]:
    category = names.get(report.category_code)
    return {
        "ref": report.ref, "category": report.category_code,
        "category_name_fr": category.name_fr if category else None,
        "category_name_en": category.name_en if category else None,
        "state": report.state, "status": vocabulary.open311_status(report.state),
        "commune_code": report.commune_code, "commune_name": report.commune_name,
        "service_code": report.service_code, "description": publication.shown_description(report),
        "created_at": _iso(report.created_at), "updated_at": _iso(report.updated_at),
        "resolved_at": _iso(report.resolved_at),
    }


def _report_feature(report: Report, x: Any, y: Any, names: dict[str, Category]) -> dict[str, Any]:
    return {"type": "Feature", "id": report.ref,
            "geometry": {"type": "Point", "coordinates": [float(x), float(y)]},
            "properties": _report_properties(report, names)}


def _zones_filter(kind: str, box: p.Box | None, start: datetime | None,
                  end: datetime | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Zone.kind == kind]
    if start is None and end is None:
        where.append(Zone.valid_to.is_(None))
    else:  # zones valid at some moment of the interval
        if end is not None:
            where.append(Zone.valid_from <= end.date())
        if start is not None:
            where.append(or_(Zone.valid_to.is_(None), Zone.valid_to > start.date()))
    if box:
        envelope = _envelope(box)
        where.append(and_(Zone.geom.op("&&")(envelope), func.ST_Intersects(Zone.geom, envelope)))
    return where


def _zone_feature(zone: Zone, geometry: str) -> dict[str, Any]:
    return {"type": "Feature", "id": zone.code if zone.valid_to is None else f"{zone.code}@{zone.valid_from}",
            "geometry": json.loads(geometry),
            "properties": {"code": zone.code, "name": zone.name, "kind": zone.kind, "parent_code": zone.parent_code,
                           "population": zone.population, "postcodes": list(zone.postcodes or []),
                           "valid_from": zone.valid_from.isoformat(),
                           "valid_to": zone.valid_to.isoformat() if zone.valid_to else None, "source": zone.source}}


def _categories(session: Session) -> dict[str, Category]:
    return {c.code: c for c in session.scalars(select(Category))}


def _content_crs(crs: str) -> dict[str, str]:
    return {"Content-Crs": f"<{crs}>"}


@router.get("/collections/{collection_id}/items", openapi_extra={"parameters": p.ITEMS_PARAMETERS})
def items(collection_id: str, request: Request, session: ReadSessionDep, settings: SettingsDep,
          caller: MaybeStaff) -> Response:
    """Features with bbox and bbox-crs, datetime (instant or interval), crs, and limit/offset paging with
    numberMatched; f=csv for reports. The CSV streams every row asked for, up to a cap that is lower without
    signing in (400 past it)."""
    _known(collection_id)
    query = request.query_params
    p.check_known(query, p.ITEMS)
    csv_wanted = p.output_format(query, ("json", "csv")) == "csv" or "text/csv" in request.headers.get("accept", "")
    if csv_wanted and collection_id != "reports":
        raise InvalidParameter("CSV is offered for reports only", "Le CSV n'est proposé que pour les signalements",
                               parameter="f")
    if csv_wanted:
        asked = None if query.get("limit") is None else p.number(query.get("limit"), "limit", minimum=1,
                                                                   maximum=10**9, default=0, clamp=True)
        limit = exports.rows_wanted(asked, settings=settings, caller=caller)
    else:
        limit = p.number(query.get("limit"), "limit", minimum=1, maximum=p.MAX_LIMIT, default=p.DEFAULT_LIMIT,
                         clamp=True)
    offset = p.number(query.get("offset"), "offset", minimum=0, maximum=p.MAX_OFFSET, default=0, clamp=False)
    box = p.bbox(query.get("bbox"), query.get("bbox-crs"))
    start, end = p.interval(query.get("datetime"))
    crs = p.crs(query.get("crs"))
    if query.get("sortby") is not None:
        raise InvalidParameter("sortby is not supported yet", "sortby n'est pas encore pris en charge",
                               parameter="sortby")
    condition = filtering.where(collection_id, query.get("filter"), query.get("filter-lang"), query.get("filter-crs"))
    filtered = [condition] if condition is not None else []
    if collection_id == "reports":
        names = _categories(session)
        where = _reports_filter(box, start, end) + filtered
        page_query = _reports_query(where, crs).offset(offset).limit(limit)
        if csv_wanted:
            streamed = session.execute(page_query.execution_options(yield_per=exports.BATCH_ROWS))
            return exports.response("signalements", CSV_FIELDS, _csv_rows(streamed, names))
        try:
            rows = session.execute(page_query).all()
            matched = session.execute(select(func.count()).select_from(Report).where(*where)).scalar_one()
        except DataError as exc:  # a filter comparing a date with words: the database says so
            raise _bad_value(exc) from None
        features = [_report_feature(r, x, y, names) for r, x, y in rows]
    else:
        where = _zones_filter(ZONE_KINDS[collection_id], box, start, end) + filtered
        try:
            zones = session.execute(select(Zone, _zone_geometry(crs)).where(*where)
                                    .order_by(Zone.code, Zone.valid_from).offset(offset).limit(limit)).all()
            matched = session.execute(select(func.count()).select_from(Zone).where(*where)).scalar_one()
        except DataError as exc:
            raise _bad_value(exc) from None
        features = [_zone_feature(z, g) for z, g in zones]
    body = _feature_collection(request, collection_id, features, limit, offset, matched)
    return _json(body, GEOJSON, _content_crs(crs))


def _bad_value(exc: DataError) -> InvalidParameter:
    reason = str(exc.orig).splitlines()[0][:300]
    return InvalidParameter(f"A value of the filter does not fit its queryable: {reason}",
                            f"Une valeur du filtre ne convient pas à sa propriété : {reason}", parameter="filter")


def _feature_collection(request: Request, collection_id: str, features: list[dict[str, Any]], limit: int,
                        offset: int, matched: int) -> dict[str, Any]:
    here = f"{_base(request)}/collections/{collection_id}/items"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]

    def page(at: int) -> str:
        return here + "?" + urlencode([*kept, ("limit", str(limit)), ("offset", str(at))])

    links = [_link(page(offset), "self", GEOJSON, "This page"),
             _link(f"{_base(request)}/collections/{collection_id}", "collection", "application/json", "Collection")]
    if offset + len(features) < matched:
        links.append(_link(page(offset + limit), "next", GEOJSON, "Next page"))
    if offset > 0:
        links.append(_link(page(max(offset - limit, 0)), "prev", GEOJSON, "Previous page"))
    return {"type": "FeatureCollection", "features": features, "numberMatched": matched,
            "numberReturned": len(features), "timeStamp": _iso(datetime.now(UTC)), "links": links}


def _csv_rows(rows: Iterable[Any], names: dict[str, Category]) -> Iterator[list[Any]]:
    for report, lon, lat in rows:
        values = {**_report_properties(report, names), "lat": float(lat), "lon": float(lon)}
        yield [values[field] for field in CSV_FIELDS]


@router.get("/collections/{collection_id}/items/{feature_id}", openapi_extra={"parameters": p.ITEM_PARAMETERS})
def item(collection_id: str, feature_id: str, request: Request, session: ReadSessionDep) -> JSONResponse:
    """One feature: a report by its reference, a zone by its code."""
    _known(collection_id)
    p.check_known(request.query_params, p.ITEM)
    p.output_format(request.query_params)
    crs = p.crs(request.query_params.get("crs"))
    feature: dict[str, Any] | None = None
    if collection_id == "reports":
        x, y = _point(crs)
        row = session.execute(select(Report, x, y).where(Report.ref == feature_id.upper(),
                                                         publication.visible())).first()
        if row:
            feature = _report_feature(row[0], row[1], row[2], _categories(session))
    else:
        zone = session.execute(select(Zone, _zone_geometry(crs)).where(
            Zone.kind == ZONE_KINDS[collection_id], Zone.code == feature_id, Zone.valid_to.is_(None))).first()
        if zone:
            feature = _zone_feature(zone[0], zone[1])
    if feature is None:
        raise NotFound(f"No feature {feature_id!r} in {collection_id}",
                       f"Aucun objet {feature_id!r} dans {collection_id}")
    base = f"{_base(request)}/collections/{collection_id}"
    feature["links"] = [_link(f"{base}/items/{feature_id}", "self", GEOJSON, "This feature"),
                        _link(base, "collection", "application/json", "Collection")]
    return _json(feature, GEOJSON, _content_crs(crs))
