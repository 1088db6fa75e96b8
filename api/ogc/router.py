"""OGC API - Features Part 1 (core + GeoJSON): landing page, conformance, collections, items with bbox,
datetime and paging, one item; plus a CSV export of reports. Only public facts: no personal data."""

import json
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from api import exports
from api.auth import MaybeStaff
from api.deps import ReadSessionDep, SettingsDep
from core.errors import InvalidParameter, NotFound
from dispatch import publication, vocabulary
from dispatch.models import Report
from geo.models import Category, Zone

router = APIRouter(prefix="/ogc", tags=["open data (OGC API - Features)"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
# GeoJSON pages: the spec clamps a larger limit to the maximum rather than refusing it.
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
# The whole metropolis, generously: the extent announced before any report exists.
TERRITORY_BBOX = [4.6, 45.55, 5.1, 45.95]

COLLECTIONS = {
    "reports": ("Signalements publics / Public reports",
                "Problems reported in public space and what became of them, without any personal data."),
    "communes": ("Communes de la Métropole de Lyon / Communes", "Current commune boundaries."),
    "arrondissements": ("Arrondissements de Lyon / Arrondissements", "Current arrondissements of Lyon."),
}
CSV_FIELDS = ["ref", "category", "category_name_fr", "category_name_en", "state", "status", "commune_code",
              "commune_name", "service_code", "lat", "lon", "description", "created_at", "updated_at",
              "resolved_at"]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": type_, "title": title}


def _json(data: Any, media_type: str = "application/json") -> JSONResponse:
    return JSONResponse(data, media_type=media_type)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


@router.get("")
@router.get("/")
def landing(request: Request) -> JSONResponse:
    """Landing page: what this service is and where everything is."""
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


@router.get("/conformance")
def conformance() -> JSONResponse:
    return _json({"conformsTo": CONFORMANCE})


def _collection(request: Request, session: Session, collection_id: str) -> dict[str, Any]:
    title, description = COLLECTIONS[collection_id]
    base = f"{_base(request)}/collections/{collection_id}"
    links = [
        _link(base, "self", "application/json", "This collection"),
        _link(f"{base}/items", "items", GEOJSON, "Features (GeoJSON)"),
    ]
    if collection_id == "reports":
        links.append(_link(f"{base}/items?f=csv", "alternate", "text/csv", "Reports as CSV"))
        first = session.execute(select(func.min(Report.created_at), func.max(Report.created_at))
                                .where(publication.visible())).one()
        interval = [_iso(first[0]), None]
    else:
        interval = [None, None]
    return {
        "id": collection_id, "title": title, "description": description, "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [TERRITORY_BBOX], "crs": CRS84},
                   "temporal": {"interval": [interval], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}},
        "links": links,
    }


@router.get("/collections")
def collections(request: Request, session: ReadSessionDep) -> JSONResponse:
    base = _base(request)
    return _json({
        "links": [_link(f"{base}/collections", "self", "application/json", "Collections")],
        "collections": [_collection(request, session, cid) for cid in COLLECTIONS],
    })


def _known(collection_id: str) -> None:
    if collection_id not in COLLECTIONS:
        raise NotFound(f"No collection {collection_id!r}; there are: {', '.join(COLLECTIONS)}",
                       f"Aucune collection {collection_id!r} ; il y a : {', '.join(COLLECTIONS)}")


@router.get("/collections/{collection_id}")
def collection(collection_id: str, request: Request, session: ReadSessionDep) -> JSONResponse:
    _known(collection_id)
    return _json(_collection(request, session, collection_id))


# -- items ---------------------------------------------------------------------------------------------

def _bad_bbox(value: str) -> InvalidParameter:
    return InvalidParameter(f"bbox must be 4 numbers minLon,minLat,maxLon,maxLat: {value!r}",
                            f"bbox doit compter 4 nombres minLon,minLat,maxLon,maxLat : {value!r}", parameter="bbox")


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """minLon,minLat,maxLon,maxLat in CRS84 (a 6-number 3D box is accepted; its heights are ignored)."""
    if not value:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise _bad_bbox(value) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    # NaN compares false with everything: without the finiteness check it slipped through every bound.
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers) or numbers[1] > numbers[3] \
            or not (-180 <= numbers[0] <= 180 and -180 <= numbers[2] <= 180 and -90 <= numbers[1] <= 90
                    and -90 <= numbers[3] <= 90):
        raise _bad_bbox(value)
    return numbers[0], numbers[1], numbers[2], numbers[3]


