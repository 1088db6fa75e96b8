"""Small builders for tests: tickets in a given state, actors of each role."""

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.users import Principal
from dispatch import notifications, service
from dispatch.models import Report
from dispatch.schemas import ReportCreate

BELLECOUR = (45.7578, 4.8320)  # Lyon 2e, roads sector voirie-W
VILLEURBANNE = (45.7666, 4.8795)  # Villeurbanne, roads sector voirie-E


def make_ticket(session: Session, lat: float = BELLECOUR[0], lon: float = BELLECOUR[1], category: str = "pothole",
                state: str | None = None, **columns: object) -> Report:
    """A report as intake makes it, then forced into `state` (with an outcome when the state needs one)."""
    report = service.create(session=session, data=ReportCreate(lat=lat, lon=lon, category=category,
                                                               description="Trou"))
    values: dict[str, object] = dict(columns)
    if state is not None:
        values["state"] = state
        if state in ("resolved", "closed"):
            values.setdefault("outcome", "fixed")
            values.setdefault("resolved_at", report.created_at)
    if values:
        session.execute(update(Report).where(Report.id == report.id).values(**values))
        session.flush()
    # Released from the session's savepoint: a request that fails and rolls back keeps the ticket.
    session.commit()
    session.refresh(report)
    return report


def actor(role: str, report: Report | None = None, **scope: object) -> Principal:
    """A principal of `role` whose scope covers `report` (unless scope says otherwise)."""
    defaults: dict[str, object] = {}
    if report is not None:
        if role == "commune_staff":
            defaults["commune_code"] = report.commune_code
        if role in ("service_staff", "crew"):
            defaults["service_code"] = report.service_code
    defaults.update(scope)
    kind = {"resident": "resident", "system": "system"}.get(role, "staff")
    return Principal(kind=kind, id=1, role=role, name=role, **defaults)  # type: ignore[arg-type]


def told(session: Session, report_id: int) -> list[tuple[str, str]]:
    """(email, language) of everyone the workflow's emails about this ticket go to: its own recipients query."""
    report = session.get_one(Report, report_id)
    return [(r.email, r.language) for r in notifications.recipients(session=session, report=report)]
