"""Residents' data rights: see everything we hold, erase it; by the resident (magic link) or an agent."""

from typing import Annotated, Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from api.auth import CurrentResident, require_roles
from api.deps import SessionDep
from core.users import Principal
from dispatch import privacy
from dispatch import residents as residents_service

router = APIRouter(tags=["privacy"])


def _staff_id(staff: Principal) -> int | None:
    return staff.id if staff.kind == "staff" else None
PrivacyStaff = Annotated[Principal, require_roles("agent", "admin")]


class ErasureResult(BaseModel):
    """Counts of what was removed; the reports stay, without anything that identifies the resident."""

    residents: int
    report_links: int
    consents: int
    messages: int
    idempotency_records: int
    tokens: int = 0
    feedback: int = 0
    notes_scrubbed: int = 0
    messages_scrubbed: int = 0
    photos: int = 0
    reports: list[int]


@router.get("/api/v1/me/data")
def export_my_data(resident: CurrentResident, session: SessionDep) -> dict[str, Any]:
    """Everything we hold about me, across every channel (right of access)."""
    return privacy.export(session=session, resident_id=resident.id, channel="app")


@router.delete("/api/v1/me", response_model=ErasureResult)
def erase_me(resident: CurrentResident, session: SessionDep, request: Request) -> ErasureResult:
    """Erase my personal data; my reports stay as anonymous records of the street."""
    return ErasureResult(**privacy.erase(session=session, resident_id=resident.id, channel="app",
                                         storage=request.app.state.photo_storage).__dict__)


@router.get("/api/v1/agent/residents/{resident_id}/data")
def export_resident_data(resident_id: int, staff: PrivacyStaff, session: SessionDep) -> dict[str, Any]:
    """A resident's request for their data, received by phone, mail or at a counter."""
    resident = residents_service.get_or_raise(session=session, resident_id=resident_id)
    return privacy.export(session=session, resident_id=resident.id, staff_id=_staff_id(staff), channel="phone")


@router.post("/api/v1/agent/residents/{resident_id}/erase", response_model=ErasureResult,
             status_code=status.HTTP_200_OK)
def erase_resident(resident_id: int, staff: PrivacyStaff, session: SessionDep, request: Request) -> ErasureResult:
    """A resident's request to be forgotten, received by an agent."""
    resident = residents_service.get_or_raise(session=session, resident_id=resident_id)
    result = privacy.erase(session=session, resident_id=resident.id, staff_id=_staff_id(staff), channel="phone",
                           storage=request.app.state.photo_storage)
    return ErasureResult(**result.__dict__)
