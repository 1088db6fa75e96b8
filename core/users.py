"""Staff accounts and partner API keys: the tables, Argon2 passwords, hashed keys, and who is acting."""

import contextlib
import hashlib
import hmac
import math
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Text, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import staff_sessions
from core.base import Base
from core.errors import (
    Conflict,
    InvalidRole,
    InvalidScope,
    NotFound,
    PasswordCheckBusy,
    Unauthenticated,
    WeakPassword,
    WrongPassword,
)
from core.settings import get_settings

ROLES = ("agent", "commune_staff", "service_staff", "crew", "official", "admin")
# A partner system (another administration) acts through an API key with this role.
KEY_ROLES = (*ROLES, "partner")
# The one rule for staff passwords, wherever they are set (API, CLI).
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1000
_hasher = PasswordHasher()
# Verifying against a throwaway hash when the email is unknown keeps login time the same either way.
_DUMMY_HASH = _hasher.hash("not-a-password")


def check_password(password: str) -> None:
    """Refuse a password shorter than PASSWORD_MIN_LENGTH characters (blank ones included)."""
    if len(password.strip()) < PASSWORD_MIN_LENGTH or len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(
            f"A staff password needs {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
            f"Un mot de passe d'agent compte de {PASSWORD_MIN_LENGTH} à {PASSWORD_MAX_LENGTH} caractères")


