"""GeoReport v2 routes: the format comes from the path's extension, errors come back in the spec's shape."""

import json
import logging
import re
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from defusedxml import ElementTree as SafeET
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api import problems
from api.auth import API_KEY_HEADER
from api.deps import ReadSessionDep, SessionDep
from api.open311 import attributes
from api.open311.params import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    date_range,
    positive_int,
    split_list,
    w3,
)
from api.open311.render import FORMATS, Open311Error, error_response, respond
from api.open311.settings import get_open311_settings
from api.open311.views import REQUEST_COLUMNS, Catalogue, PublicRequest, service_request
from core import users
from core.errors import DomainError, InvalidContact, NotFound, UnknownCategory
from core.users import Principal
from dispatch import intake, publication, residents, vocabulary
from dispatch import photos as photo_service
from dispatch.models import Report, ReportEvent, ReportPhoto
from dispatch.schemas import ContactDetails, ReportIntake

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
_EXTENSION = re.compile(r"\.([A-Za-z0-9]+)$")


def format_of(request: Request) -> str:
    """The format named by the path's extension; without one, JSON if the client asks for it, else XML."""
    match = _EXTENSION.search(request.url.path)
    if match and match.group(1).lower() in FORMATS:
        return match.group(1).lower()
    return "json" if "json" in request.headers.get("accept", "") else "xml"


def _checked_format(fmt: str) -> str:
    if fmt.lower() not in FORMATS:
        raise Open311Error(400, f"Unsupported format {fmt!r}: use .json or .xml")
    return fmt.lower()


class Open311Route(APIRoute):
    """Whatever goes wrong inside a GeoReport route leaves it as an Open311Error.

    Re-raising (rather than answering here) lets the exception pass through the session dependency,
    which rolls the transaction back, before the app's Open311Error handler renders it.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Open311Error:
                raise
            except (RequestValidationError, ValidationError) as exc:
                where = ", ".join(".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors())
                raise Open311Error(400, f"Invalid request: {where}") from exc
            except (NotFound, UnknownCategory) as exc:
                raise Open311Error(404, exc.detail_en) from exc
            except DomainError as exc:
                raise Open311Error(400, exc.detail_en) from exc
            except StarletteHTTPException as exc:
                raise Open311Error(exc.status_code, str(exc.detail)) from exc
            except Exception as exc:
                if problems.is_nul_refusal(exc):
                    raise Open311Error(400, "Text may not contain NUL (0x00) characters") from exc
                log.exception("open311: unhandled error on %s", request.url.path)
                raise Open311Error(500, "General service error: nothing was recorded; please try again later") from exc

        return guarded


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)


def install(app: FastAPI) -> None:
    """Mount the routes and answer Open311Error in the spec's shape and the format the path asked for."""
    app.include_router(router)

    @app.exception_handler(Open311Error)
    async def _open311_error(request: Request, exc: Open311Error) -> Response:
        return error_response(format_of(request), [exc])


# -- arguments shared by every method ------------------------------------------------------------------

def _jurisdiction(value: str | None) -> str:
    """The configured jurisdiction when none or an empty one is sent; 404 for one we do not serve."""
    settings = get_open311_settings()
    if value is None or value.strip() == "":
        return settings.jurisdiction_id
    if value.strip().lower() not in settings.jurisdictions():
        raise Open311Error(404, f"jurisdiction_id {value!r} not found: this endpoint serves {settings.jurisdiction_id}")
    return settings.jurisdiction_id


def _french(request: Request, values: dict[str, str]) -> bool:
    """French unless the client asks for English (Accept-Language, or the `locale` of the CitySDK extension)."""
    wanted = (values.get("locale") or request.headers.get("accept-language") or "fr").strip().lower()
    return not wanted.startswith("en")


def _query(request: Request) -> dict[str, str]:
    """Query parameters; unknown ones are simply never read."""
    return {key: value for key, value in request.query_params.items()}


# -- discovery -----------------------------------------------------------------------------------------

