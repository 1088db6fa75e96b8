"""The back office's new request, entered on a resident's behalf (phone, counter, commune office, email, letter).

One form, several buttons: find the resident, pick them, search the address, check for the same problem
nearby, follow an existing report, record the request. Every button posts the whole form back (CSRF field),
so nothing typed is lost and every step works without JavaScript; the page re-renders with what was typed
and the errors beside their fields. Recording goes through dispatch.intake.file like every other channel.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from api import intake_form, staff_web
from api.auth import check_form_csrf
from api.deps import SessionDep
from api.staff_web import SignedIn
from core.errors import DomainError, Forbidden, NotFound
from dispatch import callers, duplicates, intake, places
from dispatch import photos as photo_service
from dispatch.schemas import AgentReportIntake, ContactDetails
from maps import i18n, staff, states
from maps.public_map import json_for_html
from maps.staff import StaffContext

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

router = APIRouter(prefix="/staff/new", include_in_schema=False)

CHANNELS = ("phone", "counter", "commune_office", "email", "letter")
# Every field the form carries between steps (photos apart: a browser never sends a file twice).
FIELDS = ("channel", "who", "resident", "r_name", "r_email", "r_phone", "r_language", "consent_updates",
          "consent_remember", "phone_verified", "address", "address_id", "lat", "lon", "category", "description",
          "seen")
# Which field an error belongs to, so it is shown (and announced) beside it.
ERROR_FIELDS = {"report.missing_location": "address", "address.not_found": "address",
                "report.outside_territory": "address", "report.unknown_category": "category"}


@dataclass
class Draft:
    """What the agent has typed so far, and what the page found for it."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    found: list[callers.Caller] | None = None
    caller: callers.Caller | None = None
    choices: list[Any] | None = None
    nearby: list[Any] | None = None
    photos_dropped: int = 0
    notice: str | None = None
    place_label: str | None = None
    place_lat: float | None = None
    place_lon: float | None = None

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name) or default


def _gate(request: Request, session: "Session", found: SignedIn) -> Response | StaffContext:
    ctx = staff_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    if ctx.me.role not in callers.DESK_ROLES:
        return staff_web.problem_page(request, ctx, Forbidden(
            "Requests on a resident's behalf are entered by the relations centre and the communes.",
            "Les demandes pour le compte d'un usager sont saisies par le centre de relation et les communes.",
            reason="role"),
            back="/staff")
    return ctx


def _default_channel(ctx: StaffContext) -> str:
    return "counter" if ctx.me.role == "commune_staff" else "phone"


def render(request: Request, ctx: StaffContext, draft: Draft, status_code: int = 200) -> HTMLResponse:
    """The new request form with what was typed, what was found and the errors beside their fields."""
    settings = request.app.state.settings
    lang = ctx.lang
    title = i18n.t(lang, "new.title")
    config = json_for_html({
        "tileUrl": settings.tile_url, "attribution": settings.tile_attribution,
        "lat": draft.values.get("lat"), "lon": draft.values.get("lon"),
        "texts": {key: i18n.t(lang, f"new.{key}") for key in ("point", "follow", "distance", "none_nearby")},
        "states": {code: states.label(code, lang) for code in states.STATES}, "lang": lang,
    })
    body = staff.render("new.html", ctx, "new", title, draft=draft, v=draft.values, errors=draft.errors,
                        channels=CHANNELS, map_json=config,
                        can_vouch=ctx.me.role in ("agent", "admin"), notice=draft.notice,
                        channel_name=lambda c: i18n.t(ctx.lang, f"channel.{c}"))
    return staff_web.html(body, request, ctx.lang, status_code=status_code)


def _message(ctx: StaffContext, exc: DomainError) -> str:
    return exc.detail_fr if ctx.lang == "fr" else exc.detail_en


@router.get("", response_class=HTMLResponse)
def new_request(request: Request, session: SessionDep, found: SignedIn, resident: int | None = None) -> Response:
    """A blank request, or one for a resident already known (their card and earlier requests shown)."""
    ctx = _gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    draft = Draft(values={"channel": _default_channel(ctx), "r_language": ctx.lang})
    if resident is not None:
        try:
            draft.caller = callers.get_or_raise(session=session, staff=ctx.me, resident_id=resident)
        except DomainError as exc:
            return staff_web.problem_page(request, ctx, exc, back="/staff/new")
        draft.values["resident"] = str(draft.caller.resident.id)
    return render(request, ctx, draft)


