"""A ticket as staff see it (TicketRead), shared by the tickets and crews routers."""

from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from core.users import Principal
from dispatch import access, contacts, vocabulary, workflow
from dispatch.models import Report


class Reporter(BaseModel):
    """A resident behind a ticket: personal data, only for staff whose scope allows it."""

    resident_id: int
    role: str
    name: str | None
    email: str | None
    phone: str | None
    language: str
    contact_consent: bool


class TicketRead(BaseModel):
    """A ticket as staff see it."""

    id: int
    ref: str
    category: str
    description: str
    address_text: str | None
    lat: float
    lon: float
    commune_code: str
    commune_name: str
    service_code: str | None
    sector_code: str | None
    team: str | None
    state: str
    outcome: str | None
    outcome_detail: str | None
    duplicate_of_id: int | None
    channel: str
    due_at: datetime | None
    overdue: bool
    paused: bool
    escalated_at: datetime | None
    assignee_id: int | None
    resolved_at: datetime | None
    satisfaction: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    moves: list[str] = Field(description="States the caller may move this ticket to")
    reporters: list[Reporter] | None = Field(description="null when the caller may not see personal data")


def ticket_read(*, session: Any, report: Report, principal: Principal, now: datetime | None = None) -> TicketRead:
    now = now or session.execute(select(func.now())).scalar_one()
    point = to_shape(report.geom)
    reporters = None
    if access.can_see_personal_data(principal, report):
        reporters = [Reporter(**{k: r[k] for k in Reporter.model_fields})
                     for r in contacts.reporters(session=session, report_id=report.id)]
    return TicketRead(
        id=report.id, ref=report.ref, category=report.category_code, description=report.description,
        address_text=report.address_text, lat=point.y, lon=point.x, commune_code=report.commune_code,
        commune_name=report.commune_name, service_code=report.service_code, sector_code=report.sector_code,
        team=report.team, state=report.state, outcome=report.outcome, outcome_detail=report.outcome_detail,
        duplicate_of_id=report.duplicate_of_id, channel=report.channel, due_at=report.due_at,
        overdue=vocabulary.is_overdue(state=report.state, due_at=report.due_at, paused_at=report.paused_at, now=now),
        paused=report.paused_at is not None, escalated_at=report.escalated_at, assignee_id=report.assignee_id,
        resolved_at=report.resolved_at, satisfaction=report.satisfaction, version=report.version,
        created_at=report.created_at, updated_at=report.updated_at,
        moves=workflow.moves_for(report.state, principal.role), reporters=reporters,
    )
