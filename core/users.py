"""Staff accounts and partner API keys: the tables, Argon2 passwords, hashed keys, and who is acting."""

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Text, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.errors import Conflict, InvalidRole

ROLES = ("agent", "commune_staff", "service_staff", "crew", "official", "admin")
# A partner system (another administration) acts through an API key with this role.
KEY_ROLES = (*ROLES, "partner")
_hasher = PasswordHasher()
# Verifying against a throwaway hash when the email is unknown keeps login time the same either way.
_DUMMY_HASH = _hasher.hash("not-a-password")


class StaffUser(Base):
    """A member of staff: relations-centre agent, commune or service staff, crew, official, admin."""

    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    commune_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(Text)
    sector_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    language: Mapped[str] = mapped_column(Text, default="fr")
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiKey(Base):
    """A partner system's key: only its prefix and a SHA-256 of the whole key are stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(Text, unique=True)
    key_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    commune_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Principal:
    """Who is acting, with the scope of what they may see and change; passed to every service that checks."""

    kind: str  # staff | api_key
    id: int
    role: str
    name: str
    email: str | None = None
    commune_code: str | None = None
    service_code: str | None = None
    sector_codes: tuple[str, ...] = field(default_factory=tuple)
    language: str = "fr"

    @property
    def actor_id(self) -> str:
        """How the history names this actor: staff:12 or api_key:3."""
        return f"{self.kind}:{self.id}"


def principal_of(user: StaffUser) -> Principal:
    return Principal(kind="staff", id=user.id, role=user.role, name=user.name, email=user.email,
                     commune_code=user.commune_code, service_code=user.service_code,
                     sector_codes=tuple(user.sector_codes or ()), language=user.language or "fr")


def principal_of_key(key: ApiKey) -> Principal:
    return Principal(kind="api_key", id=key.id, role=key.role, name=key.name, commune_code=key.commune_code,
                     service_code=key.service_code)


def list_(*, session: Session) -> list[StaffUser]:
    """Every staff account, oldest first."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.id)))


def create(*, session: Session, email: str, name: str, role: str, password: str,
           commune_code: str | None = None, service_code: str | None = None,
           sector_codes: list[str] | None = None, language: str = "fr") -> StaffUser:
    """A new staff account with an Argon2 password hash."""
    if role not in ROLES:
        raise InvalidRole(f"role must be one of {', '.join(ROLES)}", f"le rôle doit être parmi {', '.join(ROLES)}")
    email = email.strip().lower()
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"A staff account already uses {email}", f"Un compte agent utilise déjà {email}")
    user = StaffUser(email=email, name=name, role=role, commune_code=commune_code, service_code=service_code,
                     sector_codes=list(sector_codes or []), language=language,
                     password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def verify_password(user: StaffUser, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(*, session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None; as slow for an unknown email as a known one."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not user.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    if not verify_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        session.flush()
    return user


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(*, session: Session, name: str, role: str, commune_code: str | None = None,
                   service_code: str | None = None) -> tuple[ApiKey, str]:
    """A new key; the clear key is returned once and never stored (a SHA-256 suffices for 256 random bits)."""
    if role not in KEY_ROLES:
        raise InvalidRole(f"role must be one of {', '.join(KEY_ROLES)}",
                          f"le rôle doit être parmi {', '.join(KEY_ROLES)}")
    prefix = secrets.token_hex(6)
    clear = f"rck_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_digest(clear), role=role, commune_code=commune_code,
                 service_code=service_code)
    session.add(key)
    session.flush()
    return key, clear


def find_api_key(*, session: Session, clear: str) -> ApiKey | None:
    """The active key matching a clear key, compared in constant time."""
    parts = clear.split("_")
    if len(parts) < 3 or parts[0] != "rck":
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1], ApiKey.active.is_(True)))
    if key is None or not hmac.compare_digest(key.key_hash, _digest(clear)):
        return None
    key.last_used_at = func.now()
    session.flush()
    return key