def _discovery(request: Request) -> dict[str, Any]:
    settings = get_open311_settings()
    return {
        "changeset": settings.changeset,
        "contact": settings.contact,
        "key_service": settings.key_service,
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": str(request.base_url).rstrip("/") + PREFIX,
            "changeset": settings.changeset,
            "type": settings.endpoint_type,
            "formats": ["text/xml", "application/json"],
        }],
    }


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def root(request: Request) -> Response:
    """The endpoint's root shows its discovery document, as the discovery spec recommends."""
    return respond(format_of(request), "discovery", _discovery(request))


@router.get("/discovery.{fmt}")
def discovery(fmt: str, request: Request) -> Response:
    """Service discovery: where the endpoint is, which formats it speaks, how to get a key."""
    return respond(_checked_format(fmt), "discovery", _discovery(request))


# -- services ------------------------------------------------------------------------------------------

@router.get("/services.{fmt}")
def service_list(fmt: str, request: Request, session: ReadSessionDep) -> Response:
    """Every category as a service; its parent category is its group."""
    fmt = _checked_format(fmt)
    values = _query(request)
    _jurisdiction(values.get("jurisdiction_id"))
    french = _french(request, values)
    catalogue = Catalogue.load(session)
    return respond(fmt, "services", [catalogue.service(c, french) for c in catalogue.categories.values()])


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: str, request: Request, session: ReadSessionDep) -> Response:
    """The extra questions of one service (an empty list when it has none)."""
    fmt = _checked_format(fmt)
    values = _query(request)
    _jurisdiction(values.get("jurisdiction_id"))
    french = _french(request, values)
    category = Catalogue.load(session).categories.get(service_code)
    if category is None:
        raise Open311Error(404, f"service_code {service_code!r} not found")
    questions = attributes.for_category(category.code, category.parent_code)
    return respond(fmt, "service_definition", {
        "service_code": category.code,
        "attributes": [attributes.definition(a, french) for a in sorted(questions, key=lambda a: a.order)],
    })


# -- posting a request ---------------------------------------------------------------------------------

async def _posted(request: Request) -> tuple[list[tuple[str, str]], list[UploadFile]]:
    """Fields of the POST, whatever the client sent: form-encoded, multipart, JSON or XML; query string too.

    The `open311` client (PyPI) sends api_key and jurisdiction_id in the query string of its POST.
    """
    items: list[tuple[str, str]] = list(request.query_params.multi_items())
    files: list[UploadFile] = []
    content_type = request.headers.get("content-type", "").lower()
    if "json" in content_type:
        try:
            body = json.loads(await request.body() or b"{}")
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
            raise Open311Error(400, "The JSON body could not be read") from None
        if isinstance(body, list) and body:
            body = body[0]
        if not isinstance(body, dict):
            raise Open311Error(400, "The JSON body must be an object of fields")
        for key, value in body.items():
            if isinstance(value, dict):  # {"attribute": {"code": "value"}}
                items += [(f"attribute[{k}]", str(v)) for k, v in value.items()]
            elif isinstance(value, list):
                items += [(key, str(v)) for v in value]
            elif value is not None:
                items.append((key, str(value)))
    elif "xml" in content_type:
        try:
            root = SafeET.fromstring(await request.body())
        except Exception:
            raise Open311Error(400, "The XML body could not be read") from None
        fields = root.find("request") if root.find("request") is not None else root
        items += [(child.tag, child.text or "") for child in fields]
    else:
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files.append(value)
            else:
                items.append((key, value))
    return items, files


def _first(items: list[tuple[str, str]], *names: str) -> str | None:
    """The last non-empty value of the first name present (form fields override the query string)."""
    for name in names:
        found = [v for k, v in items if k == name and v is not None and str(v).strip() != ""]
        if found:
            return str(found[-1]).strip()
    return None


def _raw(items: list[tuple[str, str]], name: str) -> str | None:
    """The last non-blank value of a field, untouched (its spaces and line breaks kept)."""
    found = [str(v) for k, v in items if k == name and v is not None and str(v).strip() != ""]
    return found[-1] if found else None


def _media_url(value: str | None) -> str | None:
    """The client's media_url as given; only http(s) URLs (a javascript: or data: URL is no photo)."""
    if value is None:
        return None
    if not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE) or len(value) > 2000:
        raise Open311Error(400, "media_url must be an http:// or https:// URL of 2,000 characters at most")
    return value


