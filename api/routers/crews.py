"""Field crews: nearby tickets, claim/start/resolve/hand back (idempotent, versioned), route; supervisors' views."""

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.auth import require_roles
from api.deps import NO_STORE, SessionDep, no_store
from api.ticket_view import TicketRead, ticket_read
from core.users import Principal
from dispatch import crews, idempotency, photos
from dispatch.workflow import Outcome

router = APIRouter(prefix="/api/v1/crews", tags=["crews"], dependencies=[Depends(no_store)])
CurrentCrew = Annotated[Principal, require_roles("crew", "service_staff", "admin")]
Supervisor = Annotated[Principal, require_roles("service_staff", "admin")]
IdempotencyKeyHeader = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=200,
                                             description="One key per action: a replay gets the first answer")]


class NearbyTicket(BaseModel):
    id: int
    ref: str
    category: str
    state: str
    created_at: datetime
    age_days: float
    due_at: datetime | None
    version: int
    held_by_me: bool
    lat: float
    lon: float
    distance_m: float
    thumbnail: str | None
    address: str | None = None


class VersionIn(BaseModel):
    version: int = Field(description="The version the action is based on; a stale one gets 409 with the changes")


class HandBackIn(VersionIn):
    note: str = Field(min_length=1, max_length=2000)


class ReassignIn(VersionIn):
    crew_id: int


@router.get("/me/tickets/nearby", response_model=list[NearbyTicket])
def nearby(session: SessionDep, crew: CurrentCrew,
           lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)],
           radius: Annotated[float, Query(gt=0, le=50_000, description="metres")] = 2000,
           limit: Annotated[int, Query(ge=1, le=200)] = 20, offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
           category: Annotated[list[str] | None, Query()] = None,
           state: Annotated[list[str] | None, Query()] = None) -> Response:
    """Open tickets of my service and sectors, nearest first, distances in metres."""
    rows = crews.nearby(session=session, crew=crew, lat=lat, lon=lon, radius_m=radius, limit=limit, offset=offset,
                        categories=category, states=state)
    now = datetime.now().astimezone()
    # Serialised here rather than validated again against response_model: this is the crews' hottest read.
    body = [{**r.__dict__, "age_days": round((now - r.created_at).total_seconds() / 86400, 1)} for r in rows]
    return Response(json.dumps(body, default=datetime.isoformat), media_type="application/json", headers=NO_STORE)


def _idempotent(session: Any, crew: Principal, key: str, action: str, fields: dict[str, Any],
                run: Any, files: tuple[bytes, ...] = ()) -> Any:
    """Run a crew action once per Idempotency-Key; a replay returns the stored answer and changes nothing."""
    scope = f"crew:{crew.actor_id}"
    fp = idempotency.fingerprint(fields={"action": action, **fields}, files=files)
    replay = idempotency.begin(session=session, scope=scope, key=key, fingerprint=fp)
    if replay is not None:
        return JSONResponse(replay.body, status_code=replay.status_code, headers={"Idempotent-Replay": "true"})
    report = run()
    body = ticket_read(session=session, report=report, principal=crew).model_dump(mode="json")
    idempotency.finish(session=session, scope=scope, key=key, status_code=200, body=body, report_id=report.id)
    return body


@router.post("/me/tickets/{report_id}/claim", response_model=TicketRead)
def claim(report_id: int, data: VersionIn, session: SessionDep, crew: CurrentCrew, key: IdempotencyKeyHeader) -> Any:
    """Take a ticket; two crews never hold the same one (409 ticket.taken for the second)."""
    return _idempotent(session, crew, key, "claim", {"ticket": report_id, **data.model_dump()},
                       lambda: crews.claim(session=session, crew=crew, report_id=report_id, version=data.version))


@router.post("/me/tickets/{report_id}/start", response_model=TicketRead)
def start(report_id: int, data: VersionIn, session: SessionDep, crew: CurrentCrew, key: IdempotencyKeyHeader) -> Any:
    return _idempotent(session, crew, key, "start", {"ticket": report_id, **data.model_dump()},
                       lambda: crews.start(session=session, crew=crew, report_id=report_id, version=data.version))


@router.post("/me/tickets/{report_id}/hand-back", response_model=TicketRead)
def hand_back(report_id: int, data: HandBackIn, session: SessionDep, crew: CurrentCrew,
              key: IdempotencyKeyHeader) -> Any:
    """Give the ticket back to the service's pool, with the reason."""
    return _idempotent(session, crew, key, "hand_back", {"ticket": report_id, **data.model_dump()},
                       lambda: crews.hand_back(session=session, crew=crew, report_id=report_id,
                                               version=data.version, note=data.note))


@router.post("/me/tickets/{report_id}/resolve", response_model=TicketRead)
def resolve(report_id: int, session: SessionDep, crew: CurrentCrew, key: IdempotencyKeyHeader,
            version: Annotated[int, Form()], outcome: Annotated[Outcome, Form()],
            outcome_detail: Annotated[str | None, Form(max_length=2000)] = None,
            duplicate_of_id: Annotated[int | None, Form()] = None,
            note: Annotated[str | None, Form(max_length=5000)] = None,
            note_public: Annotated[bool, Form(description="residents read the note too (internal otherwise)")] = False,
            photo: Annotated[UploadFile | None, File(description="after photo; required when fixed")] = None) -> Any:
    """Resolve with an outcome (multipart); "fixed" needs the after photo."""
    upload = None
    if photo is not None:
        upload = photos.Upload(data=photo.file.read(), filename=photo.filename, content_type=photo.content_type)
    fields = {"ticket": report_id, "version": version, "outcome": str(outcome), "detail": outcome_detail,
              "duplicate_of_id": duplicate_of_id, "note": note, "note_public": note_public}
    return _idempotent(session, crew, key, "resolve", fields,
                       lambda: crews.resolve(session=session, crew=crew, report_id=report_id, version=version,
                                             outcome=outcome, detail=outcome_detail,
                                             duplicate_of_id=duplicate_of_id, note=note, photo=upload,
                                             note_public=note_public),
                       files=(upload.data,) if upload else ())


@router.get("/me/route")
def visit_order(session: SessionDep, crew: CurrentCrew, lat: Annotated[float, Query(ge=-90, le=90)],
                lon: Annotated[float, Query(ge=-180, le=180)]) -> dict[str, Any]:
    """My held tickets in visit order from where I stand (nearest neighbour + 2-opt), as GeoJSON."""
    return crews.visit_order(session=session, crew=crew, lat=lat, lon=lon)


@router.get("/team/tickets")
def team_tickets(session: SessionDep, supervisor: Supervisor) -> dict[str, Any]:
    """The tickets my service's crews hold, as GeoJSON for a map."""
    return crews.team_tickets(session=session, supervisor=supervisor)


@router.post("/team/tickets/{report_id}/assign", response_model=TicketRead)
def reassign(report_id: int, data: ReassignIn, session: SessionDep, supervisor: Supervisor) -> TicketRead:
    """Give a ticket to one of my service's crews."""
    report = crews.reassign(session=session, supervisor=supervisor, report_id=report_id, crew_id=data.crew_id,
                            version=data.version)
    return ticket_read(session=session, report=report, principal=supervisor)
