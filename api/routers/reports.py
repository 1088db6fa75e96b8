"""Reports: intake from every channel (JSON or multipart with photos), duplicates, following, reading."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api import intake_form
from api.deps import SessionDep
from api.filing import IdempotencyKeyHeader, client_address, file_report, public
from core.errors import InvalidContact
from dispatch import duplicates, publication, residents
from dispatch.schemas import DuplicateCandidate, FollowRequest, ReportIntake, ReportPublic

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportPublic,
             openapi_extra=intake_form.INTAKE_OPENAPI,
             responses={413: {"description": "A photo is too large"}, 415: {"description": "Not a photo we accept"},
                        429: {"description": "Too many submissions from this address (see Retry-After)"}})
async def create_report(request: Request, session: SessionDep,
                        idempotency_key: IdempotencyKeyHeader = None) -> JSONResponse:
    """File a report (app or web): JSON, or multipart with 1-5 photos whose EXIF GPS stands in for lat/lon."""
    data, uploads = await intake_form.read(request, ReportIntake)
    channel = "web" if request.headers.get("x-ruecommune-channel") == "web" else "app"
    return await run_in_threadpool(lambda: file_report(session=session, request=request, data=data,
                                                       uploads=uploads, key=idempotency_key, channel=channel))


@router.get("/nearby-duplicates", response_model=list[DuplicateCandidate])
def nearby_duplicates(session: SessionDep, lat: Annotated[float, Query(ge=-90, le=90)],
                      lon: Annotated[float, Query(ge=-180, le=180)],
                      category: Annotated[str, Query(min_length=1, max_length=64)]) -> list[DuplicateCandidate]:
    """Open reports of this category within its duplicate radius: offer to follow one instead of filing."""
    return duplicates.nearby(session=session, lat=lat, lon=lon, category=category)


@router.get("/by-ref/{ref}", response_model=ReportPublic)
def read_by_ref(ref: str, session: SessionDep) -> ReportPublic:
    """A publicly visible report by the short reference a resident reads out on the phone."""
    return public(session=session, report=publication.get_by_ref_or_raise(session=session, ref=ref))


@router.post("/by-ref/{ref}/follow", status_code=status.HTTP_201_CREATED, response_model=ReportPublic)
def follow(ref: str, body: FollowRequest, request: Request, session: SessionDep) -> ReportPublic:
    """Follow an existing report (already reported nearby) instead of filing it again."""
    request.app.state.intake_limiter.hit(client_address(request))
    report = publication.leads_to(session=session, ref=ref)  # only a public report, or the one it joined
    # Typed details make a record of their own for this follow: they never open or join another one.
    resident = residents.find_or_create(session=session, contact=body.contact, channel="app")
    if resident is None:
        raise InvalidContact("Give an email or a phone number to follow a report.",
                             "Indiquez un e-mail ou un numéro de téléphone pour suivre un signalement.")
    followed = duplicates.follow(session=session, report=report, resident=resident,
                                 contact_consent=body.contact.consent_updates, channel="app")
    return public(session=session, report=followed)


@router.get("/{ref}", response_model=ReportPublic)
def read_report(ref: str, session: SessionDep) -> ReportPublic:
    """One publicly visible report by its reference (RC-XXXX-XXXX), without personal data.

    Sequential ids are not accepted: counting up must not walk through every report."""
    return public(session=session, report=publication.get_by_ref_or_raise(session=session, ref=ref))
