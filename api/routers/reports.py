"""Reports: intake and reading."""

from fastapi import APIRouter, status

from api.deps import SessionDep
from dispatch import service as reports
from dispatch.schemas import ReportCreate, ReportPublic

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReportPublic)
def create_report(data: ReportCreate, session: SessionDep) -> ReportPublic:
    """File a report; PostGIS assigns its commune, zone, service and sector."""
    return reports.to_public(reports.create(session=session, data=data))


@router.get("/{report_id}", response_model=ReportPublic)
def read_report(report_id: int, session: SessionDep) -> ReportPublic:
    """One report, without personal data."""
    return reports.to_public(reports.get_or_raise(session=session, report_id=report_id))
