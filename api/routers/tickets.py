"""Staff views and moves of tickets: list, read, history, transition, transfer, re-categorise; figures."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from api.auth import RelationsCentre, require_roles
from api.deps import SessionDep
from api.ticket_view import TicketRead, ticket_read
from core.errors import NotFound
from core.users import Principal
from dispatch import access, triage, vocabulary, workflow
from dispatch.models import Report
from dispatch.workflow import Outcome, OutcomeInput, State

router = APIRouter(prefix="/api/v1", tags=["tickets"])
# An OFFSET past bigint was a database error (a 500, found by the NUL-byte fuzz); no queue is that long.
MAX_OFFSET = 10**9
# Every endpoint declares who may call it; scopes are then checked ticket by ticket.
TicketStaff = Annotated[Principal, require_roles("agent", "commune_staff", "service_staff", "crew", "admin")]
FiguresReader = Annotated[Principal, require_roles("official", "agent", "admin")]


class EventRead(BaseModel):
    """A line of a ticket's history for staff: who, which role, which channel, when, what."""

    id: int
    at: datetime
    action: str
    actor_kind: str
    actor_id: str | None
    role: str | None
    channel: str | None
    from_state: str | None
    to_state: str | None
    note: str | None
    public: bool
    note_public: bool = Field(description="Whether residents read the note (tracking, emails)")
    data: dict[str, Any]


class TransitionIn(BaseModel):
    to: State
    version: int = Field(description="The version of the ticket the move is based on; 409 if it moved on")
    note: str | None = Field(default=None, max_length=5000)
    public: bool = Field(default=True, description="Whether residents see this move in the public history")
    note_public: bool = Field(default=False, description=(
        "Whether residents read the note too (public tracking, their emails); internal unless set to true"))
    outcome: Outcome | None = None
    outcome_detail: str | None = Field(default=None, max_length=2000)
    duplicate_of_id: int | None = None


class TransferIn(BaseModel):
    service: str
    reason: str = Field(min_length=1, max_length=2000)
    version: int


class RecategoriseIn(BaseModel):
    category: str
    version: int
    note: str | None = Field(default=None, max_length=2000)


def _scoped(session: Any, principal: Principal, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"No ticket {report_id}", f"Aucun ticket {report_id}")
    access.ensure_can_read(principal, report)
    return report


@router.get("/tickets", response_model=list[TicketRead])
def list_tickets(session: SessionDep, principal: TicketStaff,
                 state: Annotated[list[State] | None, Query()] = None,
                 service: str | None = None, commune: str | None = None, overdue: bool | None = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[TicketRead]:
    """The tickets within the caller's scope, most urgent first."""
    stmt = select(Report).where(access.scope_filter(principal))
    if state:
        stmt = stmt.where(Report.state.in_([str(s) for s in state]))
    if service:
        stmt = stmt.where(Report.service_code == service)
    if commune:
        stmt = stmt.where(Report.commune_code == commune)
    if overdue is not None:
        late = vocabulary.overdue_clause(Report)
        stmt = stmt.where(late if overdue else ~late)
    stmt = stmt.order_by(Report.due_at.asc().nulls_last(), Report.id).limit(limit).offset(offset)
    now = session.execute(select(func.now())).scalar_one()
    return [ticket_read(session=session, report=r, principal=principal, now=now) for r in session.scalars(stmt)]


@router.get("/tickets/{report_id}", response_model=TicketRead)
def read_ticket(report_id: int, session: SessionDep, principal: TicketStaff) -> TicketRead:
    return ticket_read(session=session, report=_scoped(session, principal, report_id), principal=principal)


@router.get("/tickets/{report_id}/history", response_model=list[EventRead])
def ticket_history(report_id: int, session: SessionDep, principal: TicketStaff) -> list[EventRead]:
    """The whole history, private lines included; it can be read, never edited or deleted."""
    _scoped(session, principal, report_id)
    return [EventRead.model_validate(e, from_attributes=True)
            for e in workflow.history(session=session, report_id=report_id, public_only=False)]


@router.post("/tickets/{report_id}/transition", response_model=TicketRead)
def transition_ticket(report_id: int, data: TransitionIn, session: SessionDep, principal: TicketStaff) -> TicketRead:
    """Move a ticket; 409 if its version moved on or the move is not in the table, 403 if not the caller's."""
    outcome = (OutcomeInput(outcome=data.outcome, detail=data.outcome_detail, duplicate_of_id=data.duplicate_of_id)
               if data.outcome is not None else None)
    report = workflow.transition(session=session, report_id=report_id, to=data.to, actor=principal,
                                 version=data.version, note=data.note, public=data.public, outcome=outcome,
                                 note_public=data.note_public)
    return ticket_read(session=session, report=report, principal=principal)


@router.post("/tickets/{report_id}/transfer", response_model=TicketRead)
def transfer_ticket(report_id: int, data: TransferIn, session: SessionDep, principal: TicketStaff) -> TicketRead:
    """Send a ticket to another service with a reason."""
    report = triage.transfer(session=session, report_id=report_id, actor=principal, service_code=data.service,
                             reason=data.reason, version=data.version)
    return ticket_read(session=session, report=report, principal=principal)


@router.post("/tickets/{report_id}/recategorise", response_model=TicketRead)
def recategorise_ticket(report_id: int, data: RecategoriseIn, session: SessionDep,
                        principal: RelationsCentre) -> TicketRead:
    """Change the category and route the ticket again."""
    report = triage.recategorise(session=session, report_id=report_id, actor=principal,
                                 category_code=data.category, version=data.version, note=data.note)
    return ticket_read(session=session, report=report, principal=principal)


@router.get("/triage", response_model=list[TicketRead])
def triage_queue(session: SessionDep, principal: RelationsCentre,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100,
                 offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> list[TicketRead]:
    """The relations centre's queue: unrouted, new and rejected-by-service tickets, oldest first."""
    now = session.execute(select(func.now())).scalar_one()
    return [ticket_read(session=session, report=r, principal=principal, now=now)
            for r in triage.queue(session=session, limit=limit, offset=offset)]


class Figure(BaseModel):
    commune_code: str
    commune_name: str
    state: str
    count: int
    overdue: int


@router.get("/figures", response_model=list[Figure])
def figures(session: SessionDep, principal: FiguresReader) -> list[Figure]:
    """Counts per commune and state, with how many are overdue: figures without any personal data."""
    late = vocabulary.overdue_clause(Report)
    rows = session.execute(
        select(Report.commune_code, Report.commune_name, Report.state, func.count(),
               func.count().filter(late))
        .group_by(Report.commune_code, Report.commune_name, Report.state)
        .order_by(Report.commune_code, Report.state)
    ).all()
    return [Figure(commune_code=c, commune_name=n, state=s, count=k, overdue=o) for c, n, s, k, o in rows]
