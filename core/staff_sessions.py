"""Server-side staff sessions: opened at sign-in, found again on every request, revoked at will.

The browser holds a random secret (inside the signed cookie); the table keeps only its SHA-256, so a copy
of the database opens no session. Signing out, a password change or reset and disabling an account
revoke rows here, and a revoked or expired row opens nothing from the next request on.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, DateTime, ForeignKey, Integer, Text, func, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base


class StaffSession(Base):
    """One signed-in browser (or PWA) of a staff member."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_(*, session: Session, staff_id: int, lifetime_s: int) -> str:
    """A new session for this staff member; returns its secret, which is never stored."""
    secret = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_digest(secret), staff_id=staff_id,
                             expires_at=func.now() + timedelta(seconds=lifetime_s)))
    session.flush()
    return secret


def live(secret: str) -> tuple[ColumnElement[bool], ...]:
    """The conditions a session row must meet to open anything: this secret, not revoked, not expired."""
    return (StaffSession.token_hash == _digest(secret), StaffSession.revoked_at.is_(None),
            StaffSession.expires_at > func.now())


def revoke(*, session: Session, secret: str) -> None:
    """End one session (signing out)."""
    session.execute(update(StaffSession).where(StaffSession.token_hash == _digest(secret),
                                               StaffSession.revoked_at.is_(None)).values(revoked_at=func.now()))


def revoke_all(*, session: Session, staff_id: int, keep: str | None = None) -> int:
    """End every live session of a staff member but `keep` (the caller's own); returns how many ended."""
    stmt = update(StaffSession).where(StaffSession.staff_id == staff_id, StaffSession.revoked_at.is_(None))
    if keep is not None:
        stmt = stmt.where(StaffSession.token_hash != _digest(keep))
    done = session.execute(stmt.values(revoked_at=func.now()))
    return int(done.rowcount or 0)  # type: ignore[attr-defined]


def purge(*, session: Session, older_than_s: int = 7 * 86400) -> int:
    """Delete sessions expired or revoked longer ago than `older_than_s`; returns how many went."""
    done = session.execute(text(
        "DELETE FROM staff_sessions WHERE coalesce(revoked_at, expires_at) < now() - make_interval(secs => :s)"),
        {"s": older_than_s})
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
