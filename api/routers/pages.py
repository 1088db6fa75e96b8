"""HTML pages: the public map, its accessible list, the officials' dashboard, the supervisors' team map and the API
docs; assets served locally."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

from api import origin, staff_web
from api.auth import cookie_staff, optional_principal
from api.deps import ReadRunnerDep, ReadSessionDep, SessionDep, SettingsDep
from api.map_params import LANG_COOKIE, AfterId, FilterDep, LangDep
from api.security import csp_nonce
from core.errors import Unauthenticated
from core.users import Principal
from maps import dashboard, i18n, pages, public_map, service, team_map
from maps.assets import STATIC_DIR
from maps.filters import ReportFilter
from maps.pages import PageContext

if TYPE_CHECKING:  # a type only: routers send no SQL
    from sqlalchemy.orm import Session

router = APIRouter(include_in_schema=False)


def page_staff(request: Request, session: SessionDep) -> Principal | None:
    """The signed-in staff member of a page; a session that ended (signed out elsewhere, account disabled)
    gets the sign-in form, not a problem document."""
    try:
        return optional_principal(request, session)
    except Unauthenticated:
        return None


PageStaff = Annotated[Principal | None, Depends(page_staff)]


def _context(request: Request, session: "Session", lang: str, filters: ReportFilter,
             signed_in: bool = False) -> PageContext:
    other = "en" if lang == "fr" else "fr"
    switch = request.url.include_query_params(lang=other)
    found = cookie_staff(request, session) if signed_in else None
    return PageContext(lang=lang, filters=filters, options=service.options(session=session),
                       me=found[0] if found else None, csrf=found[1] if found else None,
                       switch_url=f"{switch.path}?{switch.query}")


def _html(body: str, request: Request, lang: str) -> HTMLResponse:
    """An HTML answer that remembers the language the visitor chose with the switch."""
    response = HTMLResponse(body)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, session: ReadSessionDep, settings: SettingsDep, lang: LangDep,
             filters: FilterDep) -> HTMLResponse:
    """The public map of reports."""
    ctx = _context(request, session, lang, filters)
    return _html(public_map.render(ctx=ctx, tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
                                   max_markers=settings.map_max_markers, nonce=csp_nonce(request)), request, lang)


@router.get("/map/list", response_class=HTMLResponse)
def list_page(request: Request, session: ReadSessionDep, lang: LangDep, filters: FilterDep,
              after: AfterId = None) -> HTMLResponse:
    """The same reports as an accessible, filterable table (works without JavaScript)."""
    ctx = _context(request, session, lang, filters)
    page = service.list_page(session=session, filters=filters, limit=100, after=after)
    return _html(pages.list_page(ctx=ctx, page=page, after=after), request, lang)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: ReadSessionDep, run: ReadRunnerDep, settings: SettingsDep, lang: LangDep,
                   filters: FilterDep, staff: PageStaff) -> HTMLResponse:
    """Officials' dashboard (staff only): figures, heatmap, choropleth, monthly series, exports."""
    shown = service.dashboard_filters(filters)
    ctx = _context(request, session, lang, shown, signed_in=staff is not None)
    if staff is None:
        return _signin_page(request, ctx, "dashboard")
    body = dashboard.render(ctx=ctx, data=dashboard.gather(run=run, filters=shown), tile_url=settings.tile_url,
                            tile_attribution=settings.tile_attribution, nonce=csp_nonce(request))
    return _html(body, request, lang)


# What each staff page's sign-in form says and where it posts.
SIGNIN_FORMS: dict[str, dict[str, str]] = {
    "dashboard": {"title": "dashboard.title"},
    "team": {"title": "team.title", "intro": "signin.team_intro", "login_action": "/team/login"},
}


def _signin_page(request: Request, ctx: PageContext, page: str, error: str | None = None,
                 status: int = 401) -> HTMLResponse:
    """A staff page's sign-in form, with its pre-session CSRF token (hidden field + cookie)."""
    form = SIGNIN_FORMS[page]
    nonce, token = origin.login_form_token(request)
    response = HTMLResponse(pages.render("signin.html", **ctx.variables(page, form["title"]), error=error,
                                         csrf_token=token, **{k: v for k, v in form.items() if k != "title"}),
                            status_code=status, headers={"Cache-Control": "no-store"})
    origin.remember_login_nonce(request, response, nonce)
    return response


LoginToken = Annotated[str, Form(alias=origin.LOGIN_CSRF_FIELD)]


@router.post("/dashboard/login", response_class=HTMLResponse)
def dashboard_login(request: Request, session: SessionDep, email: Annotated[str, Form()],
                    password: Annotated[str, Form()], lang: Annotated[str, Form()] = "fr",
                    csrf_token: LoginToken = "") -> Response:
    """Sign-in form of the dashboard."""
    def failed(lang: str, error: str, status: int) -> HTMLResponse:
        ctx = _context(request, session, lang, service.dashboard_filters(ReportFilter()))
        return _signin_page(request, ctx, "dashboard", error, status)

    return staff_web.signin_form(request, session, email=email, password=password, lang=lang, page="dashboard",
                        token=csrf_token, failed=failed)


SUPERVISORS = ("service_staff", "admin")


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, session: SessionDep, settings: SettingsDep, lang: LangDep,
              staff: PageStaff) -> HTMLResponse:
    """Supervisors: their crews' open tickets on a map and in a table, each reassignable to another crew."""
    ctx = _context(request, session, lang, ReportFilter(), signed_in=staff is not None)
    if staff is None:
        return _signin_page(request, ctx, "team")
    if staff.role not in SUPERVISORS:
        body = pages.render("forbidden.html", **ctx.variables("team", "team.title"),
                            message=i18n.t(lang, "team.forbidden").format(role=staff.role))
        return HTMLResponse(body, status_code=403)
    body = team_map.render(ctx=ctx, tile_url=settings.tile_url, tile_attribution=settings.tile_attribution,
                           nonce=csp_nonce(request))
    response = _html(body, request, lang)
    response.headers["Cache-Control"] = "no-store"  # a staff page: no shared cache may keep it
    return response


@router.post("/team/login", response_class=HTMLResponse)
def team_login(request: Request, session: SessionDep, email: Annotated[str, Form()],
               password: Annotated[str, Form()], lang: Annotated[str, Form()] = "fr",
               csrf_token: LoginToken = "") -> Response:
    """Sign-in form of the team page."""
    def failed(lang: str, error: str, status: int) -> HTMLResponse:
        return _signin_page(request, _context(request, session, lang, ReportFilter()), "team", error, status)

    return staff_web.signin_form(request, session, email=email, password=password, lang=lang, page="team",
                        token=csrf_token, failed=failed)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for it on every page (the tracking page, the docs...); a 404 there is noise in every console."""
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI from our own copy (FastAPI's default loads it from a CDN); its one inline script, fixed text
    with no data in it, carries the request's CSP nonce."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title="Rue Commune API",
        swagger_js_url="/static/docs/swagger-ui-bundle.js", swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon-32x32.png",
    )
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{csp_nonce(request)}">')
    return HTMLResponse(html)
