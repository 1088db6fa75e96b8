"""Residents' data rights and retention: export everything we hold, erase it, anonymise on a schedule.

Reports themselves are public-interest records of the street and stay; what identifies the resident
(name, email, phone, consents, links to their reports, messages addressed to them, their magic links
and sessions, their feedback, the photos they sent, their name and contacts in staff notes) goes. Each step is
written to the reports' history and to privacy_requests, without the personal data itself.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text, delete, func, or_, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from dispatch import magic_links, photos, residents, scrubbing, vocabulary
from dispatch.models import (
    IdempotencyKey,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportReporter,
    Resident,
    ResidentConsent,
)
from dispatch.outbox import OutboxMessage
from dispatch.storage import PhotoStorage

ERASED_NOTE = ("Données personnelles d'un déclarant effacées à sa demande / "
               "a reporter's personal data was erased on request")


class PrivacyRequest(Base):
    """One export, erasure or retention run, for the record; holds no personal data."""

    __tablename__ = "privacy_requests"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    resident_id: Mapped[int | None] = mapped_column(BigInteger)
    requested_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    channel: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


@dataclass
class ErasureSummary:
    """What an erasure removed, in counts."""

    residents: int = 0
    report_links: int = 0
    consents: int = 0
    messages: int = 0
    idempotency_records: int = 0
    tokens: int = 0
    feedback: int = 0
    notes_scrubbed: int = 0
    messages_scrubbed: int = 0
    photos: int = 0
    reports: list[int] = field(default_factory=list)


def _identities(*, session: Session, resident_id: int) -> list[Resident]:
    """The resident's own records: theirs, those merged into it, and the unproven ones typed with their proven
    address (residents.owned_records). Never a record that merely shares an unproven email or phone."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        return []
    return residents.owned_records(session=session, resident=resident)


def _resident_actor_ids(ids: list[int]) -> list[str]:
    """How the history names these records when they act (feedback, reopening, following)."""
    return [f"resident:{i}" for i in ids] + [str(i) for i in ids]


def _their_words(*, session: Session, report_ids: list[int], ids: list[int]) -> list[ReportEvent]:
    """History lines written by the resident themself: feedback comments, reasons for reopening."""
    if not report_ids:
        return []
    return list(session.scalars(select(ReportEvent).where(
        ReportEvent.report_id.in_(report_ids), ReportEvent.actor_kind == "resident",
        ReportEvent.actor_id.in_(_resident_actor_ids(ids))).order_by(ReportEvent.at, ReportEvent.id)))


def export(*, session: Session, resident_id: int, staff_id: int | None = None, channel: str | None = None
           ) -> dict[str, Any]:
    """Everything we hold about a resident, across every record, report and channel (right of access)."""
    people = _identities(session=session, resident_id=resident_id)
    ids = [p.id for p in people]
    links = session.scalars(select(ReportReporter).where(ReportReporter.resident_id.in_(ids))).all()
    reports = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_([lk.report_id for lk in links])))}
    consents = session.scalars(select(ResidentConsent).where(ResidentConsent.resident_id.in_(ids))
                               .order_by(ResidentConsent.at)).all()
    emails = [p.email for p in people if p.email]
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "email", or_(
        *[OutboxMessage.payload["to"].astext == e for e in emails]))).all() if emails else []
    words = _their_words(session=session, report_ids=list(reports), ids=ids)
    data: dict[str, list[dict[str, Any]]] = {
        "records": [{"id": p.id, "name": p.name, "email": p.email, "phone": p.phone, "language": p.language,
                     "email_verified_at": p.email_verified_at, "phone_verified_at": p.phone_verified_at,
                     "created_at": p.created_at} for p in people],
        "consents": [{"data": c.data_kind, "purpose": c.purpose, "granted": c.granted, "channel": c.channel,
                      "at": c.at} for c in consents],
        "reports": [{"ref": reports[lk.report_id].ref, "role": lk.role, "channel": lk.channel,
                     "category": reports[lk.report_id].category_code,
                     "description": reports[lk.report_id].description, "state": reports[lk.report_id].state,
                     "created_at": reports[lk.report_id].created_at} for lk in links if lk.report_id in reports],
        "feedback": [{"ref": reports[e.report_id].ref, "action": e.action, "to_state": e.to_state,
                      "satisfaction": e.data.get("satisfaction"), "comment": e.note, "at": e.at}
                     for e in words if e.action in ("feedback", "transition")],
        "messages": [{"subject": m.payload.get("subject"), "status": m.status, "created_at": m.created_at,
                      "sent_at": m.sent_at} for m in messages],
    }
    session.add(PrivacyRequest(kind="export", resident_id=resident_id, requested_by_staff_id=staff_id,
                               channel=channel, summary={"reports": len(data["reports"])}))
    session.flush()
    return data


