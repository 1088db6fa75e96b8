"""Residents: one record found again by verified email or phone, consents, reporters, magic links."""

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.errors import InvalidContact, InvalidToken
from core.settings import get_settings
from dispatch.models import Report, ReportReporter, Resident, ResidentConsent
from dispatch.schemas import ContactDetails, ResidentRead, ResidentUpdate

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PURPOSES = {
    "report_updates": "tell the resident how their reports progress",
    "remember_me": "recognise the resident on every channel so they never repeat themselves",
}


def normalise_email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    email = value.strip().lower()
    if not EMAIL.match(email):
        raise InvalidContact(f"'{value}' is not an email address", f"« {value} » n'est pas une adresse e-mail",
                             field="email")
    return email


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


def _find(*, session: Session, email: str | None, phone: str | None, email_verified: bool,
          phone_verified: bool) -> Resident | None:
    """The record these contacts belong to: a verified match, or an unverified one this intake now verifies."""
    for value, column, verified_col, verified_now in (
        (email, Resident.email, Resident.email_verified_at, email_verified),
        (phone, Resident.phone, Resident.phone_verified_at, phone_verified),
    ):
        if value is None:
            continue
        query = select(Resident).where(column == value, Resident.merged_into_id.is_(None))
        # An unverified contact typed by anyone never opens someone else's record; a verified one does.
        if not verified_now:
            query = query.where(verified_col.is_not(None))
        found = session.scalars(query.order_by(verified_col.is_(None), Resident.id).limit(1)).first()
        if found is not None:
            return found
    return None


def _claim(*, session: Session, resident: Resident, kind: str, value: str | None, verified: bool) -> None:
    """Fill or verify a contact, never taking a verified contact away from another record."""
    if value is None:
        return
    current = getattr(resident, kind)
    verified_col = Resident.email_verified_at if kind == "email" else Resident.phone_verified_at
    if current not in (None, value) and getattr(resident, f"{kind}_verified_at") is not None:
        return  # a verified contact changes only through the resident themself
    if verified:
        holder = session.scalar(select(Resident.id).where(
            getattr(Resident, kind) == value, verified_col.is_not(None), Resident.merged_into_id.is_(None),
            Resident.id != resident.id))
        if holder is not None:
            return
        if current != value or getattr(resident, f"{kind}_verified_at") is None:
            setattr(resident, f"{kind}_verified_at", _now())
    elif current not in (None, value):
        return  # unverified input does not overwrite what we have
    setattr(resident, kind, value)


def record_consents(*, session: Session, resident: Resident, contact: ContactDetails | ResidentUpdate,
                    channel: str | None, staff_id: int | None = None) -> None:
    """One line per data kind and purpose the resident answered about, so each choice can be shown later."""
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


def find_or_create(*, session: Session, contact: ContactDetails, channel: str, staff_id: int | None = None,
                   email_verified: bool = False, phone_verified: bool = False) -> Resident | None:
    """The resident these details belong to, created when new; None when no email or phone was given."""
    email = normalise_email(contact.email)
    phone = normalise_phone(contact.phone)
    if email is None and phone is None:
        return None
    resident = _find(session=session, email=email, phone=phone, email_verified=email_verified,
                     phone_verified=phone_verified)
    if resident is None:
        resident = Resident(name=contact.name, language=contact.language)
        session.add(resident)
    elif contact.name and not resident.name:
        resident.name = contact.name
    _claim(session=session, resident=resident, kind="email", value=email, verified=email_verified)
    _claim(session=session, resident=resident, kind="phone", value=phone, verified=phone_verified)
    session.flush()
    record_consents(session=session, resident=resident, contact=contact, channel=channel, staff_id=staff_id)
    session.flush()
    return resident


def get_or_raise(*, session: Session, resident_id: int) -> Resident:
    from core.errors import NotFound

    resident = session.get(Resident, resident_id)
    while resident is not None and resident.merged_into_id is not None:
        resident = session.get(Resident, resident.merged_into_id)
    if resident is None:
        raise NotFound(f"No resident {resident_id}", f"Aucun usager {resident_id}")
    return resident


def search(*, session: Session, email: str | None = None, phone: str | None = None) -> Sequence[Resident]:
    """Records matching an email or phone, verified or not (an agent then confirms with the caller)."""
    email, phone = normalise_email(email), normalise_phone(phone)
    clauses = [c for c in (Resident.email == email if email else None,
                           Resident.phone == phone if phone else None) if c is not None]
    if not clauses:
        return []
    return session.scalars(select(Resident).where(or_(*clauses), Resident.merged_into_id.is_(None))
                           .order_by(Resident.id)).all()


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
    """The resident changes their details once; every channel sees the change."""
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


