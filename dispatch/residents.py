"""Residents: an account is a verified email or phone; unverified details stay with the report they came with."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidContact
from core.users import Principal
from dispatch.models import Report, ReportReporter, Resident, ResidentConsent
from dispatch.schemas import ContactDetails, ResidentRead, ResidentUpdate

PURPOSES = {
    "report_updates": "tell the resident how their reports progress",
    "remember_me": "recognise the resident on every channel so they never repeat themselves",
}
# Staff who may vouch for a phone number (caller ID, call back): their scope is the whole territory, so
# vouching can never widen what they see.
PHONE_VOUCHERS = frozenset({"agent", "admin"})


def normalise_email(value: str | None) -> str | None:
    """One mailbox, lower-cased; refuses anything that could reach a second recipient (commas, quotes, CR/LF)."""
    if value is None or not value.strip():
        return None
    try:
        checked = validate_email(value.strip(), check_deliverability=False,
                                 allow_quoted_local=False, allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise InvalidContact(f"'{value}' is not an email address", f"« {value} » n'est pas une adresse e-mail",
                             field="email") from exc
    return checked.normalized.lower()


def normalise_phone(value: str | None) -> str | None:
    """E.164: French national numbers (06 12 34 56 78) become +33612345678; others must start with +."""
    if value is None or not value.strip():
        return None
    digits = re.sub(r"[\s.\-()/]", "", value.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = "+33" + digits[1:]
    if not re.fullmatch(r"\+[1-9]\d{7,14}", digits):
        raise InvalidContact(f"'{value}' is not a phone number", f"« {value} » n'est pas un numéro de téléphone",
                             field="phone")
    return digits


def _now() -> datetime:
    return datetime.now(UTC)


def _unverified() -> ColumnElement[bool]:
    """A record nobody has proven: only the details typed with its reports."""
    return and_(Resident.email_verified_at.is_(None), Resident.phone_verified_at.is_(None))


def remembers(*, session: Session, resident_id: int) -> bool:
    """Did the resident let us recognise them next time ("remember me")? Not asked means no."""
    return consents(session=session, resident_id=resident_id).get("remember_me", False)


def _new_record(*, session: Session, contact: ContactDetails, email: str | None, phone: str | None,
                phone_verified: bool, channel: str, staff_id: int | None) -> Resident:
    """A record of its own for these details: they belong to this report until their owner proves them."""
    verified_at = _now() if phone_verified and phone and not _verified_holder(
        session=session, kind="phone", value=phone) else None
    resident = Resident(name=contact.name, language=contact.language, email=email, phone=phone,
                        phone_verified_at=verified_at)
    session.add(resident)
    session.flush()
    # The person typing answers for the record they create, and only for that one.
    record_consents(session=session, resident=resident, contact=contact, channel=channel, staff_id=staff_id)
    session.flush()
    return resident


def _verified_holder(*, session: Session, kind: str, value: str) -> Resident | None:
    column = Resident.email if kind == "email" else Resident.phone
    verified = Resident.email_verified_at if kind == "email" else Resident.phone_verified_at
    return session.scalars(select(Resident).where(column == value, verified.is_not(None),
                                                  Resident.merged_into_id.is_(None)).order_by(Resident.id)
                           .limit(1)).first()


def _vouched_phone_record(*, session: Session, phone: str) -> Resident | None:
    """The record a staff-verified phone opens: the one that holds it verified, or an unproven one to adopt.

    Either must have said "remember me": a resident who declined is never recognised on another channel.
    A record with a verified email is never adopted by a phone: that would join two proven identities
    on one person's word.
    """
    holder = _verified_holder(session=session, kind="phone", value=phone)
    if holder is not None:
        return holder if remembers(session=session, resident_id=holder.id) else None
    for candidate in session.scalars(select(Resident).where(Resident.phone == phone, _unverified(),
                                                            Resident.merged_into_id.is_(None))
                                     .order_by(Resident.id)).all():
        if remembers(session=session, resident_id=candidate.id):
            candidate.phone_verified_at = _now()
            return candidate
    return None


def record_consents(*, session: Session, resident: Resident, contact: ContactDetails | ResidentUpdate,
                    channel: str | None, staff_id: int | None = None) -> None:
    """One line per data kind and purpose the resident answered about, so each choice can be shown later.

    Callers: a new record's own intake, the resident signed in (update), or an agent recording the
    resident's request (record_requested_consents); never an intake that merely matches a contact.
    """
    kinds = [k for k in ("name", "email", "phone") if getattr(resident, k)]
    for purpose, granted in (("report_updates", contact.consent_updates),
                             ("remember_me", contact.consent_remember)):
        if granted is None:
            continue
        for kind in kinds:
            if kind == "name" and purpose == "report_updates":
                continue  # a name is never used to contact anyone
            session.add(ResidentConsent(resident_id=resident.id, data_kind=kind, purpose=purpose,
                                        granted=bool(granted), channel=channel, recorded_by_staff_id=staff_id))


def find_or_create(*, session: Session, contact: ContactDetails, channel: str, staff: Principal | None = None,
                   phone_verified: bool = False) -> Resident | None:
    """The record this report's contact details go to; None when no email or phone was given.

    Typed details never open an existing record: they get a record of their own, which its owner sees
    once they prove the address (owned_records). Only a phone vouched for by relations-centre staff joins
    a record, and then nothing about that record changes: not its details, not its consents.
    """
    email = normalise_email(contact.email)
    phone = normalise_phone(contact.phone)
    if email is None and phone is None:
        return None
    staff_id = staff.id if staff is not None and staff.kind == "staff" else None
    if phone_verified:
        if staff is None or staff.role not in PHONE_VOUCHERS:
            raise Forbidden("Only the relations centre confirms a phone number; enter the report without it.",
                            "Seul le centre de relation confirme un numéro ; saisissez le signalement sans.",
                            reason="vouch")
        if phone is not None:
            found = _vouched_phone_record(session=session, phone=phone)
            if found is not None:
                session.flush()
                return found
    return _new_record(session=session, contact=contact, email=email, phone=phone,
                       phone_verified=phone_verified, channel=channel, staff_id=staff_id)


def get_or_raise(*, session: Session, resident_id: int) -> Resident:
    from core.errors import NotFound

    resident = session.get(Resident, resident_id)
    while resident is not None and resident.merged_into_id is not None:
        resident = session.get(Resident, resident.merged_into_id)
    if resident is None:
        raise NotFound(f"No resident {resident_id}", f"Aucun usager {resident_id}")
    return resident


def _matches(column: Any, verified: Any, value: str | None
             ) -> ColumnElement[bool]:
    """The contact is proven on the record, or the record proves nothing (only what was typed with it)."""
    if not value:
        return false()
    return and_(column == value, or_(verified.is_not(None), _unverified()))


def search(*, session: Session, email: str | None = None, phone: str | None = None) -> Sequence[Resident]:
    """Records an agent may recognise by this email or phone (the agent then confirms with the caller).

    An unproven detail on a proven record never finds it (anyone may have typed it), and a resident who
    declined "remember me" is not recognised.
    """
    email, phone = normalise_email(email), normalise_phone(phone)
    if not email and not phone:
        return []
    found = session.scalars(select(Resident).where(
        or_(_matches(Resident.email, Resident.email_verified_at, email),
            _matches(Resident.phone, Resident.phone_verified_at, phone)),
        Resident.merged_into_id.is_(None)).order_by(Resident.id)).all()
    return [r for r in found if remembers(session=session, resident_id=r.id)]


def owned_records(*, session: Session, resident: Resident) -> list[Resident]:
    """What the holder of a proven address owns: their record, records merged into it, and the unproven
    records typed with that very address. Never further: another detail on those records opens nothing."""
    found: dict[int, Resident] = {resident.id: resident}
    frontier = [resident.id]
    while frontier:
        merged = session.scalars(select(Resident).where(Resident.merged_into_id.in_(frontier))).all()
        frontier = [r.id for r in merged if r.id not in found]
        found.update((r.id, r) for r in merged)
    proven = [c for c in (
        Resident.email == resident.email if resident.email and resident.email_verified_at else None,
        Resident.phone == resident.phone if resident.phone and resident.phone_verified_at else None,
    ) if c is not None]
    if proven:
        for twin in session.scalars(select(Resident).where(or_(*proven), _unverified(),
                                                           Resident.merged_into_id.is_(None))).all():
            found.setdefault(twin.id, twin)
    return sorted(found.values(), key=lambda r: r.id)


def consents(*, session: Session, resident_id: int) -> dict[str, bool]:
    """The latest answer per purpose (granted if granted for the resident's contact data)."""
    rows = session.execute(
        select(ResidentConsent.purpose, ResidentConsent.granted).where(ResidentConsent.resident_id == resident_id)
        .order_by(ResidentConsent.at, ResidentConsent.id)).all()
    latest: dict[str, bool] = {}
    for purpose, granted in rows:
        latest[purpose] = granted
    return latest


def to_read(*, session: Session, resident: Resident) -> ResidentRead:
    return ResidentRead(
        id=resident.id, name=resident.name, email=resident.email,
        email_verified=resident.email_verified_at is not None, phone=resident.phone,
        phone_verified=resident.phone_verified_at is not None, language=resident.language,
        consents=consents(session=session, resident_id=resident.id),
    )


def update(*, session: Session, resident: Resident, data: ResidentUpdate, channel: str = "web") -> Resident:
    """The resident (signed in) changes their details once; every channel sees the change."""
    if data.name is not None:
        resident.name = data.name.strip() or None
    if data.language is not None:
        resident.language = data.language
    if data.phone is not None:
        phone = normalise_phone(data.phone)
        if phone != resident.phone:
            resident.phone, resident.phone_verified_at = phone, None
    session.flush()
    record_consents(session=session, resident=resident, contact=data, channel=channel)
    session.flush()
    return resident


def record_requested_consents(*, session: Session, resident: Resident, data: ResidentUpdate, channel: str,
                              staff_id: int | None) -> Resident:
    """An agent records what the resident asked for (by phone, letter, at a counter): each line names the
    agent (recorded_by_staff_id) and the channel of the request, so the choice can be traced to it."""
    record_consents(session=session, resident=resident, contact=data, channel=channel, staff_id=staff_id)
    session.flush()
    return resident


def attach_reporter(*, session: Session, report_id: int, resident_id: int, role: str, contact_consent: bool,
                    channel: str | None) -> None:
    """Make a resident a reporter of a report; joining twice keeps the first role and any consent given."""
    stmt = insert(ReportReporter).values(report_id=report_id, resident_id=resident_id, role=role,
                                         contact_consent=contact_consent, channel=channel)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["report_id", "resident_id"],
        set_={"contact_consent": ReportReporter.contact_consent.op("OR")(stmt.excluded.contact_consent)},
    ))