def _instant(text: str) -> datetime | None:
    if text in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidParameter(f"datetime must be RFC 3339 (2026-01-01T00:00:00Z) or a/b: {text!r}",
                               f"datetime doit suivre la RFC 3339 (2026-01-01T00:00:00Z) ou a/b : {text!r}",
                               parameter="datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _interval(value: str | None) -> tuple[datetime | None, datetime | None, bool]:
    """(start, end, is_instant) from '2026-01-01T00:00:00Z', 'a/b', '../b' or 'a/..'."""
    if not value:
        return None, None, False
    if "/" in value:
        start, _, end = value.partition("/")
        return _instant(start), _instant(end), False
    moment = _instant(value)
    return moment, moment, True


def _number(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number: {value!r}",
                               f"{name} doit être un nombre entier : {value!r}", parameter=name) from None
    if number < (1 if name == "limit" else 0):
        raise InvalidParameter(f"{name} is too small: {value!r}", f"{name} est trop petit : {value!r}", parameter=name)
    return number


def _limit(value: str | None, default: int, maximum: int, name: str = "limit") -> int:
    number = _number(value, name)
    return default if number is None else min(number, maximum)


def _reports_query(bbox: tuple[float, float, float, float] | None, start: datetime | None,
                   end: datetime | None) -> Select[Any]:
    query = select(Report, func.ST_X(Report.geom), func.ST_Y(Report.geom)).where(publication.visible())
    if bbox:
        query = query.where(Report.geom.op("&&")(func.ST_MakeEnvelope(*bbox, 4326)))
    if start:
        query = query.where(Report.created_at >= start)
    if end:
        query = query.where(Report.created_at <= end)
    return query.order_by(Report.created_at.desc(), Report.id.desc())


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


def _report_feature(report: Report, lon: float, lat: float, names: dict[str, Category]) -> dict[str, Any]:
    return {"type": "Feature", "id": report.ref,
            "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
            "properties": _report_properties(report, names)}


def _zones_query(kind: str, bbox: tuple[float, float, float, float] | None, start: datetime | None,
                 end: datetime | None, instant: bool) -> Select[Any]:
    query = select(Zone, func.ST_AsGeoJSON(Zone.geom, 6)).where(Zone.kind == kind)
    if start is None and end is None:
        query = query.where(Zone.valid_to.is_(None))
    else:  # zones valid at some moment of the interval
        if end is not None:
            query = query.where(Zone.valid_from <= end.date())
        if start is not None:
            query = query.where(or_(Zone.valid_to.is_(None), Zone.valid_to > start.date()))
    if bbox:
        query = query.where(and_(Zone.geom.op("&&")(func.ST_MakeEnvelope(*bbox, 4326)),
                                 func.ST_Intersects(Zone.geom, func.ST_MakeEnvelope(*bbox, 4326))))
    return query.order_by(Zone.code, Zone.valid_from)


def _zone_feature(zone: Zone, geometry: str) -> dict[str, Any]:
    return {"type": "Feature", "id": zone.code if zone.valid_to is None else f"{zone.code}@{zone.valid_from}",
            "geometry": json.loads(geometry),
            "properties": {"code": zone.code, "name": zone.name, "kind": zone.kind, "parent_code": zone.parent_code,
                           "population": zone.population, "postcodes": list(zone.postcodes or []),
                           "valid_from": zone.valid_from.isoformat(),
                           "valid_to": zone.valid_to.isoformat() if zone.valid_to else None, "source": zone.source}}


def _categories(session: Session) -> dict[str, Category]:
    return {c.code: c for c in session.scalars(select(Category))}


@router.get("/collections/{collection_id}/items")
def items(collection_id: str, request: Request, session: ReadSessionDep, settings: SettingsDep,
          caller: MaybeStaff) -> Response:
    """Features with bbox (CRS84), datetime (instant or interval) and limit/offset paging; f=csv for reports.

    The CSV streams every row asked for, up to a cap that is lower without signing in (400 past it)."""
    _known(collection_id)
    params = request.query_params
    fmt = (params.get("f") or "json").lower()
    csv_wanted = fmt == "csv" or "text/csv" in request.headers.get("accept", "")
    if csv_wanted and collection_id != "reports":
        raise InvalidParameter("CSV is offered for reports only", "Le CSV n'est proposé que pour les signalements",
                               parameter="f")
    if csv_wanted:
        limit = exports.rows_wanted(_number(params.get("limit"), "limit"), settings=settings, caller=caller)
    else:
        limit = _limit(params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)
    offset = _limit(params.get("offset"), 0, 10**9, "offset")
    bbox = _bbox(params.get("bbox"))
    start, end, instant = _interval(params.get("datetime"))
    if collection_id == "reports":
        names = _categories(session)
        query = _reports_query(bbox, start, end).offset(offset).limit(limit)
        if csv_wanted:
            streamed = session.execute(query.execution_options(yield_per=exports.BATCH_ROWS))
            return exports.response("signalements", CSV_FIELDS, _csv_rows(streamed, names))
        rows = session.execute(query).all()
        features = [_report_feature(r, lon, lat, names) for r, lon, lat in rows]
    else:
        kind = "commune" if collection_id == "communes" else "arrondissement"
        zones = session.execute(_zones_query(kind, bbox, start, end, instant).offset(offset).limit(limit)).all()
        features = [_zone_feature(z, g) for z, g in zones]
    return _json(_feature_collection(request, collection_id, features, limit, offset), GEOJSON)


def _feature_collection(request: Request, collection_id: str, features: list[dict[str, Any]], limit: int,
                        offset: int) -> dict[str, Any]:
    here = f"{_base(request)}/collections/{collection_id}/items"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]

    def page(at: int) -> str:
        from urllib.parse import urlencode
        return here + "?" + urlencode([*kept, ("limit", str(limit)), ("offset", str(at))])

    links = [_link(page(offset), "self", GEOJSON, "This page"),
             _link(f"{_base(request)}/collections/{collection_id}", "collection", "application/json", "Collection")]
    if len(features) == limit:  # a full page: there may be more (no count: it costs more than the page)
        links.append(_link(page(offset + limit), "next", GEOJSON, "Next page"))
    if offset > 0:
        links.append(_link(page(max(offset - limit, 0)), "prev", GEOJSON, "Previous page"))
    return {"type": "FeatureCollection", "features": features, "numberReturned": len(features),
            "timeStamp": _iso(datetime.now(UTC)), "links": links}


