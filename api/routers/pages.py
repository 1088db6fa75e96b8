"""HTML pages: the public map, its accessible list, the officials' dashboard, the supervisors' team map and the API
docs; assets served locally."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.auth import MaybeStaff, sign_in
from api.deps import ReadRunnerDep, ReadSessionDep, SessionDep, SettingsDep
from api.map_params import LANG_COOKIE, FilterDep, LangDep
from core.errors import Unauthenticated
from maps import dashboard, i18n, pages, public_map, service, team_map
from maps.assets import STATIC_DIR
from maps.filters import ReportFilter
from maps.pages import PageContext

if TYPE_CHECKING:  # a type only: routers send no SQL
    from sqlalchemy.orm import Session

router = APIRouter(include_in_schema=False)


def _context(request: Request, session: "Session", lang: str, filters: ReportFilter) -> PageContext:
    other = "en" if lang == "fr" else "fr"
    switch = request.url.include_query_params(lang=other)
    return PageContext(lang=lang, filters=filters, options=service.options(session=session),
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
                                   max_markers=settings.map_max_markers), request, lang)


@router.get("/map/list", response_class=HTMLResponse)
def list_page(request: Request, session: ReadSessionDep, lang: LangDep, filters: FilterDep,
              after: Annotated[int | None, Query()] = None) -> HTMLResponse:
    """The same reports as an accessible, filterable table (works without JavaScript)."""
    ctx = _context(request, session, lang, filters)
    page = service.list_page(session=session, filters=filters, limit=100, after=after)
    return _html(pages.list_page(ctx=ctx, page=page, after=after), request, lang)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: ReadSessionDep, run: ReadRunnerDep, settings: SettingsDep, lang: LangDep,
                   filters: FilterDep, staff: MaybeStaff) -> HTMLResponse:
    """Officials' dashboard (staff only): figures, heatmap, choropleth, monthly series, exports."""
    shown = service.dashboard_filters(filters)
    ctx = _context(request, session, lang, shown)
    if staff is None:
        body = pages.render("signin.html", **ctx.variables("dashboard", "dashboard.title"), error=None)
        return HTMLResponse(body, status_code=401)
    body = dashboard.render(ctx=ctx, data=dashboard.gather(run=run, filters=shown), tile_url=settings.tile_url,
                            tile_attribution=settings.tile_attribution)
    return _html(body, request, lang)


def _signin_form(request: Request, session: "Session", *, email: str, password: str, lang: str, page: str,
                 failed: Callable[[str, str], HTMLResponse]) -> Response:
    """A staff page's sign-in form: the same session cookie as the API's sign-in, then back to the page."""
    lang = lang if lang in ("fr", "en") else "fr"
    redirect = RedirectResponse(f"/{page}?lang={lang}", status_code=303)
    try:
        sign_in(redirect, request, session=session, email=email, password=password)
    except Unauthenticated as exc:
        return failed(lang, exc.detail_fr if lang == "fr" else exc.detail_en)
    return redirect


@router.post("/dashboard/login", response_class=HTMLResponse)
def dashboard_login(request: Request, session: SessionDep, email: Annotated[str, Form()],
                    password: Annotated[str, Form()], lang: Annotated[str, Form()] = "fr") -> Response:
    """Sign-in form of the dashboard."""
    def failed(lang: str, error: str) -> HTMLResponse:
        ctx = _context(request, session, lang, service.dashboard_filters(ReportFilter()))
        return HTMLResponse(pages.render("signin.html", **ctx.variables("dashboard", "dashboard.title"), error=error),
                            status_code=401)

    return _signin_form(request, session, email=email, password=password, lang=lang, page="dashboard", failed=failed)


SUPERVISORS = ("service_staff", "admin")


def _team_signin(ctx: PageContext, error: str | None) -> HTMLResponse:
    body = pages.render("signin.html", **ctx.variables("team", "team.title"), error=error, intro="signin.team_intro",
                        login_action="/team/login")
    return HTMLResponse(body, status_code=401)


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, session: SessionDep, settings: SettingsDep, lang: LangDep,
              staff: MaybeStaff) -> HTMLResponse:
    """Supervisors: their crews' open tickets on a map and in a table, each reassignable to another crew."""
    ctx = _context(request, session, lang, ReportFilter())
    if staff is None:
        return _team_signin(ctx, None)
    if staff.role not in SUPERVISORS:
        body = pages.render("forbidden.html", **ctx.variables("team", "team.title"),
                            message=i18n.t(lang, "team.forbidden").format(role=staff.role))
        return HTMLResponse(body, status_code=403)
    body = team_map.render(ctx=ctx, tile_url=settings.tile_url, tile_attribution=settings.tile_attribution)
    response = _html(body, request, lang)
    response.headers["Cache-Control"] = "no-store"  # a staff page: no shared cache may keep it
    return response


@router.post("/team/login", response_class=HTMLResponse)
def team_login(request: Request, session: SessionDep, email: Annotated[str, Form()],
               password: Annotated[str, Form()], lang: Annotated[str, Form()] = "fr") -> Response:
    """Sign-in form of the team page."""
    def failed(lang: str, error: str) -> HTMLResponse:
        return _team_signin(_context(request, session, lang, ReportFilter()), error)

    return _signin_form(request, session, email=email, password=password, lang=lang, page="team", failed=failed)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for it on every page (the tracking page, the docs...); a 404 there is noise in every console."""
    return FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI from our own copy (FastAPI's default loads it from a CDN)."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title="Rue Commune API",
        swagger_js_url="/static/docs/swagger-ui-bundle.js", swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon-32x32.png",
    )
