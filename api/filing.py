"""HTTP around the one intake flow (dispatch.intake.file): the Idempotency-Key header, the rate limit, 201."""

from typing import Annotated

from fastapi import Header, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.ratelimit import Limiter
from core.users import Principal
from dispatch import intake
from dispatch import photos as photo_service
from dispatch import service as reports
from dispatch.models import Report
from dispatch.schemas import PhotoLinks, ReportIntake, ReportPublic

IdempotencyKeyHeader = Annotated[str | None, Header(
    alias="Idempotency-Key", description="Any unique string per submission (a UUID): a retry with the same key "
    "gets the first answer again and never creates a second report")]


def public(*, session: Session, report: Report) -> ReportPublic:
    """The public view of a report with the links to its photos."""
    view = reports.to_public(report)
    view.photos = [PhotoLinks(**link) for link in photo_service.links(session=session, report_id=report.id)]
    return view


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def file_report(*, session: Session, request: Request, data: ReportIntake, uploads: list[photo_service.Upload],
                key: str | None, channel: str, staff: Principal | None = None) -> JSONResponse:
    """One submission through dispatch.intake.file, answered 201 (or the first answer again, replayed)."""
    limiter: Limiter = request.app.state.intake_limiter
    filed = intake.file(
        session=session, data=data, uploads=uploads, channel=channel, staff=staff, key=key,
        storage=request.app.state.photo_storage, settings=request.app.state.settings,
        answer=lambda report: public(session=session, report=report).model_dump(mode="json"),
        admit=None if staff is not None else lambda: limiter.hit(client_address(request)))
    headers = {"Location": f"/api/v1/reports/{filed.body.get('ref')}"}
    if filed.replayed:
        headers["Idempotent-Replayed"] = "true"
        return JSONResponse(filed.body, status_code=filed.status_code, headers=headers)
    return JSONResponse(filed.body, status_code=status.HTTP_201_CREATED, headers=headers)
