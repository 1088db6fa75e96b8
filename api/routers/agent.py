"""Relations-centre and commune agents: enter a request on a resident's behalf, find the resident, merge."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from api import intake_form
from api.auth import require_roles
from api.deps import SessionDep
from api.filing import IdempotencyKeyHeader, file_report, public
from core.errors import Forbidden
from core.users import Principal
from dispatch import duplicates, residents
from dispatch import service as reports
from dispatch.models import Resident
from dispatch.schemas import AgentReportIntake, ConsentRequest, MergeRequest, ReportPublic, ResidentRead, ResidentUpdate

router = APIRouter(prefix="/api/v1/agent", tags=["agent"])
IntakeStaff = Annotated[Principal, require_roles("agent", "commune_staff", "admin")]
MergeStaff = Annotated[Principal, require_roles("agent", "commune_staff", "admin")]


class ResidentCard(BaseModel):
    """What the agent on the phone sees: details, consents and earlier reports, so nobody asks twice."""

    resident: ResidentRead
    reports: list[ReportPublic]


def _commune_scope(staff: Principal) -> str | None:
    """Commune staff see their commune only; the relations centre and admins see the whole territory."""
    return staff.commune_code if staff.role == "commune_staff" else None


def _card(*, session: Session, resident: Resident, staff: Principal) -> ResidentCard:
    commune = _commune_scope(staff)
    found = residents.reports_of(session=session, resident_id=resident.id, owner=False)
    return ResidentCard(resident=residents.to_read(session=session, resident=resident),
                        reports=[reports.to_public(r) for r in found if commune is None or r.commune_code == commune])


def _visible(*, session: Session, resident: Resident, staff: Principal) -> bool:
    return residents.visible_to(session=session, resident=resident, staff=staff)


def _visible_or_raise(*, session: Session, resident: Resident, staff: Principal) -> None:
    if not _visible(session=session, resident=resident, staff=staff):
        raise Forbidden("This resident has no report in your commune.",
                        "Cet usager n'a aucun signalement dans votre commune.")


@router.post("/reports", status_code=status.HTTP_201_CREATED, response_model=ReportPublic,
             openapi_extra=intake_form.AGENT_INTAKE_OPENAPI)
async def enter_report(request: Request, session: SessionDep, staff: IntakeStaff,
                       idempotency_key: IdempotencyKeyHeader = None) -> JSONResponse:
    """A request taken by phone, at the counter, by email or at the commune office; the agent is recorded."""
    data, uploads = await intake_form.read(request, AgentReportIntake)
    return await run_in_threadpool(lambda: file_report(session=session, request=request, data=data,
                                                       uploads=uploads, key=idempotency_key, channel=data.channel,
                                                       staff=staff))


@router.get("/residents", response_model=list[ResidentCard])
def find_residents(session: SessionDep, staff: IntakeStaff,
                   email: Annotated[str | None, Query(max_length=320)] = None,
                   phone: Annotated[str | None, Query(max_length=40)] = None) -> list[ResidentCard]:
    """Residents with this email or phone, with their earlier reports (within the caller's commune)."""
    found = residents.search(session=session, email=email, phone=phone)
    return [_card(session=session, resident=r, staff=staff) for r in found
            if _visible(session=session, resident=r, staff=staff)]


@router.get("/residents/{resident_id}", response_model=ResidentCard)
def read_resident(resident_id: int, session: SessionDep, staff: IntakeStaff) -> ResidentCard:
    resident = residents.get_or_raise(session=session, resident_id=resident_id)
    _visible_or_raise(session=session, resident=resident, staff=staff)
    return _card(session=session, resident=resident, staff=staff)


@router.post("/residents/{resident_id}/consents", response_model=ResidentCard)
def record_consents(resident_id: int, body: ConsentRequest, session: SessionDep, staff: IntakeStaff) -> ResidentCard:
    """Record the consent choices the resident asked for (by phone, letter, at a counter): each line keeps
    the agent and the channel of the request. The only way staff change a resident's consents."""
    resident = residents.get_or_raise(session=session, resident_id=resident_id)
    _visible_or_raise(session=session, resident=resident, staff=staff)
    residents.record_requested_consents(
        session=session, resident=resident, channel=body.channel,
        data=ResidentUpdate(consent_updates=body.consent_updates, consent_remember=body.consent_remember),
        staff_id=staff.id if staff.kind == "staff" else None)
    return _card(session=session, resident=resident, staff=staff)


@router.post("/reports/{ref}/merge", response_model=ReportPublic)
def merge(ref: str, body: MergeRequest, session: SessionDep, staff: MergeStaff) -> ReportPublic:
    """Merge report `ref` into `into_ref`: one incident, every reporter kept and informed."""
    source = duplicates.get_by_ref_or_raise(session=session, ref=ref)
    into = duplicates.get_by_ref_or_raise(session=session, ref=body.into_ref)
    commune = _commune_scope(staff)
    if commune is not None and (source.commune_code != commune or into.commune_code != commune):
        raise Forbidden("Commune staff merge reports of their own commune only.",
                        "Les agents communaux ne fusionnent que les signalements de leur commune.")
    merged = duplicates.merge(session=session, source=source, into=into, actor=staff, note=body.note)
    return public(session=session, report=merged)