def reports_of(*, session: Session, resident_id: int, limit: int = 200) -> Sequence[Report]:
    """The resident's reports, newest first, whatever the channel and their role."""
    return session.scalars(
        select(Report).join(ReportReporter, ReportReporter.report_id == Report.id)
        .where(ReportReporter.resident_id == resident_id).order_by(Report.created_at.desc()).limit(limit)).all()


def verify_email(*, session: Session, email: str) -> Resident | None:
    """The resident proved they read this address: mark it verified and absorb unverified twins."""
    address = normalise_email(email)
    if address is None:
        return None
    candidates = session.scalars(select(Resident).where(Resident.email == address, Resident.merged_into_id.is_(None))
                                 .order_by(Resident.email_verified_at.is_(None), Resident.id)
                                 .with_for_update()).all()
    if not candidates:
        return None
    keeper, twins = candidates[0], candidates[1:]
    if keeper.email_verified_at is None:
        keeper.email_verified_at = _now()
    for twin in twins:
        for row in session.scalars(select(ReportReporter).where(ReportReporter.resident_id == twin.id)).all():
            attach_reporter(session=session, report_id=row.report_id, resident_id=keeper.id, role=row.role,
                            contact_consent=row.contact_consent, channel=row.channel)
        session.execute(sql_update(ResidentConsent).where(ResidentConsent.resident_id == twin.id)
                        .values(resident_id=keeper.id))
        keeper.name = keeper.name or twin.name
        if keeper.phone is None and twin.phone is not None:
            keeper.phone = twin.phone
        twin.merged_into_id = keeper.id
    session.flush()
    return keeper


# -- magic links: signed, expiring, stateless --------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes) -> bytes:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, b"ruecommune.magic-link." + payload, hashlib.sha256).digest()


def issue_token(*, email: str, ttl_s: int | None = None, now: float | None = None) -> str:
    """A token proving whoever holds it read mail sent to this address, valid ttl_s seconds."""
    ttl = ttl_s if ttl_s is not None else get_settings().magic_link_ttl_s
    payload = json.dumps({"e": email, "x": int((now or time.time()) + ttl)}, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_sign(payload))}"


def read_token(token: str, *, now: float | None = None) -> str:
    """The email the token was issued for; InvalidToken when forged, damaged or expired."""
    invalid = InvalidToken("This link is invalid or has expired; ask for a new one.",
                           "Ce lien est invalide ou a expiré ; demandez-en un nouveau.")
    try:
        body, signature = token.split(".", 1)
        payload = _unb64(body)
        if not hmac.compare_digest(_unb64(signature), _sign(payload)):
            raise invalid
        claims = json.loads(payload)
        email, expires = str(claims["e"]), int(claims["x"])
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid from exc
    if expires < (now or time.time()):
        raise invalid
    return email


def magic_link(*, email: str) -> str:
    """The link to "my reports" for this address."""
    return f"{get_settings().public_base_url}/my-reports#token={issue_token(email=email)}"


def resident_from_token(*, session: Session, token: str) -> Resident:
    """The resident a magic-link token opens; using it verifies the email."""
    resident = verify_email(session=session, email=read_token(token))
    if resident is None:
        raise InvalidToken("No reports are linked to this address any more.",
                           "Aucun signalement n'est plus lié à cette adresse.")
    return resident


MAGIC_LINK_MAIL = {
    "fr": ("Vos signalements sur Rue Commune",
           "Bonjour,\n\nPour voir vos signalements et vos coordonnées, ouvrez ce lien (valable {minutes} minutes) :\n"
           "{link}\n\nSi vous n'avez rien demandé, ignorez ce message.\n\nRue Commune"),
    "en": ("Your reports on Rue Commune",
           "Hello,\n\nTo see your reports and your details, open this link (valid for {minutes} minutes):\n"
           "{link}\n\nIf you did not ask for it, ignore this message.\n\nRue Commune"),
}


def send_magic_link(*, session: Session, email: str, language: str = "fr") -> bool:
    """Queue the "my reports" link by email when the address belongs to a resident; False otherwise.

    The caller answers the same either way, so nobody learns whether an address is known.
    """
    from dispatch import outbox

    address = normalise_email(email)
    known = session.scalar(select(Resident.id).where(Resident.email == address, Resident.merged_into_id.is_(None))
                           .limit(1))
    if address is None or known is None:
        return False
    lang = language if language in MAGIC_LINK_MAIL else "fr"
    subject, text = MAGIC_LINK_MAIL[lang]
    minutes = get_settings().magic_link_ttl_s // 60
    outbox.enqueue(session=session, kind="email", payload={
        "to": address, "subject": subject, "lang": lang,
        "text": text.format(link=magic_link(email=address), minutes=minutes),
    })
    return True