_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def hash_slots() -> threading.BoundedSemaphore:
    """The process's Argon2 slots: each hash takes 64 MiB, so only so many run at once."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, get_settings().password_hash_concurrency))
        return _slots


@contextlib.contextmanager
def _hashing() -> Iterator[None]:
    """Hold one Argon2 slot, waiting a little; 503 with Retry-After when every slot stays taken."""
    wait = get_settings().password_hash_wait_seconds
    slots = hash_slots()
    if not slots.acquire(timeout=wait):
        retry = max(1, math.ceil(wait))
        raise PasswordCheckBusy(f"Too many sign-ins are being checked at once; try again in {retry} s",
                                f"Trop de connexions sont vérifiées en même temps ; réessayez dans {retry} s",
                                retry_after=retry, headers={"Retry-After": str(retry)})
    try:
        yield
    finally:
        slots.release()


def _hash(password: str) -> str:
    with _hashing():
        return _hasher.hash(password)


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
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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
    """A new staff account with an Argon2 password hash; role, scope and password checked first."""
    check_role(role, ROLES)
    check_scope(session=session, commune_code=commune_code, service_code=service_code)
    check_password(password)
    email = email.strip().lower()
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"A staff account already uses {email}", f"Un compte agent utilise déjà {email}")
    user = StaffUser(email=email, name=name, role=role, commune_code=commune_code, service_code=service_code,
                     sector_codes=list(sector_codes or []), language=language,
                     password_hash=_hash(password))
    session.add(user)
    session.flush()
    return user


def update_profile(*, session: Session, user: StaffUser, name: str | None, role: str, commune_code: str | None,
                   service_code: str | None, sector_codes: list[str], language: str) -> int:
    """Change an account's name, role, scope or language; a new role or scope ends its sessions (they carried
    the old one). Returns how many sessions ended."""
    check_role(role, ROLES)
    check_scope(session=session, commune_code=commune_code, service_code=service_code)
    rescoped = (role, commune_code, service_code, list(sector_codes)) != (
        user.role, user.commune_code, user.service_code, list(user.sector_codes or ()))
    user.name = name or user.name
    user.role, user.commune_code, user.service_code = role, commune_code, service_code
    user.sector_codes, user.language = list(sector_codes), language
    session.flush()
    return staff_sessions.revoke_all(session=session, staff_id=user.id) if rescoped else 0


def check_role(role: str, allowed: tuple[str, ...]) -> None:
    if role not in allowed:
        raise InvalidRole(f"Unknown role '{role}': choose one of {', '.join(allowed)}",
                          f"Rôle « {role} » inconnu : choisissez parmi {', '.join(allowed)}")


def check_scope(*, session: Session, commune_code: str | None, service_code: str | None) -> None:
    """Refuse a service or commune the territory does not have (a typo would silently scope to nothing)."""
    if service_code and session.execute(text("SELECT 1 FROM services WHERE code = :c"),
                                        {"c": service_code}).first() is None:
        raise InvalidScope(f"Unknown service '{service_code}'", f"Service « {service_code} » inconnu")
    if commune_code and session.execute(
            text("SELECT 1 FROM zones WHERE kind IN ('commune', 'arrondissement') AND code = :c LIMIT 1"),
            {"c": commune_code}).first() is None:
        raise InvalidScope(f"Unknown commune '{commune_code}'", f"Commune « {commune_code} » inconnue")


def get_or_raise(*, session: Session, staff_id: int | None = None, email: str | None = None) -> StaffUser:
    """The staff account with this id or email; 404 otherwise."""
    user = (session.get(StaffUser, staff_id) if staff_id is not None else
            session.scalar(select(StaffUser).where(StaffUser.email == (email or "").strip().lower())))
    if user is None:
        raise NotFound(f"No staff account {staff_id if staff_id is not None else email}",
                       f"Aucun compte agent {staff_id if staff_id is not None else email}")
    return user


def verify_password(user: StaffUser, password: str) -> bool:
    try:
        with _hashing():
            return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(*, session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None; as slow for an unknown email as a known one."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not user.active:
        with contextlib.suppress(VerificationError), _hashing():
            _hasher.verify(_DUMMY_HASH, password)
        return None
    if not verify_password(user, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hash(password)
        session.flush()
    return user


def set_password(*, session: Session, user: StaffUser, password: str, keep_session: str | None = None) -> int:
    """Give an account a new password and end its sessions but `keep_session`; returns how many ended."""
    check_password(password)
    user.password_hash = _hash(password)
    session.flush()
    return staff_sessions.revoke_all(session=session, staff_id=user.id, keep=keep_session)


def change_password(*, session: Session, user: StaffUser, current: str, new: str,
                    keep_session: str | None = None) -> int:
    """The account holder changes their own password, proving the current one; their other sessions end."""
    if not verify_password(user, current):
        raise WrongPassword("The current password is wrong", "Le mot de passe actuel est incorrect")
    return set_password(session=session, user=user, password=new, keep_session=keep_session)


def set_active(*, session: Session, user: StaffUser, active: bool) -> int:
    """Enable or disable an account; disabling ends every session at once. Returns how many ended."""
    user.active = active
    session.flush()
    return 0 if active else staff_sessions.revoke_all(session=session, staff_id=user.id)


def user_of_session(*, session: Session, secret: str) -> StaffUser:
    """The active account behind a live session; 401 when it was revoked, expired or the account disabled."""
    # One indexed lookup per staff request: the session row and its account together.
    user = session.scalar(select(StaffUser).join(staff_sessions.StaffSession,
                                                 staff_sessions.StaffSession.staff_id == StaffUser.id)
                          .where(*staff_sessions.live(secret)))
    if user is None:
        raise Unauthenticated("Your session has ended; sign in again", "Votre session a pris fin ; reconnectez-vous")
    if not user.active:
        raise Unauthenticated("This account is disabled", "Ce compte est désactivé")
    return user


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(*, session: Session, name: str, role: str, commune_code: str | None = None,
                   service_code: str | None = None) -> tuple[ApiKey, str]:
    """A new key; the clear key is returned once and never stored (a SHA-256 suffices for 256 random bits)."""
    check_role(role, KEY_ROLES)
    check_scope(session=session, commune_code=commune_code, service_code=service_code)
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


def list_api_keys(*, session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(*, session: Session, key_id: int) -> ApiKey:
    """Revoke a partner key for good: the next request with it gets 401."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key {key_id}", f"Aucune clé d'API {key_id}")
    if key.active:
        key.active = False
        key.revoked_at = func.now()
        session.flush()
    return key
