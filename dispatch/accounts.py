"""Staff accounts and partner API keys as administrators manage them, from the pages and the command line alike.

Each function makes the change through core.users (the one place passwords are hashed and scopes checked)
and writes its audit row in the same transaction; `actor` None is the command line.
"""

from typing import Any

from sqlalchemy.orm import Session

from core import audit, users
from core.errors import Forbidden
from core.users import ApiKey, Principal, StaffUser
from dispatch import admin_checks as check

ACCOUNT_FIELDS = ("id", "email", "name", "role", "commune_code", "service_code", "sector_codes", "language", "active")
KEY_FIELDS = ("id", "name", "prefix", "role", "commune_code", "service_code", "active")
LANGUAGES = ("fr", "en")


def _profile(values: dict[str, Any]) -> dict[str, Any]:
    """Role, scope and language from a form, the scope a role needs required."""
    role = str(values.get("role") or "").strip()
    users.check_role(role, users.ROLES)
    commune = check.text(values, "commune_code", required=role == "commune_staff", max_length=10)
    service = check.code(values, "service_code", required=role in ("service_staff", "crew"))
    sectors = [s.strip() for s in str(values.get("sector_codes") or "").split(",") if s.strip()]
    language = str(values.get("language") or "fr").strip()
    if language not in LANGUAGES:
        raise check.refuse("language", "The language is fr or en", "La langue est fr ou en")
    return {"role": role, "commune_code": commune, "service_code": service, "sector_codes": sectors,
            "language": language, "name": check.text(values, "name", max_length=120)}


def create_account(*, session: Session, actor: Principal | None, values: dict[str, Any]) -> StaffUser:
    """A new staff account (email, name, role, scope, language, first password)."""
    email = check.text(values, "email", max_length=254)
    assert email is not None
    if "@" not in email:
        raise check.refuse("email", f"'{email}' is not an email address", f"« {email} » n'est pas une adresse")
    profile = _profile(values)
    user = users.create(session=session, email=email, password=str(values.get("password") or ""), **profile)
    audit.record(session=session, actor=actor, entity="staff_user", entity_id=user.email, action="created",
                 after=audit.fields_of(user, ACCOUNT_FIELDS))
    return user


def update_account(*, session: Session, actor: Principal | None, staff_id: int, values: dict[str, Any]) -> StaffUser:
    """Change an account's name, role, scope or language; its sessions end when its role or scope changes."""
    user = users.get_or_raise(session=session, staff_id=staff_id)
    profile = _profile(values)
    if actor is not None and actor.kind == "staff" and actor.id == user.id and profile["role"] != user.role:
        raise check.refuse("role", "You cannot change your own role", "Vous ne pouvez pas changer votre propre rôle")
    before = audit.fields_of(user, ACCOUNT_FIELDS)
    users.update_profile(session=session, user=user, **profile)
    after = audit.fields_of(user, ACCOUNT_FIELDS)
    if after != before:
        audit.record(session=session, actor=actor, entity="staff_user", entity_id=user.email, action="updated",
                     before={k: v for k, v in before.items() if after[k] != v or k == "id"},
                     after={k: v for k, v in after.items() if before[k] != v or k == "id"})
    return user


def set_active(*, session: Session, actor: Principal | None, user: StaffUser, active: bool) -> int:
    """Enable or disable an account (disabling ends its sessions); returns how many sessions ended."""
    if not active and actor is not None and actor.kind == "staff" and actor.id == user.id:
        raise Forbidden("You cannot disable your own account", "Vous ne pouvez pas désactiver votre propre compte",
                        reason="self")
    was = user.active
    ended = users.set_active(session=session, user=user, active=active)
    if was != active:
        audit.record(session=session, actor=actor, entity="staff_user", entity_id=user.email,
                     action="enabled" if active else "disabled", before={"active": was},
                     after={"active": active, "sessions_ended": ended})
    return ended


def set_password(*, session: Session, actor: Principal | None, user: StaffUser, password: str) -> int:
    """A new password for an account (its sessions end); the log says it changed, never what it is."""
    ended = users.set_password(session=session, user=user, password=password)
    audit.record(session=session, actor=actor, entity="staff_user", entity_id=user.email, action="password_set",
                 after={"sessions_ended": ended})
    return ended


def create_key(*, session: Session, actor: Principal | None, name: str, role: str, commune_code: str | None = None,
               service_code: str | None = None) -> tuple[ApiKey, str]:
    """A new partner key; the clear key is returned once (shown once, stored as a hash)."""
    name = name.strip()
    if not name:
        raise check.refuse("name", "'name' is required", "« name » est obligatoire")
    key, clear = users.create_api_key(session=session, name=name, role=role, commune_code=commune_code or None,
                                      service_code=service_code or None)
    audit.record(session=session, actor=actor, entity="api_key", entity_id=key.id, action="created",
                 after=audit.fields_of(key, KEY_FIELDS))
    return key, clear


def revoke_key(*, session: Session, actor: Principal | None, key_id: int) -> ApiKey:
    """Revoke a partner key for good."""
    key = users.revoke_api_key(session=session, key_id=key_id)
    audit.record(session=session, actor=actor, entity="api_key", entity_id=key.id, action="revoked",
                 before={"name": key.name, "prefix": key.prefix}, after={"active": False})
    return key
