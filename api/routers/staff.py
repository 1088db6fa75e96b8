"""Staff accounts and partner API keys, managed by administrators."""

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from api.auth import AdminOnly
from api.deps import SessionDep
from core import users

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


class StaffCreate(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: str
    password: str = Field(min_length=12, max_length=1000)
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


@router.post("/api-keys", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED)
def create_api_key(data: ApiKeyCreate, session: SessionDep, admin: AdminOnly) -> ApiKeyCreated:
    """A key for a partner system; the clear key is in this answer only."""
    key, clear = users.create_api_key(session=session, **data.model_dump())
    return ApiKeyCreated(id=key.id, name=key.name, role=key.role, key=clear)
