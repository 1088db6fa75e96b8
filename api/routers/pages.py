"""HTML pages: the public map and the OpenAPI documentation, with every asset served locally."""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from dispatch import service as reports
from maps import public_map

router = APIRouter(include_in_schema=False)


@router.get("/map", response_class=HTMLResponse)
def map_page(session: SessionDep) -> HTMLResponse:
    """The public map of reports."""
    return HTMLResponse(public_map.render(reports.to_public(r) for r in reports.list_(session=session)))


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI from our own copy (FastAPI's default loads it from a CDN)."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title="Rue Commune API",
        swagger_js_url="/static/docs/swagger-ui-bundle.js", swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon-32x32.png",
    )