def reporters(*, session: Session, report_id: int) -> Sequence[ReportReporter]:
    return session.scalars(select(ReportReporter).where(ReportReporter.report_id == report_id)
                           .order_by(ReportReporter.created_at, ReportReporter.resident_id)).all()


def reports_of(*, session: Session, resident_id: int, owner: bool = False, limit: int = 200) -> Sequence[Report]:
    """The resident's reports, newest first. Staff see the record's own (and merged) reports; the owner,
    signed in, also sees those typed with their proven address (owner=True)."""
    resident = get_or_raise(session=session, resident_id=resident_id)
    records = owned_records(session=session, resident=resident)
    if not owner:
        records = [r for r in records if r.id == resident.id or r.merged_into_id is not None]
    return session.scalars(
        select(Report).where(Report.id.in_(select(ReportReporter.report_id).where(
            ReportReporter.resident_id.in_([r.id for r in records]))))
        .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)).all()


def visible_to(*, session: Session, resident: Resident, staff: Principal) -> bool:
    """May this staff member read the resident's card? Commune staff: only through a report in their
    commune that someone else entered, so nothing they write themselves can open a record to them."""
    if staff.role != "commune_staff":
        return True
    if staff.commune_code is None:
        return False
    ids = [r.id for r in owned_records(session=session, resident=resident)
           if r.id == resident.id or r.merged_into_id is not None]
    entered_by = Report.entered_by_staff_id
    return bool(session.scalar(select(exists().where(
        ReportReporter.resident_id.in_(ids), ReportReporter.report_id == Report.id,
        Report.commune_code == staff.commune_code,
        or_(entered_by.is_(None), entered_by != (staff.id if staff.kind == "staff" else -1))))))


