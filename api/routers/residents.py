"""Residents: "my reports" and "my details" through a magic-link token (no password)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel

from api.deps import SessionDep
from core.errors import InvalidToken
from dispatch import residents
from dispatch import service as reports
from dispatch.models import Resident
from dispatch.schemas import MagicLinkRequest, ReportPublic, ResidentRead, ResidentUpdate

router = APIRouter(prefix="/api/v1/me", tags=["residents"])


class MyReports(BaseModel):
    resident: ResidentRead
    reports: list[ReportPublic]


def current_resident(request: Request, session: SessionDep) -> Resident:
    """The resident whose magic-link token is sent as `Authorization: Bearer <token>`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Open the link we emailed you (or ask for a new one).",
                           "Ouvrez le lien reçu par e-mail (ou demandez-en un nouveau).")
    return residents.resident_from_token(session=session, token=token.strip())


CurrentResident = Annotated[Resident, Depends(current_resident)]


@router.get("", response_model=MyReports)
def me(resident: CurrentResident, session: SessionDep) -> MyReports:
    """The resident's details, consents and reports, from every channel."""
    return MyReports(resident=residents.to_read(session=session, resident=resident),
                     reports=[reports.to_public(r) for r in residents.reports_of(session=session,
                                                                                   resident_id=resident.id)])


@router.get("/reports", response_model=list[ReportPublic])
def my_reports(resident: CurrentResident, session: SessionDep) -> list[ReportPublic]:
    return [reports.to_public(r) for r in residents.reports_of(session=session, resident_id=resident.id)]


@router.patch("", response_model=ResidentRead)
def update_me(data: ResidentUpdate, resident: CurrentResident, session: SessionDep) -> ResidentRead:
    """Change name, phone, language or consents once; agents and every channel see the change."""
    residents.update(session=session, resident=resident, data=data)
    return residents.to_read(session=session, resident=resident)


public_router = APIRouter(prefix="/api/v1/residents", tags=["residents"])


@public_router.post("/magic-link", status_code=status.HTTP_202_ACCEPTED)
def request_magic_link(body: MagicLinkRequest, request: Request, session: SessionDep) -> dict[str, str]:
    """Email a "my reports" link to this address if it is known; the answer never says whether it is."""
    request.app.state.intake_limiter.hit(request.client.host if request.client else "unknown")
    residents.send_magic_link(session=session, email=body.email, language=body.language)
    return {"status": "accepted",
            "detail_en": "If this address is known, a link is on its way.",
            "detail_fr": "Si cette adresse est connue, un lien vous a été envoyé."}
