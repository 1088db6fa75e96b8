"""The FastAPI application factory."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from api import ogc, open311, openapi, problems
from api.limits import BodySizeLimit
from api.observability import RequestContext
from api.ratelimit import SharedRateLimiter
from api.routers import (
    addresses,
    admin,
    admin_people,
    admin_rules,
    admin_zones,
    agent,
    auth,
    backoffice,
    backoffice_intake,
    backoffice_tickets,
    categories,
    crews,
    dashboard,
    health,
    map_data,
    pages,
    photos,
    privacy,
    pwa,
    reports,
    residents,
    respond,
    routing,
    staff,
    tickets,
    tiles,
    tracking,
    webhooks,
)
from api.security import SecurityHeaders
from core.db import get_engine, get_read_engine, session_factory
from core.settings import Settings, get_settings
from dispatch import side_effects
from dispatch.storage import get_storage
from geo.geocoding import get_geocoder
from maps import csp
from maps.assets import STATIC_DIR as MAPS_STATIC

API_STATIC = Path(__file__).resolve().parent / "static"


def create_app(engine: Engine | None = None, settings: Settings | None = None,
               read_engine: Engine | None = None) -> FastAPI:
    """Build the app on an engine and settings (the configured ones by default: primary, and replica for reads)."""
    app = FastAPI(
        title="Rue Commune", version="0.1.0", docs_url=None, redoc_url=None,
        description="Residents report problems in public space; the administrations behind them fix them.",
    )
    side_effects.install()
    app.state.session_factory = session_factory(engine or get_engine())
    app.state.read_session_factory = session_factory(read_engine or engine or get_read_engine())
    # Pages read settings from here, so one process can serve two apps set differently (tests: tiles off).
    settings = app.state.settings = settings or get_settings()
    app.state.photo_storage = get_storage()
    # Counted in PostgreSQL: every replica shares a client's count (the client is the address uvicorn
    # believes, which behind a proxy is the one it forwarded: RUECOMMUNE_TRUSTED_PROXIES).
    app.state.intake_limiter = SharedRateLimiter(app.state.session_factory, "intake", settings.intake_rate_limit,
                                                 settings.intake_rate_window_s)
    # Magic links have their own bucket: asking for links never uses up a resident's reports, nor the reverse.
    app.state.magic_link_limiter = SharedRateLimiter(
        app.state.session_factory, "magic_link", settings.magic_link_rate_limit, settings.magic_link_rate_window_s,
        what=("link requests", "demandes de lien"))
    problems.install(app)
    openapi.install(app)
    app.add_middleware(BodySizeLimit, multipart_limit=lambda: app.state.settings.upload_max_bytes)
    app.add_middleware(SecurityHeaders, tile_url=lambda: app.state.settings.tile_url,
                       script_hashes=csp.FIXED_SCRIPT_HASHES)
    app.add_middleware(RequestContext)
    app.mount("/static/docs", StaticFiles(directory=API_STATIC / "swagger-ui"), name="docs-static")
    app.mount("/static", StaticFiles(directory=MAPS_STATIC), name="static")
    for router in (health.router, auth.router, staff.router, reports.router, agent.router, residents.router,
                   residents.public_router, photos.router, tracking.router, routing.router, pages.router,
                   privacy.router, webhooks.router):
        app.include_router(router)
    # The life of a ticket: staff moves, triage, figures; residents' answers from their emails.
    for router in (tickets.router, respond.router, crews.router):
        app.include_router(router)
    app.include_router(categories.router)
    app.state.geocoder = get_geocoder(settings)
    app.include_router(addresses.router)
    # The back office's pages (server-rendered, plain forms).
    app.include_router(backoffice.router)
    app.include_router(backoffice_intake.router)
    app.include_router(backoffice_tickets.router)
    for router in (admin.router, admin_rules.router, admin_zones.router, admin_people.router):
        app.include_router(router)
    pwa.install(app)
    for router in (map_data.router, tiles.router, dashboard.router):
        app.include_router(router)
    app.include_router(ogc.router)
    open311.install(app)
    return app
