"""Query parameters of the OGC API, read strictly: every one declared, anything else or malformed is a 400.

OGC API - Features Part 1 (requirement /req/core/query-param-unknown): a parameter the server does not
know is an error, not silently ignored, so a client never reads an unfiltered answer as a filtered one.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import QueryParams

from core.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
LAMBERT93 = "http://www.opengis.net/def/crs/EPSG/0/2154"
# Output and bbox CRS (Part 2): URI -> (SRID, digits kept, whether the first axis is latitude).
# EPSG:4326 is read and written lat/lon, its official axis order; CRS84 is lon/lat, as GeoJSON.
CRS: dict[str, tuple[int, int, bool]] = {CRS84: (4326, 6, False), EPSG_4326: (4326, 6, True),
                                         LAMBERT93: (2154, 2, False)}
# What each coordinate is rounded to, as a grid: validity is restored on that grid (ST_ReducePrecision).
GRID = {6: 1e-6, 2: 0.01}

DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
MAX_OFFSET = 10**9
FORMATS = ("json",)  # the items also speak csv (reports only): allowed where the route says

# Every parameter each kind of endpoint reads; any other is refused.
COMMON = frozenset({"f"})
ITEMS = frozenset({"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang",
                   "filter-crs", "sortby"})
ITEM = frozenset({"f", "crs"})


def check_known(params: QueryParams, allowed: Iterable[str]) -> None:
    """400 for a parameter this endpoint does not read, or one given twice (which value would count?)."""
    allowed = set(allowed)
    seen: set[str] = set()
    for key, _value in params.multi_items():
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            raise InvalidParameter(f"Unknown query parameter {key!r}; this endpoint reads: {names}",
                                   f"Paramètre inconnu {key!r} ; ce point d'accès lit : {names}", parameter=key)
        if key in seen:
            raise InvalidParameter(f"{key} is given more than once", f"{key} est donné plusieurs fois", parameter=key)
        seen.add(key)


def output_format(params: QueryParams, allowed: tuple[str, ...] = FORMATS) -> str:
    fmt = (params.get("f") or "json").lower()
    if fmt not in allowed:
        raise InvalidParameter(f"f must be one of {', '.join(allowed)}: {fmt!r}",
                               f"f doit valoir {', '.join(allowed)} : {fmt!r}", parameter="f")
    return fmt


def crs(value: str | None, name: str = "crs") -> str:
    """A supported CRS URI (CRS84 when none is given); 400 otherwise."""
    if value is None or value == "":
        return CRS84
    uri = value.strip().strip("[]")  # Part 2 allows a safe CURIE [EPSG:2154]
    if uri.upper().startswith("EPSG:"):
        uri = f"http://www.opengis.net/def/crs/EPSG/0/{uri[5:]}"
    elif uri.upper() in ("OGC:CRS84", "CRS84"):
        uri = CRS84
    if uri not in CRS:
        raise InvalidParameter(f"{name} must be one of {', '.join(CRS)}: {value!r}",
                               f"{name} doit être l'un de {', '.join(CRS)} : {value!r}", parameter=name)
    return uri


@dataclass(frozen=True)
class Box:
    """A bbox as lon/lat-or-x/y minimums and maximums, in the SRID it was given in."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    srid: int


def _bad_bbox(value: str) -> InvalidParameter:
    return InvalidParameter(f"bbox must be 4 numbers minx,miny,maxx,maxy (or 6 with heights): {value!r}",
                            f"bbox doit compter 4 nombres minx,miny,maxx,maxy (ou 6 avec les hauteurs) : {value!r}",
                            parameter="bbox")


def bbox(value: str | None, bbox_crs: str | None) -> Box | None:
    """The bbox in bbox-crs (CRS84 by default); a 6-number 3D box is accepted, its heights ignored."""
    if bbox_crs is not None and value is None:
        raise InvalidParameter("bbox-crs needs a bbox", "bbox-crs demande une bbox", parameter="bbox-crs")
    if value is None:
        return None
    uri = crs(bbox_crs, "bbox-crs")
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise _bad_bbox(value) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    # NaN compares false with everything: without the finiteness check it slipped through every bound.
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise _bad_bbox(value)
    srid, _digits, lat_first = CRS[uri]
    if lat_first:
        numbers = [numbers[1], numbers[0], numbers[3], numbers[2]]
    minx, miny, maxx, maxy = numbers
    if miny > maxy or (srid == 4326 and not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90
                                             and -90 <= maxy <= 90)):
        raise _bad_bbox(value)
    return Box(minx, miny, maxx, maxy, srid)


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


