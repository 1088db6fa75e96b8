"""Liveness, readiness and metrics: what an orchestrator and Prometheus ask of the platform."""

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from api.deps import SessionDep
from api.observability import OUTBOX_PENDING, OVERDUE_TICKETS, REGISTRY
from core.migrate import head_revision
from dispatch import vocabulary
from dispatch.models import Report

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    """Liveness and the versions of the engines behind the platform."""
    row = session.execute(text("SELECT version(), postgis_full_version()")).one()
    return {"status": "ok", "postgresql": row[0], "postgis": row[1]}


@router.get("/ready", responses={503: {"description": "not ready: schema behind the code"}})
def ready(session: SessionDep) -> JSONResponse:
    """Ready to serve: the database answers and its schema is at the code's migration head."""
    current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    expected = head_revision()
    body = {"status": "ready" if current == expected else "migrating", "schema": current, "expected": expected}
    return JSONResponse(body, status_code=200 if current == expected else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(session: SessionDep) -> Response:
    """Prometheus metrics: requests and latencies, outbox depth, overdue tickets."""
    OVERDUE_TICKETS.set(session.scalar(select(func.count()).select_from(Report)
                                       .where(vocabulary.overdue_clause(Report))) or 0)
    if session.execute(text("SELECT to_regclass('outbox')")).scalar() is not None:
        OUTBOX_PENDING.set(session.execute(text(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() or 0)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
