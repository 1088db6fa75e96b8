"""OGC API - Features Part 3: queryables per collection, CQL2 text and JSON filters parsed by pygeofilter.

pygeofilter (maintained by the geopython project) parses the filter and turns it into a SQLAlchemy
expression over the queryables' columns only: literals become bound parameters, a property that is not a
queryable is a 400, so a filter can neither reach a private column nor inject SQL.
"""

import json
from typing import Any

from pygeofilter.backends.sqlalchemy import to_filter
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from sqlalchemy import ColumnElement

from core.errors import InvalidParameter
from dispatch.models import Report
from geo.models import Zone

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
]
LANGUAGES = ("cql2-text", "cql2-json")
_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time"}
# Per collection: queryable -> (column, JSON schema). Only public columns, as in the features themselves.
QUERYABLES: dict[str, dict[str, tuple[Any, dict[str, Any]]]] = {
    "reports": {
        "ref": (Report.ref, _TEXT), "category": (Report.category_code, _TEXT), "state": (Report.state, _TEXT),
        "commune_code": (Report.commune_code, _TEXT), "commune_name": (Report.commune_name, _TEXT),
        "service_code": (Report.service_code, _TEXT), "created_at": (Report.created_at, _TIME),
        "updated_at": (Report.updated_at, _TIME), "resolved_at": (Report.resolved_at, _TIME),
        "geometry": (Report.geom, {"format": "geometry-point"}),
    },
    "communes": {
        "code": (Zone.code, _TEXT), "name": (Zone.name, _TEXT), "parent_code": (Zone.parent_code, _TEXT),
        "population": (Zone.population, {"type": "integer"}),
        "geometry": (Zone.geom, {"format": "geometry-multipolygon"}),
    },
}
QUERYABLES["arrondissements"] = QUERYABLES["communes"]


def queryables(collection_id: str, url: str) -> dict[str, Any]:
    """The JSON Schema of the collection's queryables (Part 3)."""
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema", "$id": url, "type": "object",
        "title": f"Queryables of {collection_id}",
        "properties": {name: {"title": name, **schema} for name, (_column, schema) in
                       QUERYABLES[collection_id].items()},
        "additionalProperties": False,
    }


def _bad(detail_en: str, detail_fr: str) -> InvalidParameter:
    return InvalidParameter(detail_en, detail_fr, parameter="filter")


def where(collection_id: str, text: str | None, language: str | None,
          filter_crs: str | None) -> ColumnElement[bool] | None:
    """The filter as a SQLAlchemy expression over the collection's queryables; None without a filter."""
    if text is None:
        if language is not None or filter_crs is not None:
            raise _bad("filter-lang and filter-crs need a filter", "filter-lang et filter-crs demandent un filter")
        return None
    if filter_crs is not None and filter_crs != "http://www.opengis.net/def/crs/OGC/1.3/CRS84":
        raise InvalidParameter("filter-crs must be CRS84", "filter-crs doit être CRS84", parameter="filter-crs")
    language = language or "cql2-text"
    if language not in LANGUAGES:
        raise InvalidParameter(f"filter-lang must be one of {', '.join(LANGUAGES)}",
                               f"filter-lang doit valoir {', '.join(LANGUAGES)}", parameter="filter-lang")
    try:
        ast = parse_text(text) if language == "cql2-text" else parse_json(json.loads(text))
    except Exception as exc:  # the parsers raise many kinds (lark, ValueError, KeyError...) for bad input
        raise _bad(f"The filter is not valid {language}: {exc}"[:500],
                   f"Le filtre n'est pas du {language} valide : {exc}"[:500]) from None
    mapping = {name: column for name, (column, _schema) in QUERYABLES[collection_id].items()}
    try:
        expression = to_filter(ast, mapping, undefined_as_null=False)
    except KeyError as exc:
        raise _bad(f"{exc.args[0]!r} is not a queryable of {collection_id}: {', '.join(mapping)}",
                   f"{exc.args[0]!r} n'est pas interrogeable dans {collection_id} : {', '.join(mapping)}") from None
    except Exception as exc:
        raise _bad(f"The filter cannot be applied: {exc}"[:500],
                   f"Le filtre ne peut être appliqué : {exc}"[:500]) from None
    if not isinstance(expression, ColumnElement):
        raise _bad("The filter must be a condition", "Le filtre doit être une condition")
    return expression