def erase(*, session: Session, resident_id: int, staff_id: int | None = None, channel: str | None = None,
          reason: str = "request", storage: PhotoStorage | None = None) -> ErasureSummary:
    """Remove everything that identifies a resident; their reports stay, with a history line saying so.

    Besides their records: their magic links and sessions, their own words in the history (feedback,
    reopening reasons), the photos they sent, and their name, email and phone wherever staff wrote them
    in the history of their reports (the notes stay, the strings go).
    """
    people = _identities(session=session, resident_id=resident_id)
    ids = [p.id for p in people]
    summary = ErasureSummary(residents=len(ids))
    contacts = [c for p in people for c in (p.email, p.phone) if c]
    links = session.scalars(select(ReportReporter).where(ReportReporter.resident_id.in_(ids))).all()
    summary.reports = sorted({lk.report_id for lk in links})
    summary.tokens = magic_links.forget(session=session, resident_ids=ids,
                                        emails=[p.email for p in people if p.email])
    scrub = scrubbing.Scrubber(names=[p.name for p in people if p.name], emails=[p.email for p in people if p.email],
                               phones=[p.phone for p in people if p.phone])
    with scrubbing.history_rewrite(session):
        summary.feedback = scrubbing.forget_their_words(
            session=session, events=_their_words(session=session, report_ids=summary.reports, ids=ids))
        summary.notes_scrubbed = scrubbing.scrub_reports(session=session, report_ids=summary.reports, scrub=scrub)
    summary.photos = scrubbing.forget_photos(session=session, storage=storage, report_ids=sorted(
        {lk.report_id for lk in links if lk.role == "original"}))
    for report_id in summary.reports:
        session.add(ReportEvent(report_id=report_id, action="reporter_erased", actor_kind="staff" if staff_id else
                                "system", actor_id=str(staff_id) if staff_id else None, channel=channel,
                                note=ERASED_NOTE, public=False, data={"reason": reason}))
    if contacts:
        # Messages addressed to them: pending ones must not go out, sent ones must not be kept.
        summary.messages = session.execute(delete(OutboxMessage).where(or_(
            *[OutboxMessage.payload.cast(Text).contains(c) for c in contacts]))).rowcount or 0  # type: ignore[attr-defined]
    # Messages to others that quote them (a staff note sent to followers): kept, without their name.
    summary.messages_scrubbed = scrubbing.scrub_messages(session=session, report_ids=summary.reports, scrub=scrub)
    if summary.reports:
        summary.idempotency_records = session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.report_id.in_(summary.reports))).rowcount or 0  # type: ignore[attr-defined]
    summary.report_links = len(links)
    session.execute(delete(ReportReporter).where(ReportReporter.resident_id.in_(ids)))
    summary.consents = session.execute(delete(ResidentConsent).where(
        ResidentConsent.resident_id.in_(ids))).rowcount or 0  # type: ignore[attr-defined]
    session.execute(text("UPDATE residents SET merged_into_id = NULL WHERE id = ANY(:ids)"), {"ids": ids})
    session.execute(delete(Resident).where(Resident.id.in_(ids)))
    session.add(PrivacyRequest(kind="erase", resident_id=resident_id, requested_by_staff_id=staff_id,
                               channel=channel, summary={**summary.__dict__, "reason": reason}))
    session.flush()
    return summary


REFERENCING_REPORTS = text("""
SELECT cl.relname AS table_name, att.attname AS column_name
FROM pg_constraint con
JOIN pg_class cl ON cl.oid = con.conrelid
JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
WHERE con.contype = 'f' AND con.confrelid = 'reports'::regclass
""")


def _delete_reports(*, session: Session, report_ids: list[int], storage: PhotoStorage | None = None) -> int:
    """Delete reports and every row that points at them, whichever table it lives in, then the photos only
    they used (rows now, files once committed). Returns the number of photos deleted."""
    hashes = list(session.scalars(select(ReportPhoto.photo_hash).where(ReportPhoto.report_id.in_(report_ids))
                                  .distinct()))
    # The history is append-only; deleting a whole report under the retention rule is the one exception.
    session.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'on'"))
    for table, column in session.execute(REFERENCING_REPORTS).all():
        if table == "reports":
            session.execute(text(f'UPDATE reports SET "{column}" = NULL WHERE "{column}" = ANY(:ids)'),  # noqa: S608
                            {"ids": report_ids})
        else:
            session.execute(text(f'DELETE FROM "{table}" WHERE "{column}" = ANY(:ids)'),  # noqa: S608
                            {"ids": report_ids})
    session.execute(delete(Report).where(Report.id.in_(report_ids)))
    session.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'off'"))
    return photos.delete_unused(session=session, hashes=hashes, storage=storage)


def apply_retention(*, session: Session, anonymise_after_days: int, delete_rejected_after_days: int,
                    now: datetime | None = None, dry_run: bool = False, storage: PhotoStorage | None = None
                    ) -> dict[str, int]:
    """Anonymise residents with no open report and no activity for a while; delete old rejected reports with
    their photos (rows at once, files from `storage` once the transaction commits)."""
    now = now or datetime.now(UTC)
    idle_before = now - timedelta(days=anonymise_after_days)
    rejected_before = now - timedelta(days=delete_rejected_after_days)
    rejected = session.scalars(select(Report.id).where(Report.state == vocabulary.State.REJECTED,
                                                       Report.updated_at < rejected_before)).all()
    # A report this run deletes keeps nobody active (a rejection is open work until it is deleted).
    still_active = (select(ReportReporter.resident_id).join(Report, Report.id == ReportReporter.report_id)
                    .where(or_(Report.state.in_(sorted(vocabulary.OPEN)), Report.updated_at >= idle_before),
                           Report.id.not_in(rejected or [0])))
    idle = session.scalars(select(Resident.id).where(
        Resident.updated_at < idle_before, Resident.merged_into_id.is_(None), Resident.id.not_in(still_active))).all()
    result = {"residents_anonymised": len(idle), "rejected_reports_deleted": len(rejected)}
    if dry_run:
        return result
    for resident_id in idle:
        erase(session=session, resident_id=resident_id, reason="retention", storage=storage)
    result["photos_deleted"] = _delete_reports(session=session, report_ids=list(rejected), storage=storage) \
        if rejected else 0
    session.add(PrivacyRequest(kind="retention", summary=result))
    session.flush()
    return result
