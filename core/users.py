"""Staff accounts: the table and password hashing (Argon2)."""

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import Boolean, DateTime, Integer, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.errors import Conflict

ROLES = ("agent", "commune_staff", "service_staff", "crew", "official", "admin")
_hasher = PasswordHasher()


class StaffUser(Base):
    """A member of staff: relations-centre agent, commune or service staff, crew, official, admin."""

    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    commune_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def create(*, session: Session, email: str, name: str, role: str, password: str,
           commune_code: str | None = None, service_code: str | None = None) -> StaffUser:
    """A new staff account with an Argon2 password hash."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    email = email.strip().lower()
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"A staff account already uses {email}", f"Un compte agent utilise déjà {email}")
    user = StaffUser(email=email, name=name, role=role, commune_code=commune_code, service_code=service_code,
                     password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def verify_password(user: StaffUser, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except VerificationError:
        return False
