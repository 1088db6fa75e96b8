"""Residents: "my reports" and "my details" through a session opened by a one-time magic link (no password)."""

from datetime import datetime

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from api.auth import CurrentResident, bearer_token
from api.deps import SessionDep
from dispatch import magic_links, residents
from dispatch import service as reports
from dispatch.schemas import MagicLinkRequest, ReportPublic, ResidentRead, ResidentUpdate

router = APIRouter(prefix="/api/v1/me", tags=["residents"])


class MyReports(BaseModel):
    resident: ResidentRead
    reports: list[ReportPublic]


class LinkOpen(BaseModel):
    """The token of an emailed link (the part after `#token=`): it works once."""

    token: str = Field(min_length=10, max_length=200)


class ResidentSession(BaseModel):
    """Send `token` as `Authorization: Bearer <token>`; it ends at `expires_at`, at sign-out or at erasure."""

    token: str
    expires_at: datetime
    resident: ResidentRead


@router.get("", response_model=MyReports)
def me(resident: CurrentResident, session: SessionDep) -> MyReports:
    """The resident's details, consents and reports, from every channel."""
    return MyReports(resident=residents.to_read(session=session, resident=resident),
                     reports=[reports.to_public(r) for r in residents.reports_of(
                         session=session, resident_id=resident.id, owner=True)])


@router.get("/reports", response_model=list[ReportPublic])
def my_reports(resident: CurrentResident, session: SessionDep) -> list[ReportPublic]:
    return [reports.to_public(r) for r in residents.reports_of(session=session, resident_id=resident.id, owner=True)]


@router.patch("", response_model=ResidentRead)
def update_me(data: ResidentUpdate, resident: CurrentResident, session: SessionDep) -> ResidentRead:
    """Change name, phone, language or consents once; agents and every channel see the change."""
    residents.update(session=session, resident=resident, data=data)
    return residents.to_read(session=session, resident=resident)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request, resident: CurrentResident, session: SessionDep) -> None:
    """End this device's session."""
    magic_links.end_session(session=session, token=bearer_token(request))


public_router = APIRouter(prefix="/api/v1/residents", tags=["residents"])


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@public_router.post("/magic-link", status_code=status.HTTP_202_ACCEPTED)
def request_magic_link(body: MagicLinkRequest, request: Request, session: SessionDep) -> dict[str, str]:
    """Email a "my reports" link to this address if it is known; the answer never says whether it is."""
    request.app.state.magic_link_limiter.hit(_client(request))
    magic_links.send(session=session, email=body.email, language=body.language)
    return {"status": "accepted",
            "detail_en": "If this address is known, a link is on its way.",
            "detail_fr": "Si cette adresse est connue, un lien vous a été envoyé."}


@public_router.post("/session", status_code=status.HTTP_201_CREATED, response_model=ResidentSession)
def open_magic_link(body: LinkOpen, request: Request, session: SessionDep) -> ResidentSession:
    """Spend a magic link (once) for a session token; opening it proves the address."""
    request.app.state.magic_link_limiter.hit(_client(request))
    opened = magic_links.open_link(session=session, token=body.token)
    return ResidentSession(token=opened.token, expires_at=opened.expires_at,
                           resident=residents.to_read(session=session, resident=opened.resident))