def _values(form: FormData) -> dict[str, str]:
    values = {name: str(form.get(name) or "").strip() if name != "description" else str(form.get(name) or "")
              for name in FIELDS}
    return {k: v for k, v in values.items() if v != ""}


def _contact(draft: Draft) -> ContactDetails | None:
    v = draft.values
    if not any(v.get(k) for k in ("r_name", "r_email", "r_phone")):
        return None
    return ContactDetails(name=v.get("r_name"), email=v.get("r_email"), phone=v.get("r_phone"),
                          language="en" if v.get("r_language") == "en" else "fr",
                          consent_updates=v.get("consent_updates") == "yes",
                          consent_remember=v.get("consent_remember") == "yes")


def _caller(session: "Session", ctx: StaffContext, draft: Draft) -> None:
    """The picked resident again (NotFound outside the scope), or the people the search finds."""
    picked = draft.values.get("resident")
    if picked:
        if not picked.isdigit():
            raise NotFound(f"No resident {picked}", f"Aucun usager {picked}")
        draft.caller = callers.get_or_raise(session=session, staff=ctx.me, resident_id=int(picked),
                                            query=draft.values.get("who"))


def _point(session: "Session", ctx: StaffContext, draft: Draft) -> tuple[float, float] | None:
    """Where: the map's point, else the address picked, else the words typed (field errors when unknown)."""
    v = draft.values
    try:
        if v.get("lat") and v.get("lon"):
            return float(v["lat"]), float(v["lon"])
    except ValueError:
        draft.errors["address"] = i18n.t(ctx.lang, "new.bad_point")
        return None
    if v.get("address_id") or v.get("address"):
        place = places.point_of(session=session, address_text=v.get("address"), address_id=v.get("address_id"))
        return place.lat, place.lon
    return None


def _check(session: "Session", ctx: StaffContext, draft: Draft) -> bool:
    """Look for the same problem nearby; True when there are reports the agent had not seen yet."""
    point = _point(session, ctx, draft)
    category = draft.values.get("category")
    if point is None or not category:
        return False
    draft.nearby = duplicates.nearby(session=session, lat=point[0], lon=point[1], category=category)
    seen = set((draft.values.get("seen") or "").split(","))
    refs = [n.ref for n in draft.nearby]
    draft.values["seen"] = ",".join(refs)
    return any(ref not in seen for ref in refs)


def _file(request: Request, session: "Session", ctx: StaffContext, draft: Draft,
          uploads: list[photo_service.Upload]) -> Response | None:
    """Record the request through the one intake flow; None when the page must be shown again."""
    v = draft.values
    if not v.get("category"):
        draft.errors["category"] = i18n.t(ctx.lang, "new.need_category")
    if not (v.get("lat") and v.get("lon")) and not v.get("address_id") and not v.get("address"):
        draft.errors["address"] = i18n.t(ctx.lang, "new.need_place")
    if draft.errors:
        return None
    if _check(session, ctx, draft):
        draft.notice = i18n.t(ctx.lang, "new.seen_first")
        return None
    point = (float(v["lat"]), float(v["lon"])) if v.get("lat") and v.get("lon") else (None, None)
    try:
        data = AgentReportIntake(
            lat=point[0], lon=point[1], category=v["category"], description=v.get("description", ""),
            address_text=_place_words(session, draft), address_id=v.get("address_id"),
            channel=v.get("channel", _default_channel(ctx)),
            resident_id=draft.caller.resident.id if draft.caller else None,
            contact=None if draft.caller else _contact(draft),
            phone_verified=v.get("phone_verified") == "yes" and draft.caller is None and bool(v.get("r_phone")))
    except ValidationError as exc:
        for error in exc.errors():
            name = {"channel": "channel", "description": "description", "category": "category"}.get(
                str(error["loc"][0]) if error["loc"] else "", "description")
            draft.errors[name] = i18n.t(ctx.lang, "new.invalid")
        return None
    filed = intake.file(session=session, data=data, uploads=uploads, channel=data.channel, staff=ctx.me,
                        storage=request.app.state.photo_storage, settings=request.app.state.settings,
                        answer=lambda report: {"ref": report.ref})
    return staff_web.redirect(f"/staff/tickets/{filed.body['ref']}", ctx.lang, done="entered")


