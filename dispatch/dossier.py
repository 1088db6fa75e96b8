"""Everything the ticket page shows about one ticket, read once, within the reader's scope.

Personal data (reporters, their contacts and consents) is only read when `access.can_see_personal_data`
allows it; a reader outside the ticket's scope gets Forbidden before anything is read.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.users import Principal, StaffUser
from dispatch import access, contacts, duplicates, residents, vocabulary, workflow
from dispatch.models import Report, ReportEvent, ReportPhoto
from geo.models import Category, Service

NEARBY_RADIUS_M = 250
NEARBY_LIMIT = 8

_NEARBY = text("""
SELECT ref, state, category_code, address_text, commune_name, distance_m FROM (
    SELECT r.ref, r.state, r.category_code, r.address_text, r.commune_name,
           ST_Distance(r.geom_l93, o.geom_l93) AS distance_m
    FROM reports r, (SELECT geom_l93 FROM reports WHERE id = :id) o
    WHERE r.state NOT IN ('resolved', 'closed', 'rejected') AND r.merged_into_id IS NULL AND r.id <> :id
      AND r.category_code = :category
    ORDER BY r.geom_l93 <-> o.geom_l93
    LIMIT :limit
) nearest WHERE distance_m <= :radius ORDER BY distance_m
""")


@dataclass(frozen=True)
class Dossier:
    """A ticket as its page shows it."""

    report: Report
    lat: float
    lon: float
    category: Category | None
    service: Service | None
    overdue: bool
    now: datetime
    moves: list[str]
    photos: list[ReportPhoto]
    history: list[ReportEvent]
    entered_by: str | None
    assignee: str | None
    merged_from: list[str]
    duplicate_of: str | None
    merged_into: str | None
    nearby: list[dict[str, Any]]
    reporters: list[dict[str, Any]] | None
    crews: list[dict[str, Any]] = field(default_factory=list)
    actors: dict[str, str] = field(default_factory=dict)


def get_by_ref_or_raise(*, session: Session, principal: Principal, ref: str) -> Report:
    """The ticket with this reference, if the principal may read it (NotFound, Forbidden otherwise)."""
    report = duplicates.get_by_ref_or_raise(session=session, ref=ref)
    access.ensure_can_read(principal, report)
    return report


def _name(session: Session, staff_id: int | None) -> str | None:
    if staff_id is None:
        return None
    user = session.get(StaffUser, staff_id)
    return user.name if user else None


def _reporters(session: Session, report_id: int) -> list[dict[str, Any]]:
    rows = contacts.reporters(session=session, report_id=report_id)
    for row in rows:
        row["consents"] = residents.consents(session=session, resident_id=row["resident_id"])
    return rows


def get(*, session: Session, principal: Principal, ref: str) -> Dossier:
    """The whole dossier of the ticket `ref`, as the principal may see it."""
    from dispatch import crews

    report = get_by_ref_or_raise(session=session, principal=principal, ref=ref)
    now: datetime = session.execute(select(func.now())).scalar_one()
    lat, lon = session.execute(select(func.ST_Y(Report.geom), func.ST_X(Report.geom))
                               .where(Report.id == report.id)).one()
    photos = list(session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report.id)
                                  .order_by(ReportPhoto.kind.desc(), ReportPhoto.position, ReportPhoto.id)))
    nearby = [dict(r) for r in session.execute(_NEARBY, {"id": report.id, "category": report.category_code,
                                                         "limit": NEARBY_LIMIT, "radius": NEARBY_RADIUS_M})
              .mappings()]
    # Only what the reader's scope covers: a nearby ticket of another commune is not named to a commune agent.
    if principal.role not in access.EVERYWHERE and nearby:
        visible = set(session.scalars(select(Report.ref).where(access.scope_filter(principal),
                                                               Report.ref.in_([n["ref"] for n in nearby]))))
        nearby = [n for n in nearby if n["ref"] in visible]
    linked = {i: r for i, r in session.execute(select(Report.id, Report.ref).where(
        Report.id.in_([x for x in (report.duplicate_of_id, report.merged_into_id) if x])))}
    crew_list = []
    if principal.role in ("service_staff", "admin") and report.service_code:
        crew_list = [c for c in crews.team_crews(session=session, supervisor=principal)
                     if c["service_code"] == report.service_code]
    history = workflow.history(session=session, report_id=report.id, public_only=False)
    staff_ids = {int(e.actor_id.split(":")[1]) for e in history
                 if e.actor_id and e.actor_id.startswith("staff:") and e.actor_id.split(":")[1].isdigit()}
    actors = {f"staff:{i}": name for i, name in session.execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(staff_ids)))} if staff_ids else {}
    return Dossier(
        report=report, lat=float(lat), lon=float(lon), category=session.get(Category, report.category_code),
        service=session.get(Service, report.service_code) if report.service_code else None,
        overdue=vocabulary.is_overdue(state=report.state, due_at=report.due_at, paused_at=report.paused_at, now=now),
        now=now, moves=workflow.moves_for(report.state, principal.role), photos=photos,
        history=history, actors=actors,
        entered_by=_name(session, report.entered_by_staff_id), assignee=_name(session, report.assignee_id),
        merged_from=duplicates.merged_refs(session=session, report_id=report.id),
        duplicate_of=linked.get(report.duplicate_of_id) if report.duplicate_of_id else None,
        merged_into=linked.get(report.merged_into_id) if report.merged_into_id else None,
        nearby=nearby,
        reporters=_reporters(session, report.id) if access.can_see_personal_data(principal, report) else None,
        crews=crew_list,
    )