def _check_api_key(session: Session, request: Request, key: str | None) -> Principal:
    """The partner behind a valid key; 403 without one (spec: 'Missing or Invalid API Key').

    The key comes as the spec's api_key field, or in the platform's X-API-Key header.
    """
    key = key or request.headers.get(API_KEY_HEADER)
    if not key:
        raise Open311Error(403, "api_key is missing: posting a service request needs an API key")
    found = users.find_api_key(session=session, clear=key)
    if found is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")
    return users.principal_of_key(found)


def _coordinate(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise Open311Error(400, f"{name} must be a number in WGS84 degrees, not {value!r}") from None


@router.post("/requests.{fmt}")
async def post_request(fmt: str, request: Request, session: SessionDep) -> Response:
    """Create a service request (realtime: its id comes back at once); needs an api_key.

    Goes through the platform's intake: `media` files become checked photos, and the submitter's
    email, first_name, last_name and phone become the reporter's contact details (never shown by a GET).
    """
    fmt = _checked_format(fmt)
    items, files = await _posted(request)
    uploads = [photo_service.Upload(data=await f.read(), filename=f.filename, content_type=f.content_type)
               for f in files if f.filename or f.size]
    return await run_in_threadpool(_create, fmt, request, session, items, uploads)


def _create(fmt: str, request: Request, session: Session, items: list[tuple[str, str]],
            uploads: list[photo_service.Upload]) -> Response:
    _jurisdiction(_first(items, "jurisdiction_id"))
    values = {k: v for k, v in items}
    french = _french(request, values)
    partner = _check_api_key(session, request, _first(items, "api_key"))
    code = _first(items, "service_code")
    if code is None:
        raise Open311Error(400, "service_code was not provided")
    catalogue = Catalogue.load(session)
    category = catalogue.categories.get(code)
    if category is None:
        raise Open311Error(404, f"service_code {code!r} not found")
    lat = _coordinate(_first(items, "lat", "latitude"), "lat")
    lon = _coordinate(_first(items, "long", "lon", "lng", "longitude"), "long")
    address = _first(items, "address_string", "address")
    address_id = _first(items, "address_id")
    if (lat is None or lon is None) and not uploads and not address and not address_id:
        raise Open311Error(400, "A location is required: lat and long, address_string or address_id")
    # Kept exactly as posted (no trimming, nothing appended): a client reading it back compares it.
    description = _raw(items, "description") or ""
    if len(description) > 4000:
        raise Open311Error(400, "description is limited to 4,000 characters")
    answers = attributes.check_answers(attributes.for_category(category.code, category.parent_code),
                                       attributes.read_answers(items))
    contact = _contact(items, french)
    data = ReportIntake(lat=lat, lon=lon, category=code, description=description, address_text=address,
                        address_id=address_id, contact=contact, attributes=answers,
                        media_url=_media_url(_first(items, "media_url")))
    filed = intake.file(session=session, data=data, uploads=uploads, channel="open311", staff=partner,
                        storage=request.app.state.photo_storage, settings=request.app.state.settings,
                        answer=lambda report: {"service_request_id": report.ref,
                                               "service_notice": _notice(report, catalogue, french),
                                               "account_id": None})
    return respond(fmt, "service_requests", [filed.body])


def _valid(normalise: Callable[[str | None], str | None], value: str | None) -> str | None:
    try:
        return normalise(value)
    except InvalidContact:
        return None


def _contact(items: list[tuple[str, str]], french: bool) -> ContactDetails | None:
    """The submitter's details when the client sent any; kept for staff, never in a public answer."""
    first, last = _first(items, "first_name"), _first(items, "last_name")
    # A malformed email or phone is dropped rather than refusing the report (the spec's own example
    # sends phone=111111111): the problem in the street matters more than a way to call back.
    email = _valid(residents.normalise_email, _first(items, "email"))
    phone = _valid(residents.normalise_phone, _first(items, "phone"))
    name = " ".join(part for part in (first, last) if part) or None
    if not (name or email or phone):
        return None
    return ContactDetails(name=name, email=email, phone=phone, language="fr" if french else "en")


def _notice(report: Report, catalogue: Catalogue, french: bool) -> str:
    agency = catalogue.agency(report.service_code, french) or (
        "le service compétent" if french else "the service in charge")
    if french:
        return f"Votre signalement {report.ref} est transmis à : {agency} ({report.commune_name})."
    return f"Your report {report.ref} goes to: {agency} ({report.commune_name})."


# -- reading requests ----------------------------------------------------------------------------------

def _find(session: Session, identifier: str) -> PublicRequest | None:
    """A publicly visible request by its reference (RC-XXXX-XXXX, any case); never by sequential id."""
    return session.execute(select(*REQUEST_COLUMNS).where(  # type: ignore[return-value]
        Report.ref == identifier.strip().upper(), publication.visible()).limit(1)).first()


def _render_requests(request: Request, session: Session, rows: Sequence[PublicRequest],
                     french: bool) -> list[dict[str, Any]]:
    catalogue = Catalogue.load(session)
    base = str(request.base_url)
    ids = [r.id for r in rows]
    media, hidden_media = _first_photos(session, ids), _hidden_media(session, ids)
    notes = _public_notes(session, ids)
    return [service_request(r, catalogue, french=french, base_url=base, media_path=media.get(r.id),
                            media_hidden=r.id in hidden_media, public_note=notes.get(r.id)) for r in rows]


def _first_photos(session: Session, report_ids: list[int]) -> dict[int, str]:
    """The path of each report's first public photo (the resident's 'before' ones first), in one query."""
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportPhoto.report_id, ReportPhoto.photo_hash)
        .where(ReportPhoto.report_id.in_(report_ids), publication.photo_shown())
        .ext(distinct_on(ReportPhoto.report_id))
        .order_by(ReportPhoto.report_id, (ReportPhoto.kind != "before"), ReportPhoto.position, ReportPhoto.id))
    return {report_id: photo_service.url(photo_hash, "display") for report_id, photo_hash in rows}