def verify_email(*, session: Session, email: str) -> Resident | None:
    """The holder proved they read this address: the record it opens, adopted or made when needed.

    The record that already holds it verified; else the oldest record that proves nothing else (its
    details were typed with this address); else a new one. Other records typed with the address are
    not merged: they stay with their reports, and the owner sees them (owned_records).
    """
    address = normalise_email(email)
    if address is None:
        return None
    holder = _verified_holder(session=session, kind="email", value=address)
    if holder is not None:
        return holder
    candidate = session.scalars(select(Resident).where(Resident.email == address, _unverified(),
                                                       Resident.merged_into_id.is_(None))
                                .order_by(Resident.id).limit(1).with_for_update()).first()
    if candidate is None:
        candidate = Resident(email=address)
        session.add(candidate)
    candidate.email_verified_at = _now()
    session.flush()
    return candidate


def search_by_name(*, session: Session, name: str, limit: int = 20) -> Sequence[Resident]:
    """Records whose name holds these words (accents and case aside), for an agent to confirm with the caller.

    As `search`: only residents who said "remember me" are recognised. rc_fold keeps only letters, digits and
    spaces, so nothing typed acts as a LIKE wildcard.
    """
    from sqlalchemy import func

    words = " ".join(name.split())
    if len(words) < 2:
        return []
    found = session.scalars(select(Resident).where(
        func.rc_fold(Resident.name).like(func.concat("%", func.rc_fold(words), "%")),
        Resident.merged_into_id.is_(None)).order_by(Resident.id).limit(limit * 3)).all()
    return [r for r in found if remembers(session=session, resident_id=r.id)][:limit]