def _csv_rows(rows: Iterable[Any], names: dict[str, Category]) -> Iterator[list[Any]]:
    for report, lon, lat in rows:
        values = {**_report_properties(report, names), "lat": round(lat, 7), "lon": round(lon, 7)}
        yield [values[field] for field in CSV_FIELDS]


@router.get("/collections/{collection_id}/items/{feature_id}")
def item(collection_id: str, feature_id: str, request: Request, session: ReadSessionDep) -> JSONResponse:
    """One feature: a report by its reference, a zone by its code."""
    _known(collection_id)
    feature: dict[str, Any] | None = None
    if collection_id == "reports":
        row = session.execute(select(Report, func.ST_X(Report.geom), func.ST_Y(Report.geom))
                              .where(Report.ref == feature_id.upper(), publication.visible())).first()
        if row:
            feature = _report_feature(row[0], row[1], row[2], _categories(session))
    else:
        kind = "commune" if collection_id == "communes" else "arrondissement"
        zone = session.execute(select(Zone, func.ST_AsGeoJSON(Zone.geom, 6)).where(
            Zone.kind == kind, Zone.code == feature_id, Zone.valid_to.is_(None))).first()
        if zone:
            feature = _zone_feature(zone[0], zone[1])
    if feature is None:
        raise NotFound(f"No feature {feature_id!r} in {collection_id}",
                       f"Aucun objet {feature_id!r} dans {collection_id}")
    base = f"{_base(request)}/collections/{collection_id}"
    feature["links"] = [_link(f"{base}/items/{feature_id}", "self", GEOJSON, "This feature"),
                        _link(base, "collection", "application/json", "Collection")]
    return _json(feature, GEOJSON)
