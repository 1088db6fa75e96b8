"""Residents' magic links: one-time, short-lived, a few per address; opening one gives a revocable session."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, DateTime, ForeignKey, Text, delete, func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.errors import InvalidToken
from core.settings import get_settings
from dispatch import outbox, residents
from dispatch.models import Resident

SESSION_PREFIX = "rcs_"


class ResidentToken(Base):
    """A link's one-time token (for an address) or a session (for a record); stored as a hash."""

    __tablename__ = "resident_tokens"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    email: Mapped[str | None] = mapped_column(Text)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _invalid() -> InvalidToken:
    return InvalidToken("This link is invalid, was already used or has expired; ask for a new one.",
                        "Ce lien est invalide, a déjà servi ou a expiré ; demandez-en un nouveau.")


def issue_link(*, session: Session, email: str, ttl_s: int | None = None) -> str:
    """A one-time token proving whoever holds it read mail sent to this address (stored hashed)."""
    ttl = ttl_s if ttl_s is not None else get_settings().magic_link_ttl_s
    token = secrets.token_urlsafe(32)
    session.add(ResidentToken(kind="link", token_hash=_hash(token), email=email,
                              expires_at=_now() + timedelta(seconds=ttl)))
    session.flush()
    return token


@dataclass(frozen=True)
class Opened:
    """What spending a link gives: the record it opened and the session token for the device."""

    resident: Resident
    token: str
    expires_at: datetime


def open_link(*, session: Session, token: str) -> Opened:
    """Spend a link's token (once, and only before it expires): the record it opens and a session token."""
    spent = session.execute(
        sql_update(ResidentToken).where(ResidentToken.token_hash == _hash(token), ResidentToken.kind == "link",
                                        ResidentToken.used_at.is_(None), ResidentToken.expires_at > func.now())
        .values(used_at=func.now()).returning(ResidentToken.email)).scalar_one_or_none()
    if spent is None:
        raise _invalid()
    resident = residents.verify_email(session=session, email=spent)
    if resident is None:
        raise _invalid()
    session_token = SESSION_PREFIX + secrets.token_urlsafe(32)
    expires_at = _now() + timedelta(seconds=get_settings().resident_session_ttl_s)
    session.add(ResidentToken(kind="session", token_hash=_hash(session_token), resident_id=resident.id,
                              expires_at=expires_at))
    session.flush()
    return Opened(resident=resident, token=session_token, expires_at=expires_at)


def resident_of_session(*, session: Session, token: str) -> Resident:
    """The record a session token opens; InvalidToken when unknown, expired, revoked or erased."""
    resident_id = session.scalar(select(ResidentToken.resident_id).where(
        ResidentToken.token_hash == _hash(token), ResidentToken.kind == "session",
        ResidentToken.expires_at > func.now()))
    resident = session.get(Resident, resident_id) if resident_id is not None else None
    if resident is None or resident.merged_into_id is not None:
        raise _invalid()
    return resident


def end_session(*, session: Session, token: str) -> None:
    """Sign out: the session token opens nothing any more."""
    session.execute(delete(ResidentToken).where(ResidentToken.token_hash == _hash(token),
                                                ResidentToken.kind == "session"))


def forget(*, session: Session, resident_ids: list[int], emails: list[str]) -> int:
    """Every link and session of these records and addresses, removed (erasure)."""
    clauses = []
    if resident_ids:
        clauses.append(ResidentToken.resident_id.in_(resident_ids))
    if emails:
        clauses.append(ResidentToken.email.in_(emails))
    if not clauses:
        return 0
    return session.execute(delete(ResidentToken).where(or_(*clauses))).rowcount or 0  # type: ignore[attr-defined]


def link(*, token: str) -> str:
    """The link to "my reports" carrying this token."""
    return f"{get_settings().public_base_url}/my-reports#token={token}"


MAIL = {
    "fr": ("Vos signalements sur Rue Commune",
           "Bonjour,\n\nPour voir vos signalements et vos coordonnées, ouvrez ce lien (valable {minutes} minutes, "
           "une seule fois) :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message.\n\nRue Commune"),
    "en": ("Your reports on Rue Commune",
           "Hello,\n\nTo see your reports and your details, open this link (valid for {minutes} minutes, "
           "once):\n{link}\n\nIf you did not ask for it, ignore this message.\n\nRue Commune"),
}


def recent_links(*, session: Session, email: str) -> int:
    window = timedelta(seconds=get_settings().magic_link_per_address_window_s)
    return session.scalar(select(func.count()).select_from(ResidentToken).where(
        ResidentToken.kind == "link", ResidentToken.email == email,
        ResidentToken.created_at > func.now() - window)) or 0


def send(*, session: Session, email: str, language: str = "fr") -> bool:
    """Queue a "my reports" link when the address is on a record and its quota allows; False otherwise.

    The caller answers the same either way, so nobody learns whether an address is known, and a
    mailbox cannot be flooded: at most magic_link_per_address links per window.
    """
    address = residents.normalise_email(email)
    if address is None:
        return False
    known = session.scalar(select(Resident.id).where(Resident.email == address, Resident.merged_into_id.is_(None))
                           .limit(1))
    if known is None or recent_links(session=session, email=address) >= get_settings().magic_link_per_address:
        return False
    lang = language if language in MAIL else "fr"
    subject, text = MAIL[lang]
    minutes = get_settings().magic_link_ttl_s // 60
    outbox.enqueue(session=session, kind="email", payload={
        "to": address, "subject": subject, "lang": lang,
        "text": text.format(link=link(token=issue_link(session=session, email=address)), minutes=minutes),
    })
    return True