def interval(value: str | None) -> tuple[datetime | None, datetime | None]:
    """(start, end) from '2026-01-01T00:00:00Z', 'a/b', '../b' or 'a/..'; an instant is both ends."""
    if value is None:
        return None, None
    if value.strip() == "":
        raise InvalidParameter("datetime is empty", "datetime est vide", parameter="datetime")
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        if "/" in end_text or (start_text in ("", "..") and end_text in ("", "..")):
            raise InvalidParameter(f"datetime interval is malformed: {value!r}",
                                   f"l'intervalle datetime est mal formé : {value!r}", parameter="datetime")
        start, end = _instant(start_text), _instant(end_text)
        if start and end and end < start:
            raise InvalidParameter("datetime ends before it starts", "datetime finit avant de commencer",
                                   parameter="datetime")
        return start, end
    moment = _instant(value)
    return moment, moment


def number(value: str | None, name: str, *, minimum: int, maximum: int, default: int, clamp: bool) -> int:
    """A whole number from `minimum`; past `maximum` clamped (limit, as the spec says) or refused (offset)."""
    if value is None:
        return default
    try:
        found = int(value)
    except ValueError:
        raise InvalidParameter(f"{name} must be a whole number: {value!r}",
                               f"{name} doit être un nombre entier : {value!r}", parameter=name) from None
    if found < minimum:
        raise InvalidParameter(f"{name} must be {minimum} or more: {value!r}",
                               f"{name} doit valoir au moins {minimum} : {value!r}", parameter=name)
    if found > maximum and not clamp:
        raise InvalidParameter(f"{name} must be {maximum} at most: {value!r}",
                               f"{name} doit valoir au plus {maximum} : {value!r}", parameter=name)
    return min(found, maximum)


def _param(name: str, description: str, schema: dict[str, Any], style: str | None = None,
           explode: bool | None = None) -> dict[str, Any]:
    declared: dict[str, Any] = {"name": name, "in": "query", "required": False, "description": description,
                                "schema": schema}
    if style:
        declared["style"] = style
    if explode is not None:
        declared["explode"] = explode
    return declared


CRS_SCHEMA = {"type": "string", "format": "uri", "enum": list(CRS), "default": CRS84}
# The OpenAPI declaration of what the items endpoint reads (GDAL sizes its pages from limit's maximum).
ITEMS_PARAMETERS = [
    _param("limit", "Features per page (larger values are clamped to the maximum).",
           {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}, "form", False),
    _param("offset", "Features to skip (the next/prev links carry it).",
           {"type": "integer", "minimum": 0, "default": 0}, "form", False),
    _param("bbox", "minx,miny,maxx,maxy (6 numbers with heights), in bbox-crs (CRS84 by default).",
           {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}, "form", False),
    _param("bbox-crs", "CRS of bbox (Part 2).", CRS_SCHEMA, "form", False),
    _param("datetime", "An RFC 3339 instant or interval (a/b, ../b, a/..): creation time of a report, "
                       "validity of a zone.", {"type": "string"}, "form", False),
    _param("crs", "CRS of the geometries answered (Part 2); the Content-Crs header names it.", CRS_SCHEMA,
           "form", False),
    _param("f", "Format: json (GeoJSON), or csv for reports.", {"type": "string", "enum": ["json", "csv"]}),
    _param("filter", "A CQL2 filter over the collection's queryables (Part 3).", {"type": "string"}),
    _param("filter-lang", "Language of filter.", {"type": "string", "enum": ["cql2-text", "cql2-json"],
                                                  "default": "cql2-text"}),
    _param("filter-crs", "CRS of the filter's geometries.", {"type": "string", "enum": [CRS84], "default": CRS84}),
]
ITEM_PARAMETERS = [ITEMS_PARAMETERS[5], _param("f", "Format.", {"type": "string", "enum": ["json"]})]
F_PARAMETER = [_param("f", "Format.", {"type": "string", "enum": ["json"]})]
