"""Health: the database answers, with its PostgreSQL and PostGIS versions."""

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    """Liveness and the versions of the engines behind the platform."""
    row = session.execute(text("SELECT version(), postgis_full_version()")).one()
    return {"status": "ok", "postgresql": row[0], "postgis": row[1]}
