"""Administration pages for deadline rules and response templates (administrators only; plain forms, PRG)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api import admin_web, staff_web
from api.admin_web import FormValues
from api.deps import SessionDep
from api.staff_web import SignedIn
from core.errors import DomainError
from dispatch import deadline_rules, response_templates
from dispatch.answers import PLACEHOLDERS
from maps.staff import StaffContext

router = APIRouter(prefix="/staff/admin", include_in_schema=False)


def _categories(ctx: StaffContext) -> list[tuple[str, str]]:
    return [(c["code"], f"{ctx.name_of('category', c['code'])} ({c['code']})") for c in ctx.categories]


def _communes(ctx: StaffContext) -> list[tuple[str, str]]:
    return [(c["code"], f"{c['name_fr']} ({c['code']})") for c in ctx.communes]


# -- deadline rules ------------------------------------------------------------------------------------------

def _deadlines(request: Request, session: SessionDep, ctx: StaffContext, values: dict[str, str],
               exc: DomainError | None = None) -> Response:
    return admin_web.render(request, ctx, "deadlines.html", "deadlines", "admin.deadlines", exc=exc, values=values,
                            rows=deadline_rules.list_(session=session), category_options=_categories(ctx),
                            commune_options=_communes(ctx))


@router.get("/deadlines", response_class=HTMLResponse)
def deadlines_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Working days per category, everywhere or in one commune; the form to add or change one."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _deadlines(request, session, ctx, {})


@router.post("/deadlines")
def deadline_save(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """Add a rule, or change one (its id in the form)."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    rule_id = values.get("rule_id", "")
    try:
        deadline_rules.save(session=session, actor=ctx.me, rule_id=int(rule_id) if rule_id.isdigit() else None,
                            values=values)
    except DomainError as exc:
        session.rollback()
        return _deadlines(request, session, ctx, values, exc)
    return staff_web.redirect("/staff/admin/deadlines", ctx.lang, done="saved")


@router.post("/deadlines/{rule_id}/delete")
def deadline_delete(rule_id: int, request: Request, session: SessionDep, found: SignedIn,
                    values: FormValues) -> Response:
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        deadline_rules.delete(session=session, actor=ctx.me, rule_id=rule_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/deadlines")
    return staff_web.redirect("/staff/admin/deadlines", ctx.lang, done="deleted")


# -- response templates --------------------------------------------------------------------------------------

def _template_form(request: Request, ctx: StaffContext, template_id: int | None, values: dict[str, str],
                   exc: DomainError | None = None) -> Response:
    return admin_web.render(request, ctx, "template.html", "templates",
                            "admin.template_new" if template_id is None else "admin.template_edit", exc=exc,
                            template_id=template_id, values=values,
                            placeholders=", ".join("{" + p + "}" for p in PLACEHOLDERS))


@router.get("/templates", response_class=HTMLResponse)
def templates_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every response template, active ones first."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return admin_web.render(request, ctx, "templates.html", "templates", "admin.templates",
                            rows=response_templates.list_(session=session))


@router.get("/templates/new", response_class=HTMLResponse)
def template_new(request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _template_form(request, ctx, None, {"active": "yes"})


@router.get("/templates/{template_id}", response_class=HTMLResponse)
def template_edit(template_id: int, request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        template = response_templates.get_or_raise(session=session, template_id=template_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/templates")
    values = {name: str(getattr(template, name)) for name in response_templates.FIELDS}
    values["active"] = "yes" if template.active else ""
    return _template_form(request, ctx, template_id, values)


def _template_post(request: Request, session: SessionDep, found: SignedIn, values: dict[str, str],
                   template_id: int | None) -> Response:
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        response_templates.save(session=session, actor=ctx.me, template_id=template_id, values=values)
    except DomainError as exc:
        session.rollback()
        return _template_form(request, ctx, template_id, values, exc)
    return staff_web.redirect("/staff/admin/templates", ctx.lang, done="saved")


@router.post("/templates")
def template_create(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """A new template."""
    return _template_post(request, session, found, values, None)


@router.post("/templates/{template_id}")
def template_update(template_id: int, request: Request, session: SessionDep, found: SignedIn,
                    values: FormValues) -> Response:
    """Change a template (or retire it: untick "active")."""
    return _template_post(request, session, found, values, template_id)
