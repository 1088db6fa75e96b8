"""Staff accounts and partner API keys, managed by administrators: create, disable, reset, revoke."""

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from api.auth import AdminOnly
from api.deps import SessionDep
from core import users
from core.errors import Conflict
from core.users import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


class StaffCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: str
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
    commune_code: str | None = None
    service_code: str | None = None
    sector_codes: list[str] = Field(default_factory=list)
    language: str = Field(default="fr", pattern="^(fr|en)$")


class StaffRead(BaseModel):
    id: int
    email: str
    name: str
    role: str
    commune_code: str | None
    service_code: str | None
    sector_codes: list[str]
    language: str
    active: bool


class PasswordReset(BaseModel):
    password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: str = "partner"
    commune_code: str | None = None
    service_code: str | None = None


class ApiKeyCreated(BaseModel):
    id: int
    name: str
    role: str
    key: str = Field(description="Shown once; only a hash is stored")


class ApiKeyRead(BaseModel):
    """A key as administrators see it: never the key itself."""

    id: int
    name: str
    prefix: str
    role: str
    commune_code: str | None
    service_code: str | None
    active: bool
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _read(user: users.StaffUser) -> StaffRead:
    return StaffRead(id=user.id, email=user.email, name=user.name, role=user.role, commune_code=user.commune_code,
                     service_code=user.service_code, sector_codes=list(user.sector_codes or []),
                     language=user.language, active=user.active)


@router.get("", response_model=list[StaffRead])
def list_staff(session: SessionDep, admin: AdminOnly) -> list[StaffRead]:
    return [_read(u) for u in users.list_(session=session)]


@router.post("", response_model=StaffRead, status_code=status.HTTP_201_CREATED)
def create_staff(data: StaffCreate, session: SessionDep, admin: AdminOnly) -> StaffRead:
    return _read(users.create(session=session, **data.model_dump()))


@router.post("/{staff_id}/disable", response_model=StaffRead)
def disable_staff(staff_id: int, session: SessionDep, admin: AdminOnly) -> StaffRead:
    """Disable an account: its sessions end at once and it cannot sign in until enabled again."""
    if admin.kind == "staff" and admin.id == staff_id:
        raise Conflict("You cannot disable your own account", "Vous ne pouvez pas désactiver votre propre compte")
    user = users.get_or_raise(session=session, staff_id=staff_id)
    users.set_active(session=session, user=user, active=False)
    return _read(user)


@router.post("/{staff_id}/enable", response_model=StaffRead)
def enable_staff(staff_id: int, session: SessionDep, admin: AdminOnly) -> StaffRead:
    user = users.get_or_raise(session=session, staff_id=staff_id)
    users.set_active(session=session, user=user, active=True)
    return _read(user)


@router.post("/{staff_id}/password", status_code=204)
def reset_password(staff_id: int, data: PasswordReset, session: SessionDep, admin: AdminOnly) -> Response:
    """Give an account a new password (it forgot its own, or it leaked): every session of it ends."""
    user = users.get_or_raise(session=session, staff_id=staff_id)
    users.set_password(session=session, user=user, password=data.password)
    return Response(status_code=204)


@router.get("/api-keys", response_model=list[ApiKeyRead])
def list_api_keys(session: SessionDep, admin: AdminOnly) -> list[ApiKeyRead]:
    return [ApiKeyRead.model_validate(k, from_attributes=True) for k in users.list_api_keys(session=session)]


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_api_key(data: ApiKeyCreate, session: SessionDep, admin: AdminOnly) -> ApiKeyCreated:
    """A key for a partner system; the clear key is in this answer only."""
    key, clear = users.create_api_key(session=session, **data.model_dump())
    return ApiKeyCreated(id=key.id, name=key.name, role=key.role, key=clear)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyRead)
def revoke_api_key(key_id: int, session: SessionDep, admin: AdminOnly) -> ApiKeyRead:
    """Revoke a partner key for good: the next request with it gets 401."""
    key = users.revoke_api_key(session=session, key_id=key_id)
    session.refresh(key)
    return ApiKeyRead.model_validate(key, from_attributes=True)