def _place_words(session: "Session", draft: Draft) -> str | None:
    """The address in words for the ticket: the label of the address picked, else what the agent typed."""
    if draft.values.get("address_id"):
        return places.point_of(session=session, address_text=None, address_id=draft.values["address_id"]).label
    return draft.values.get("address")


def _field_of(exc: DomainError) -> str:
    code = getattr(exc, "code", "")
    if code == "resident.invalid_contact":
        return "r_phone" if exc.extra.get("field") == "phone" else "r_email"
    if code.startswith("photo") or "photo" in code:
        return "photos"
    return ERROR_FIELDS.get(code, "form")


@router.post("", response_class=HTMLResponse)
async def post_request(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every button of the form: find, pick, unpick, address, check, follow, file."""
    ctx = _gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        intake_form.check_declared_size(request)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/new")
    settings = request.app.state.settings
    form = await request.form(max_files=settings.photo_max_count * 2, max_fields=100)
    try:
        check_form_csrf(ctx.csrf, str(form.get("csrf_token") or ""))
    except DomainError as exc:
        # A stale page (signed in again since): show the form again with everything typed and a fresh token.
        draft = Draft(values=_values(form), notice=_message(ctx, exc))
        return render(request, ctx, draft, status_code=exc.status)
    files = [v for v in form.getlist("photos") if isinstance(v, UploadFile) and (v.filename or v.size)]
    step = str(form.get("step") or "")
    draft = Draft(values=_values(form))
    draft.values.setdefault("channel", _default_channel(ctx))
    if form.get("pick"):
        draft.values["resident"], step = str(form.get("pick")), "pick"
    if step == "unpick":
        draft.values.pop("resident", None)
    follow_ref = str(form.get("follow") or "")
    try:
        uploads = [await intake_form.upload_of(f) for f in files] if step == "file" else []
    except DomainError as exc:
        draft.errors["photos"] = _message(ctx, exc)
        uploads = []
    return await run_in_threadpool(lambda: _step(request, session, ctx, draft, step, follow_ref, uploads,
                                                 len(files)))


def _step(request: Request, session: "Session", ctx: StaffContext, draft: Draft, step: str, follow_ref: str,
          uploads: list[photo_service.Upload], sent_photos: int) -> Response:
    try:
        _caller(session, ctx, draft)
    except NotFound as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/new")
    try:
        with session.begin_nested():
            if step == "find":
                draft.found = callers.find(session=session, staff=ctx.me, query=draft.get("who"))
                draft.values.pop("resident", None)
                draft.caller = None
            elif step == "address":
                draft.values.pop("address_id", None)
                draft.values.pop("lat", None)
                draft.values.pop("lon", None)
                draft.choices = places.choices(session=session, address_text=draft.get("address"))
                if not draft.choices:
                    draft.errors["address"] = i18n.t(ctx.lang, "new.no_address")
            elif step == "check":
                _check(session, ctx, draft)
                if draft.nearby == [] and not draft.errors:
                    draft.notice = i18n.t(ctx.lang, "new.none_nearby")
            elif follow_ref:
                report = callers.follow(session=session, staff=ctx.me, ref=follow_ref,
                                        channel=draft.get("channel", _default_channel(ctx)),
                                        resident_id=draft.caller.resident.id if draft.caller else None,
                                        contact=_contact(draft), query=draft.get("who"))
                return staff_web.redirect(f"/staff/tickets/{report.ref}", ctx.lang, done="followed")
            elif step == "file" and not draft.errors:
                done = _file(request, session, ctx, draft, uploads)
                if done is not None:
                    return done
    except DomainError as exc:
        draft.errors[_field_of(exc)] = _message(ctx, exc)
    draft.photos_dropped = sent_photos
    if draft.values.get("address_id") and not draft.choices:
        try:
            place = places.point_of(session=session, address_text=None, address_id=draft.values["address_id"])
            draft.place_label, draft.place_lat, draft.place_lon = place.label, place.lat, place.lon
        except DomainError as exc:
            draft.errors.setdefault("address", _message(ctx, exc))
    status = 422 if draft.errors else 200
    return render(request, ctx, draft, status_code=status)
