"""Reports in any state and at any date, made through the real intake service for map and dashboard tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dispatch import service as reports
from dispatch.models import Report
from dispatch.schemas import ReportCreate

BELLECOUR = (45.7578, 4.8320)          # Lyon 2e
VILLEURBANNE = (45.7666, 4.8795)
VENISSIEUX = (45.6975, 4.8867)
CALUIRE = (45.7950, 4.8460)


def make_report(session: Session, point: tuple[float, float] = BELLECOUR, *, category: str = "pothole",
                state: str = "new", description: str = "", channel: str = "app", days_ago: float = 1,
                resolved_after_days: float | None = None, due_in_days: float | None = 10,
                created: datetime | None = None, resolved: datetime | None = None) -> Report:
    """One report routed by PostGIS, then moved to `state` with coherent dates (or the dates given)."""
    report = reports.create(session=session, channel=channel, data=ReportCreate(
        lat=point[0], lon=point[1], category=category, description=description))
    created = created or datetime.now(UTC) - timedelta(days=days_ago)
    report.created_at = created
    report.state = state
    report.due_at = created + timedelta(days=due_in_days) if due_in_days is not None else None
    if state in ("resolved", "closed"):
        report.resolved_at = resolved or created + timedelta(
            days=resolved_after_days if resolved_after_days is not None else 1)
    session.flush()
    return report


def plant(engine: Engine, *specs: dict[str, Any]) -> list[Report]:
    """Reports committed for real (the live server reads them from its own connections)."""
    with Session(engine, expire_on_commit=False) as session:
        made = [make_report(session, **spec) for spec in specs]
        session.commit()
    return made
