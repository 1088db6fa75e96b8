"""Liveness, readiness and metrics: what an orchestrator and Prometheus ask of the platform.

Nothing here helps an attacker: /health tells exact engine versions to administrators only, and /metrics
(routes, traffic, queue depths) answers a bearer token when RUECOMMUNE_METRICS_TOKEN is set, otherwise only a
client on loopback that came through no proxy (a Prometheus beside the process).
"""

import hmac
import ipaddress

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from api.auth import optional_principal
from api.deps import ReadSessionDep, SessionDep, SettingsDep
from api.observability import OUTBOX_PENDING, OVERDUE_TICKETS, REGISTRY
from core.db import replica_state
from core.errors import DomainError, Forbidden
from core.migrate import head_revision
from dispatch import vocabulary
from dispatch.models import Report

router = APIRouter(tags=["health"])
PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


@router.get("/health")
def health(request: Request, session: SessionDep) -> dict[str, str]:
    """Liveness; an administrator also reads the exact versions of the engines behind the platform."""
    row = session.execute(text("SELECT version(), postgis_full_version()")).one()
    try:
        caller = optional_principal(request, session)
    except DomainError:  # a stale cookie on a probe: still alive, just not told more
        caller = None
    if caller is None or caller.role != "admin":
        return {"status": "ok"}
    return {"status": "ok", "postgresql": row[0], "postgis": row[1]}


def _on_loopback(request: Request) -> bool:
    """The peer is this host and no proxy stands between (a proxy on loopback forwards anyone)."""
    if request.client is None or any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def metrics_reader(request: Request, settings: SettingsDep) -> None:
    """Lets Prometheus through: the bearer token when one is set, else a loopback peer; 403 for anyone else."""
    token = settings.metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return
    elif _on_loopback(request):
        return
    raise Forbidden("Metrics are for the monitoring system: send its bearer token, or ask from the host itself",
                    "Les métriques sont réservées à la supervision : envoyez son jeton, ou demandez depuis l'hôte",
                    reason="metrics")


@router.get("/ready", responses={503: {"description": "not ready: schema behind the code, or replica away"}})
def ready(session: SessionDep, read_session: ReadSessionDep, settings: SettingsDep) -> JSONResponse:
    """Ready to serve: the database answers, its schema is at the code's migration head, and the read replica
    (when there is one) answers, follows the primary and replays less than read_replica_max_lag_s behind."""
    current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    expected = head_revision()
    body: dict[str, object] = {"status": "ready" if current == expected else "migrating", "schema": current,
                               "expected": expected}
    if read_session.get_bind() is not session.get_bind():
        replica = replica_state(read_session)
        body["replica"] = replica._asdict()
        caught_up = replica.available and (replica.lag_s or 0) <= settings.read_replica_max_lag_s
        if current == expected and not caught_up:
            body["status"] = "replica_behind" if replica.available else "replica_unavailable"
    return JSONResponse(body, status_code=200 if body["status"] == "ready" else 503,
                        headers={} if body["status"] == "ready" else {"Retry-After": "5"})


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(metrics_reader)])
def metrics(session: SessionDep) -> Response:
    """Prometheus metrics: requests and latencies, outbox depth, overdue tickets."""
    OVERDUE_TICKETS.set(session.scalar(select(func.count()).select_from(Report)
                                       .where(vocabulary.overdue_clause(Report))) or 0)
    if session.execute(text("SELECT to_regclass('outbox')")).scalar() is not None:
        OUTBOX_PENDING.set(session.execute(text(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar() or 0)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
