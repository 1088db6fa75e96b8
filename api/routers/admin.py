"""Administration pages (administrators only): categories, routing rules with their preview, the audit log.

Plain forms (CSRF field, POST-redirect-GET); a refused form comes back with everything typed and the
message in the administrator's language, the faulty field marked.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import admin_web, staff_web
from api.admin_web import FormValues
from api.deps import SessionDep
from api.staff_web import SignedIn
from core import audit
from core.errors import DomainError
from dispatch import catalogue, routing_rules
from maps import i18n, icons
from maps.staff import StaffContext

router = APIRouter(prefix="/staff/admin", include_in_schema=False)
SECTIONS = ("categories", "routing", "zones", "deadlines", "templates", "accounts", "keys", "webhooks", "audit")


@router.get("", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """The administration's sections."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return admin_web.render(request, ctx, "index.html", "index", "admin.title", sections=SECTIONS)


# -- categories ----------------------------------------------------------------------------------------------

def _category_form(request: Request, session: SessionDep, ctx: StaffContext, code: str | None,
                   values: dict[str, str], exc: DomainError | None = None) -> Response:
    parents = [(c.code, f"{c.name_en if ctx.lang == 'en' else c.name_fr} ({c.code})")
               for c in catalogue.list_(session=session) if c.parent_code is None and c.code != code]
    return admin_web.render(request, ctx, "category.html", "categories",
                            "admin.category_new" if code is None else "admin.category_edit", exc=exc, code=code,
                            values=values, parent_options=parents, service_options=_services(ctx),
                            icon_options=[(name, name) for name in sorted(icons.names())])


def _services(ctx: StaffContext) -> list[tuple[str, str]]:
    return [(s["code"], f"{s['name_en'] if ctx.lang == 'en' else s['name_fr']} ({s['code']})") for s in ctx.services]


def _category_values(session: SessionDep, code: str) -> dict[str, str]:
    category = catalogue.get_or_raise(session=session, code=code)
    return {k: ("yes" if v is True else "" if v in (None, False) else str(v))
            for k, v in {name: getattr(category, name) for name in catalogue.FIELDS}.items()}


@router.get("/categories", response_class=HTMLResponse)
def categories_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every category, with what residents read and whether they may use it."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return admin_web.render(request, ctx, "categories.html", "categories", "admin.categories",
                            rows=catalogue.list_(session=session))


@router.get("/categories/new", response_class=HTMLResponse)
def category_new(request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _category_form(request, session, ctx, None, {"icon": "circle-exclamation", "deadline_days": "10",
                                                        "duplicate_radius_m": "50"})


@router.get("/categories/{code}", response_class=HTMLResponse)
def category_edit(code: str, request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        values = _category_values(session, code)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/categories")
    return _category_form(request, session, ctx, code, values)


@router.post("/categories")
def category_create(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """A new category."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        category = catalogue.create(session=session, actor=ctx.me, values=values, icons=icons.names())
    except DomainError as exc:
        session.rollback()
        return _category_form(request, session, ctx, None, values, exc)
    return staff_web.redirect(f"/staff/admin/categories#cat-{category.code}", ctx.lang, done="saved")


@router.post("/categories/{code}")
def category_update(code: str, request: Request, session: SessionDep, found: SignedIn,
                    values: FormValues) -> Response:
    """Change a category."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        catalogue.update(session=session, actor=ctx.me, code=code, values=values, icons=icons.names())
    except DomainError as exc:
        session.rollback()
        return _category_form(request, session, ctx, code, values, exc)
    return staff_web.redirect("/staff/admin/categories", ctx.lang, done="saved")


# -- routing rules -------------------------------------------------------------------------------------------

def _rule_form(request: Request, session: SessionDep, ctx: StaffContext, rule_id: int | None,
               values: dict[str, str], exc: DomainError | None = None,
               preview: routing_rules.Preview | None = None) -> Response:
    return admin_web.render(request, ctx, "rule.html", "routing",
                            "admin.rule_new" if rule_id is None else "admin.rule_edit", exc=exc, rule_id=rule_id,
                            values=values, preview=preview, service_options=_services(ctx),
                            zone_options=[(k, i18n.t(ctx.lang, f"admin.zone.{k}")) for k in routing_rules.ZONE_KINDS],
                            category_options=[(c["code"], f"{ctx.name_of('category', c['code'])} ({c['code']})")
                                              for c in ctx.categories])


# A point to try a rule on, until the administrator types another: place Bellecour.
DEFAULT_POINT = {"lat": "45.7578", "lon": "4.8320"}


@router.get("/routing", response_class=HTMLResponse)
def routing_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every routing rule, in the order of their precedence groups."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return admin_web.render(request, ctx, "routing.html", "routing", "admin.routing",
                            rows=routing_rules.list_(session=session))


@router.get("/routing/new", response_class=HTMLResponse)
def rule_new(request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _rule_form(request, session, ctx, None, {"priority": "0", **DEFAULT_POINT})


@router.get("/routing/{rule_id}", response_class=HTMLResponse)
def rule_edit(rule_id: int, request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        rule = routing_rules.get_or_raise(session=session, rule_id=rule_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/routing")
    values = {k: "" if v is None else str(v) for k, v in
              {name: getattr(rule, name) for name in routing_rules.FIELDS}.items()}
    values |= {**DEFAULT_POINT, "preview_category": rule.category_code or ""}
    return _rule_form(request, session, ctx, rule_id, values)


def _rule_post(request: Request, session: SessionDep, ctx: StaffContext, rule_id: int | None,
               values: dict[str, str]) -> Response:
    """Preview (nothing kept) or save, as the button pressed says."""
    try:
        if values.get("intent") == "preview":
            lat, lon, category = routing_rules.point(values)
            shown = routing_rules.preview(session=session, rule_id=rule_id, values=values, lat=lat, lon=lon,
                                          category=category)
            return _rule_form(request, session, ctx, rule_id, values, preview=shown)
        rule = routing_rules.save(session=session, actor=ctx.me, rule_id=rule_id, values=values)
    except DomainError as exc:
        session.rollback()
        return _rule_form(request, session, ctx, rule_id, values, exc)
    return staff_web.redirect(f"/staff/admin/routing#rule-{rule.id}", ctx.lang, done="saved")


@router.post("/routing")
def rule_create(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """Preview or save a new rule."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    return _rule_post(request, session, ctx, None, values)


@router.post("/routing/{rule_id}")
def rule_update(rule_id: int, request: Request, session: SessionDep, found: SignedIn,
                values: FormValues) -> Response:
    """Preview or save a change to a rule."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    return _rule_post(request, session, ctx, rule_id, values)


@router.post("/routing/{rule_id}/delete")
def rule_delete(rule_id: int, request: Request, session: SessionDep, found: SignedIn,
                values: FormValues) -> Response:
    """Remove a rule."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        routing_rules.delete(session=session, actor=ctx.me, rule_id=rule_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/routing")
    return staff_web.redirect("/staff/admin/routing", ctx.lang, done="deleted")


# -- audit log -----------------------------------------------------------------------------------------------

@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, found: SignedIn,
               entity: Annotated[str | None, Query(max_length=40)] = None,
               actor: Annotated[str | None, Query(max_length=120)] = None,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    """Every administrative change, newest first, filtered by entity and by who made it."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    listed = audit.list_(session=session, entity=entity or None, actor=(actor or "").strip() or None, page=page)
    return admin_web.render(request, ctx, "audit.html", "audit", "admin.audit", listed=listed, entity=entity or "",
                            actor=actor or "", entities=audit.entities(session=session), known=i18n.TEXT)