def _hidden_media(session: Session, report_ids: list[int]) -> set[int]:
    """Reports whose photo fetched from the client's media_url staff hid: that URL is not shown either."""
    if not report_ids:
        return set()
    return set(session.scalars(select(ReportPhoto.report_id).where(
        ReportPhoto.report_id.in_(report_ids), ReportPhoto.added_by == publication.MEDIA_URL_ACTOR,
        ~publication.photo_shown())))


def _public_notes(session: Session, report_ids: list[int]) -> dict[int, str]:
    """The note of each report's latest public history line, when its author made it public (the resident's
    tracking page shows the same); a later change of state without a note supersedes it."""
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportEvent.report_id, ReportEvent.note, ReportEvent.note_public)
        .where(ReportEvent.report_id.in_(report_ids), ReportEvent.public.is_(True))
        .ext(distinct_on(ReportEvent.report_id))
        .order_by(ReportEvent.report_id, ReportEvent.at.desc(), ReportEvent.id.desc()))
    return {report_id: note for report_id, note, note_public in rows if note and note_public}


@router.get("/requests.{fmt}")
def list_requests(fmt: str, request: Request, session: ReadSessionDep) -> Response:
    """Requests, newest first; every filter of the spec, plus page and page_size."""
    fmt = _checked_format(fmt)
    values = _query(request)
    _jurisdiction(values.get("jurisdiction_id"))
    french = _french(request, values)
    page = positive_int(values.get("page"), name="page", default=1, limit=MAX_PAGE)
    size = positive_int(values.get("page_size"), name="page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    query = select(*REQUEST_COLUMNS).where(publication.visible())
    ids = split_list(values.get("service_request_id"))
    if ids:  # the spec: this overrides all other arguments (never the publication rule)
        query = query.where(Report.ref.in_([i.strip().upper() for i in ids]))
    else:
        codes = split_list(values.get("service_code"))
        if codes:
            query = query.where(Report.category_code.in_(codes))
        start, end = date_range(values.get("start_date"), values.get("end_date"), datetime.now(UTC))
        if start is not None:
            query = query.where(Report.created_at >= start)
        if end is not None:
            query = query.where(Report.created_at <= end)
        wanted = {s.lower() for s in split_list(values.get("status"))}
        states: set[str] = set()
        for status in wanted:
            if status == "open":
                states |= {str(s) for s in vocabulary.OPEN}
            elif status == "closed":
                states |= {str(s) for s in vocabulary.DONE}
            elif status in set(vocabulary.State):  # our finer states, for clients that know them
                states.add(status)
            else:
                raise Open311Error(400, f"status must be open or closed, not {status!r}")
        if wanted:
            query = query.where(Report.state.in_(states))
    query = query.order_by(Report.created_at.desc(), Report.id.desc()).offset((page - 1) * size).limit(size)
    rows: Sequence[Any] = session.execute(query).all()
    return respond(fmt, "service_requests", _render_requests(request, session, rows, french))


@router.get("/requests/{service_request_id}.{fmt}")
def get_request(service_request_id: str, fmt: str, request: Request, session: SessionDep) -> Response:
    """One request, in a list of one as the spec shows it."""
    fmt = _checked_format(fmt)
    values = _query(request)
    _jurisdiction(values.get("jurisdiction_id"))
    report = _find(session, service_request_id)
    if report is None:
        raise Open311Error(404, f"service_request_id {service_request_id!r} not found")
    return respond(fmt, "service_requests", _render_requests(request, session, [report], _french(request, values)))


@router.get("/servicerequestupdates.{fmt}")
def request_updates(fmt: str, request: Request, session: ReadSessionDep) -> Response:
    """The public history of public requests (the updates extension FixMyStreet and Mark-a-Spot serve):
    oldest first within start_date/end_date (default: the last 90 days), page_size at most 1,000."""
    fmt = _checked_format(fmt)
    values = _query(request)
    _jurisdiction(values.get("jurisdiction_id"))
    french = _french(request, values)
    page = positive_int(values.get("page"), name="page", default=1, limit=MAX_PAGE)
    size = positive_int(values.get("page_size"), name="page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    start, end = date_range(values.get("start_date"), values.get("end_date"), datetime.now(UTC))
    query = (select(ReportEvent.id, ReportEvent.at, ReportEvent.action, ReportEvent.to_state, ReportEvent.note,
                    ReportEvent.note_public, Report.ref, Report.state)
             .join(Report, Report.id == ReportEvent.report_id)
             .where(publication.visible(), ReportEvent.public.is_(True)))
    if start is not None:
        query = query.where(ReportEvent.at >= start)
    if end is not None:
        query = query.where(ReportEvent.at <= end)
    ids = split_list(values.get("service_request_id"))
    if ids:
        query = query.where(Report.ref.in_([i.strip().upper() for i in ids]))
    rows = session.execute(query.order_by(ReportEvent.at, ReportEvent.id).offset((page - 1) * size).limit(size))
    updates = []
    for row in rows:
        state = row.to_state or row.state
        public_note = row.note if row.note_public and row.note else None
        updates.append({
            "update_id": str(row.id), "service_request_id": row.ref, "status": vocabulary.open311_status(state),
            "updated_datetime": w3(row.at),
            "description": public_note or vocabulary.description(state, "fr" if french else "en"),
            "media_url": None,
        })
    return respond(fmt, "service_request_updates", updates)


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: str, request: Request, session: SessionDep) -> Response:
    """Every service here is realtime, so a request's token is its service_request_id; clients that always
    ask for the id behind a token still get an answer."""
    fmt = _checked_format(fmt)
    _jurisdiction(_query(request).get("jurisdiction_id"))
    report = _find(session, token)
    if report is None:
        raise Open311Error(404, f"token {token!r} not found")
    return respond(fmt, "service_requests", [{"service_request_id": report.ref, "token": token}])


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                  include_in_schema=False)
def unknown(rest: str, request: Request) -> Response:
    """Anything else under the prefix: 404 (or 405 for a known resource with the wrong method), spec-shaped."""
    known = re.fullmatch(r"(discovery|services(/[^/]+)?|requests(/[^/]+)?|tokens/[^/]+|servicerequestupdates)"
                         r"\.[A-Za-z0-9]+", rest)
    if known:
        raise Open311Error(405, f"{request.method} is not allowed on {PREFIX}/{rest}")
    raise Open311Error(404, f"No such resource: {PREFIX}/{rest}")
