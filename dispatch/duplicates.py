"""Duplicates: open reports nearby offered at intake, following one instead of filing, staff merges."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidMerge, NotFound
from core.settings import get_settings
from core.users import Principal
from dispatch import residents, vocabulary, workflow
from dispatch.models import Report, ReportEvent, ReportPhoto, ReportReporter, Resident
from dispatch.schemas import DuplicateCandidate
from dispatch.sqlfiles import sql
from geo.service import check_coordinates, get_category_or_raise


def nearby(*, session: Session, lat: float, lon: float, category: str, limit: int = 10) -> list[DuplicateCandidate]:
    """Open, recent reports of this category within its duplicate radius (true metres), nearest first."""
    check_coordinates(lat=lat, lon=lon)
    get_category_or_raise(session=session, code=category)
    rows = session.execute(sql("nearby_duplicates"), {
        "lat": lat, "lon": lon, "category": category, "limit": limit,
        "window_days": get_settings().duplicate_window_days,
    }).mappings()
    return [DuplicateCandidate(ref=r["ref"], category=r["category_code"], state=r["state"],
                               description=r["description"], commune_name=r["commune_name"], lat=r["lat"],
                               lon=r["lon"], distance_m=round(float(r["distance_m"]), 1), created_at=r["created_at"])
            for r in rows]


def get_by_ref_or_raise(*, session: Session, ref: str) -> Report:
    report = session.scalar(select(Report).where(Report.ref == ref.strip().upper()))
    if report is None:
        raise NotFound(f"No report {ref}", f"Aucun signalement {ref}")
    return report


def follow(*, session: Session, report: Report, resident: Resident, contact_consent: bool, channel: str,
           actor: Principal | None = None) -> Report:
    """The resident follows an existing report instead of filing the same problem again, and is told so.

    `actor` is the agent who added them on their behalf (the history says who did it), else the resident.
    """
    from dispatch import notifications

    if report.merged_into_id is not None:
        report = session.get_one(Report, report.merged_into_id)
    residents.attach_reporter(session=session, report_id=report.id, resident_id=resident.id, role="follower",
                              contact_consent=contact_consent, channel=channel)
    # No personal data in the history: the resident is named by record id, visible to staff only.
    by_staff = actor is not None and actor.kind == "staff"
    session.add(ReportEvent(report_id=report.id, action="follower_added",
                            actor_kind="staff" if by_staff else "resident",
                            actor_id=actor.actor_id if by_staff and actor else str(resident.id),
                            role=actor.role if by_staff and actor else None, channel=channel, public=False))
    session.flush()
    notifications.acknowledge(session=session, report=report, resident_id=resident.id, followed=True)
    return report


def merge(*, session: Session, source: Report, into: Report, actor: Principal, note: str | None = None) -> Report:
    """Fold a duplicate into one incident: every reporter (and photo) of the source joins the target.

    Both rows are locked in id order, so two agents merging crosswise wait for each other instead of
    deadlocking or merging A into B and B into A.
    """
    if source.id == into.id:
        raise InvalidMerge("A report cannot be merged into itself.",
                           "Un signalement ne peut être fusionné avec lui-même.")
    locked = {r.id: r for r in session.scalars(
        select(Report).where(Report.id.in_([source.id, into.id])).order_by(Report.id).with_for_update()
        .execution_options(populate_existing=True))}
    source, into = locked[source.id], locked[into.id]
    if source.merged_into_id is not None or into.merged_into_id is not None:
        raise InvalidMerge(f"{source.ref if source.merged_into_id else into.ref} was already merged elsewhere.",
                           f"{source.ref if source.merged_into_id else into.ref} a déjà été fusionné ailleurs.")
    if into.state not in vocabulary.PUBLIC_OPEN:
        raise InvalidMerge(f"{into.ref} is {into.state}: merge into an open report.",
                           f"{into.ref} est à l'état {into.state} : fusionnez vers un signalement ouvert.")
    moved = 0
    for reporter in session.scalars(select(ReportReporter).where(ReportReporter.report_id == source.id)).all():
        residents.attach_reporter(session=session, report_id=into.id, resident_id=reporter.resident_id,
                                  role="merged", contact_consent=reporter.contact_consent, channel=reporter.channel)
        moved += 1
    position = session.scalar(select(ReportPhoto.position).where(ReportPhoto.report_id == into.id)
                              .order_by(ReportPhoto.position.desc()).limit(1)) or 0
    for photo in session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == source.id)).all():
        exists = session.scalar(select(ReportPhoto.id).where(
            ReportPhoto.report_id == into.id, ReportPhoto.photo_hash == photo.photo_hash,
            ReportPhoto.kind == photo.kind))
        if exists is None:
            position += 1
            session.add(ReportPhoto(report_id=into.id, photo_hash=photo.photo_hash, kind=photo.kind,
                                    position=position, added_by=f"merge:{source.ref}"))
    # The duplicate closes through the workflow (version, history, clock), with the outcome "duplicate" so
    # that "closed" never pretends to be "fixed".
    workflow.close_as_duplicate(session=session, report=source, into=into, actor=actor, note=note,
                                data={"reporters_moved": moved})
    workflow.record(session=session, report=into, actor=actor, action="merged_from", from_state=into.state,
                    to_state=into.state, note=note, data={"from": source.ref, "reporters_moved": moved})
    return into


def merged_refs(*, session: Session, report_id: int) -> list[str]:
    return list(session.scalars(select(Report.ref).where(Report.merged_into_id == report_id).order_by(Report.id)))

