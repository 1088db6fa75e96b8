"""Query parameters shared by the map, list, tile and dashboard endpoints: filters and the visitor's language."""

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from core.errors import InvalidFilter
from maps import i18n
from maps.filters import ReportFilter
from maps.states import STATES

LANG_COOKIE = "rc_lang"
# Report ids are PostgreSQL bigints: a larger keyset cursor was a 500 from the database, now a 422.
MAX_ID = 2**63 - 1
AfterId = Annotated[int | None, Query(ge=0, le=MAX_ID, description="continue after this report id (keyset)")]
StateParam = Literal[STATES]  # type: ignore[valid-type]


def _date(name: str, value: str | None) -> date | None:
    # An HTML form sends empty fields as "": no filter, not an error.
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidFilter(f"{name} must be a date like 2026-05-31, got {value!r}",
                            f"{name} doit être une date comme 2026-05-31, reçu {value!r}", parameter=name) from exc


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        parts = tuple(float(v) for v in value.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or not (-180 <= parts[0] < parts[2] <= 180 and -90 <= parts[1] < parts[3] <= 90):
        raise InvalidFilter("bbox must be west,south,east,north in WGS84 degrees",
                            "bbox doit être ouest,sud,est,nord en degrés WGS84", parameter="bbox")
    return parts  # type: ignore[return-value]


def report_filter(
    category: Annotated[str | None, Query(description="category code; a parent category includes its children")] = None,
    state: Annotated[list[StateParam] | None, Query(description="one or more states; none means all")] = None,
    commune: Annotated[str | None, Query(description="INSEE code of a commune or a Lyon arrondissement")] = None,
    since: Annotated[str | None, Query(description="reported on or after this date (YYYY-MM-DD)")] = None,
    until: Annotated[str | None, Query(description="reported on or before this date (YYYY-MM-DD)")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north in WGS84 degrees")] = None,
) -> ReportFilter:
    return ReportFilter(category=category or None, states=tuple(state) if state else None, commune=commune or None,
                        since=_date("since", since), until=_date("until", until), bbox=_bbox(bbox))


def language(request: Request, lang: Annotated[str | None, Query(pattern="^(fr|en)$")] = None) -> str:
    """The switch's choice, then the saved cookie, then Accept-Language."""
    return i18n.negotiate(explicit=lang, cookie=request.cookies.get(LANG_COOKIE),
                          accept_language=request.headers.get("accept-language"))


FilterDep = Annotated[ReportFilter, Depends(report_filter)]
LangDep = Annotated[str, Depends(language)]
