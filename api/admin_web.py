"""What the administration pages share: admin-only gate, the form's fields as a dict, the refused-form answer."""

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api import staff_web
from core.errors import DomainError, Forbidden
from maps import i18n, staff
from maps.staff import StaffContext

ADMIN = "admin"
MAX_FIELD = 20_000


async def form_values(request: Request) -> dict[str, str]:
    """Every text field of a form (a page's form varies with the entity: one reader for all); a field sent
    several times (ticked boxes of one name) comes as its values joined by commas."""
    if request.method != "POST":
        return {}
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value[:MAX_FIELD])
    return {key: ",".join(parts) for key, parts in values.items()}


FormValues = Annotated[dict[str, str], Depends(form_values)]


def gate(request: Request, session: Session, found: staff_web.SignedIn,
         values: dict[str, str] | None = None) -> Response | StaffContext:
    """The page's context for an administrator; the sign-in form, 403 for anyone else; POSTs check CSRF first."""
    ctx = (staff_web.gate(request, session, found) if values is None
           else staff_web.gate_form(request, session, found, values.get("csrf_token")))
    if isinstance(ctx, Response):
        return ctx
    if ctx.me.role != ADMIN:
        refusal = Forbidden("Administration is for administrators only",
                            "L'administration est réservée aux administrateurs", reason="role")
        return staff_web.problem_page(request, ctx, refusal, back="/staff")
    return ctx


def render(request: Request, ctx: StaffContext, template: str, page: str, title_key: str, *,
           exc: DomainError | None = None, status: int | None = None, **variables: Any) -> HTMLResponse:
    """An administration page; with `exc`, its message above the form and the field it names marked."""
    problem = field = None
    if exc is not None:
        problem = exc.detail_fr if ctx.lang == "fr" else exc.detail_en
        field = exc.extra.get("field")
    notice_key = f"admin.done.{request.query_params.get('done')}"
    notice = i18n.t(ctx.lang, notice_key) if notice_key in i18n.TEXT else None
    body = staff.render(f"admin/{template}", ctx, f"admin:{page}", i18n.t(ctx.lang, title_key),
                        form_problem=problem, bad_field=field, notice=notice, admin_page=page, **variables)
    code = status if status is not None else (exc.status if exc is not None else 200)
    return staff_web.html(body, request, ctx.lang, status_code=code)
