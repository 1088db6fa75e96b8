"""Intake, the one flow of every channel (app, web, agents, Open311, email): replay, photos, resident, report.

Routers only translate HTTP into `file(...)` and its answer back; nothing else writes a new report.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.errors import Forbidden, MissingLocation
from core.settings import Settings
from core.users import Principal
from dispatch import idempotency, media, notifications, places, residents
from dispatch import photos as photo_service
from dispatch import service as reports
from dispatch.models import Report, Resident
from dispatch.schemas import AgentReportIntake, ReportCreate, ReportIntake
from dispatch.storage import PhotoStorage


def locate(*, session: Session, data: ReportIntake,
           processed: Sequence[photo_service.ProcessedPhoto]) -> tuple[float, float, str]:
    """(lat, lon, source): what the device sent, else the first photo's EXIF GPS, else the address given
    (a BAN id or words, geocoded), else an error. An agent's address comes before the photos'."""
    if data.lat is not None and data.lon is not None:
        return data.lat, data.lon, "device"
    # An agent who picked an address placed the request there on purpose: a photo mailed in by the resident
    # may have been taken anywhere.
    if isinstance(data, AgentReportIntake) and (data.address_id or (data.address_text or "").strip()):
        place = places.point_of(session=session, address_text=data.address_text, address_id=data.address_id)
        return place.lat, place.lon, "address"
    for photo in processed:
        if photo.gps is not None:
            return photo.gps[0], photo.gps[1], "exif"
    if data.address_id or (data.address_text or "").strip():
        place = places.point_of(session=session, address_text=data.address_text, address_id=data.address_id)
        return place.lat, place.lon, "address"
    raise MissingLocation(
        "Give lat and lon, or a photo whose EXIF carries a GPS position.",
        "Indiquez lat et lon, ou une photo dont les données EXIF portent une position GPS.",
    )


def _reporter(*, session: Session, data: ReportIntake, channel: str, staff: Principal | None) -> Resident | None:
    """Who filed it: a record the agent found and may see, a record vouched for by phone, or the typed details'
    own record. Nothing the caller writes here widens what they may read, or changes someone's consents."""
    agent = data if isinstance(data, AgentReportIntake) else None
    if agent is not None and agent.email_verified:
        raise Forbidden("Only the resident confirms an email, by opening the link we send them.",
                        "Seul l'usager confirme une adresse e-mail, en ouvrant le lien que nous lui envoyons.",
                        reason="vouch")
    if agent is not None and agent.resident_id is not None:
        resident = residents.get_or_raise(session=session, resident_id=agent.resident_id)
        if staff is None or not residents.visible_to(session=session, resident=resident, staff=staff):
            raise Forbidden("This resident has no report in your commune.",
                            "Cet usager n'a aucun signalement dans votre commune.")
        return resident
    if data.contact is None:
        return None
    return residents.find_or_create(session=session, contact=data.contact, channel=channel, staff=staff,
                                    phone_verified=bool(agent and agent.phone_verified))


def submit(*, session: Session, data: ReportIntake, processed: Sequence[photo_service.ProcessedPhoto] = (),
           channel: str = "app", staff: Principal | None = None, storage: PhotoStorage | None = None) -> Report:
    """File one report with its photos and its reporter. Photos must already be checked (photos.process_all).

    Order matters for "no half report, no orphan file": every check and the rows come first, the
    files are written last, and photos.discard_pending removes them if the transaction does not commit.
    """
    lat, lon, source = locate(session=session, data=data, processed=processed)
    staff_id = staff.id if staff is not None and staff.kind == "staff" else None
    resident = _reporter(session=session, data=data, channel=channel, staff=staff)
    report = reports.create(
        session=session,
        data=ReportCreate(lat=lat, lon=lon, category=data.category, description=data.description,
                          address_text=data.address_text),
        channel=channel, location_source=source,
        actor_kind=staff.kind if staff else "resident", actor_id=staff.actor_id if staff else None,
        role=staff.role if staff else None,
    )
    report.entered_by_staff_id = staff_id
    report.attributes = dict(data.attributes)
    report.media_url = data.media_url
    if data.media_url:
        media.queue_fetch(session=session, report=report)
    if resident is not None:
        # A record the agent found already holds the resident's answer: they are not asked again.
        consent = (data.contact.consent_updates if data.contact is not None
                   else residents.consents(session=session, resident_id=resident.id).get("report_updates", False))
        residents.attach_reporter(session=session, report_id=report.id, resident_id=resident.id, role="original",
                                  contact_consent=bool(consent), channel=channel)
    for photo in processed:
        photo_service.attach(session=session, report=report, upload=photo, kind="before", history=False,
                             actor_kind=staff.kind if staff else "resident", storage=storage)
    session.flush()
    # The same acknowledgement on every channel, queued in this transaction (sent only if it commits).
    notifications.acknowledge(session=session, report=report)
    return report


@dataclass(frozen=True)
class Filed:
    """What a submission gave: the report's id and the answer to send (stored for replays)."""

    report_id: int
    body: dict[str, Any]
    replayed: bool = False
    status_code: int = 201


def file(*, session: Session, data: ReportIntake, uploads: Sequence[photo_service.Upload], channel: str,
         answer: Callable[[Report], dict[str, Any]], staff: Principal | None = None,
         storage: PhotoStorage | None = None, key: str | None = None,
         admit: Callable[[], None] | None = None, settings: Settings | None = None) -> Filed:
    """File one submission: the first answer again for a replayed key; else admit, check photos, submit.

    `answer` renders the channel's reply (stored with the key, so a retry gets the same bytes); `admit` is the
    channel's admission check (the API's rate limit per client address), run only for new submissions.
    """
    scope = staff.actor_id if staff else "public"
    if key is not None:
        fingerprint = idempotency.fingerprint(fields={"channel": channel, **data.model_dump(mode="json")},
                                              files=[u.data for u in uploads])
        replay = idempotency.begin(session=session, scope=scope, key=key, fingerprint=fingerprint)
        if replay is not None:
            return Filed(report_id=replay.report_id or 0, body=replay.body, replayed=True,
                         status_code=replay.status_code)
    if admit is not None:
        admit()
    processed = photo_service.process_all(uploads, settings)
    try:
        report = submit(session=session, data=data, processed=processed, channel=channel, staff=staff,
                        storage=storage)
        body = answer(report)
        if key is not None:
            idempotency.finish(session=session, scope=scope, key=key, status_code=201, body=body,
                               report_id=report.id)
    except BaseException:
        # Before the caller rolls back: files go while this transaction still holds their rows.
        photo_service.discard_pending(session)
        raise
    return Filed(report_id=report.id, body=body)
