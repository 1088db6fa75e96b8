"""Field crews: the tickets near me, claimed once (SKIP LOCKED), started, resolved with proof, handed back."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyproj import Transformer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import AfterPhotoRequired, Forbidden, NotFound, NotYourTicket, TicketTaken
from core.prepared import Prepared, fetch
from core.users import Principal, StaffUser
from dispatch import photos, route, vocabulary, workflow
from dispatch.models import Report, ReportEvent
from dispatch.sqlfiles import read, sql
from dispatch.workflow import Outcome, OutcomeInput, State

CREW_OPEN = tuple(sorted(vocabulary.WORKING))
# A crew may claim what no crew is working on yet.
CLAIMABLE = tuple(sorted(vocabulary.WORKING - {State.IN_PROGRESS}))
_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)


# The crews' hottest read, prepared once per connection: its planning took a third of its time (bench/crews.py).
NEARBY = Prepared("ruecommune_crew_nearby", read("crew_nearby"), {
    "lon": "float8", "lat": "float8", "service_code": "text", "sectors": "text[]", "categories": "text[]",
    "states": "text[]", "window": "int", "radius_m": "float8", "offset": "int"})


@dataclass(frozen=True)
class Nearby:
    id: int
    ref: str
    category: str
    state: str
    created_at: datetime
    due_at: datetime | None
    version: int
    held_by_me: bool
    lat: float
    lon: float
    distance_m: float
    thumbnail: str | None
    address: str | None = None


def _crew_scope(crew: Principal) -> tuple[str, list[str]]:
    if not crew.service_code:
        raise Forbidden("Your account belongs to no service", "Votre compte n'est rattaché à aucun service",
                        reason="scope")
    return crew.service_code, list(crew.sector_codes)


def nearby(*, session: Session, crew: Principal, lat: float, lon: float, radius_m: float, limit: int = 20,
           offset: int = 0, categories: list[str] | None = None, states: list[str] | None = None) -> list[Nearby]:
    """Open tickets of the crew's service and sectors within `radius_m`, nearest first, paged."""
    service_code, sectors = _crew_scope(crew)
    rows = fetch(session, NEARBY, {
        "lat": lat, "lon": lon, "radius_m": radius_m, "window": limit + offset, "offset": offset,
        "service_code": service_code, "sectors": sectors, "categories": categories or [],
        "states": [s for s in (states or []) if s in CREW_OPEN],
    })
    return [Nearby(id=r["id"], ref=r["ref"], category=r["category_code"], state=r["state"],
                   created_at=r["created_at"], due_at=r["due_at"], version=r["version"],
                   held_by_me=r["assignee_id"] == crew.id, lat=r["lat"], lon=r["lon"],
                   distance_m=round(float(r["distance_m"]), 1),
                   thumbnail=photos.url(r["photo_hash"], "thumb") if r["photo_hash"] else None,
                   address=r["address"])
            for r in rows]


def _in_scope(crew: Principal, report: Report) -> None:
    from dispatch import access

    access.ensure_can_read(crew, report)


def claim(*, session: Session, crew: Principal, report_id: int, version: int | None) -> Report:
    """Take a ticket for this crew. SKIP LOCKED: a ticket another crew is claiming right now is not waited for."""
    locked = session.scalars(
        select(Report).where(Report.id == report_id).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()
    if locked is None:
        if session.get(Report, report_id) is None:
            raise NotFound(f"No ticket {report_id}", f"Aucun ticket {report_id}")
        raise TicketTaken("Another crew is claiming this ticket right now",
                          "Une autre équipe est en train de prendre ce ticket", report_id=report_id)
    _in_scope(crew, locked)
    workflow.check_version(session=session, report=locked, version=version)
    if locked.assignee_id is not None and locked.assignee_id != crew.id:
        raise TicketTaken(f"Ticket {locked.ref} is already held by another crew",
                          f"Le ticket {locked.ref} est déjà pris par une autre équipe", report_id=report_id,
                          current_version=locked.version)
    if locked.assignee_id == crew.id:
        return locked
    if locked.state not in CLAIMABLE:
        raise workflow.InvalidTransition(f"A ticket in state '{locked.state}' cannot be claimed",
                                         f"Un ticket à l'état « {locked.state} » ne peut pas être pris")
    if locked.state != State.ASSIGNED:
        report = workflow.transition(session=session, report_id=report_id, to=State.ASSIGNED, actor=crew,
                                     version=locked.version, data={"claimed_by": crew.actor_id})
    else:
        report = locked
        report.version += 1
        workflow.record(session=session, report=report, actor=crew, action="claimed", from_state=report.state,
                        to_state=report.state, public=False, data={"claimed_by": crew.actor_id})
    report.assignee_id = crew.id
    report.claimed_at = workflow._now(session)
    session.flush()
    return report


def _held(*, session: Session, crew: Principal, report_id: int, version: int | None) -> Report:
    report = workflow.lock(session=session, report_id=report_id)
    _in_scope(crew, report)
    workflow.check_version(session=session, report=report, version=version)
    if crew.role == "crew" and report.assignee_id != crew.id:
        raise NotYourTicket(f"Claim ticket {report.ref} before working on it",
                            f"Prenez le ticket {report.ref} avant d'y travailler", current_version=report.version,
                            assignee_id=report.assignee_id)
    return report


def start(*, session: Session, crew: Principal, report_id: int, version: int | None) -> Report:
    report = _held(session=session, crew=crew, report_id=report_id, version=version)
    moved = workflow.transition(session=session, report_id=report.id, to=State.IN_PROGRESS, actor=crew,
                                version=report.version)
    moved.assignee_id = report.assignee_id or crew.id
    session.flush()
    return moved


def resolve(*, session: Session, crew: Principal, report_id: int, version: int | None, outcome: Outcome,
            detail: str | None = None, duplicate_of_id: int | None = None, note: str | None = None,
            photo: photos.Upload | None = None, note_public: bool = False) -> Report:
    """Resolve with an outcome; "fixed" needs an after photo, stored (metadata stripped) and linked to the ticket.

    The note stays internal unless `note_public`."""
    report = _held(session=session, crew=crew, report_id=report_id, version=version)
    if outcome == Outcome.FIXED and photo is None:
        raise AfterPhotoRequired("Resolving as fixed needs a photo of the place after the work",
                                 "Résoudre comme réparé demande une photo des lieux après intervention")
    if photo is not None:
        photos.attach(session=session, report=report, upload=photo, kind="after", actor_kind=crew.kind,
                      actor_id=crew.actor_id, role=crew.role)
    return workflow.transition(session=session, report_id=report.id, to=State.RESOLVED, actor=crew,
                               version=report.version, note=note, note_public=note_public,
                               outcome=OutcomeInput(outcome, detail, duplicate_of_id))


def hand_back(*, session: Session, crew: Principal, report_id: int, version: int | None, note: str) -> Report:
    """Give a ticket back to the service's pool (triaged, held by nobody), with the reason."""
    report = _held(session=session, crew=crew, report_id=report_id, version=version)
    return workflow.transition(session=session, report_id=report.id, to=State.TRIAGED, actor=crew,
                               version=report.version, note=note, public=False,
                               data={"handed_back_by": crew.actor_id})


def reassign(*, session: Session, supervisor: Principal, report_id: int, crew_id: int, version: int | None) -> Report:
    """A supervisor gives a ticket to one of their crews (or takes it from one)."""
    if supervisor.role not in ("service_staff", "admin"):
        raise Forbidden("Only supervisors reassign tickets", "Seuls les encadrants réattribuent les tickets",
                        reason="role")
    report = workflow.lock(session=session, report_id=report_id)
    _in_scope(supervisor, report)
    workflow.check_version(session=session, report=report, version=version)
    target = session.get(StaffUser, crew_id)
    if target is None or target.role != "crew" or not target.active or target.service_code != report.service_code:
        raise Forbidden("That person is not an active crew member of the ticket's service",
                        "Cette personne n'est pas membre actif d'une équipe du service du ticket", reason="crew")
    previous = report.assignee_id
    if report.state not in (State.ASSIGNED, State.SCHEDULED, State.IN_PROGRESS):
        report = workflow.transition(session=session, report_id=report.id, to=State.ASSIGNED, actor=supervisor,
                                     version=report.version)
    else:
        report.version += 1
    report.assignee_id = crew_id
    report.claimed_at = workflow._now(session)
    session.flush()
    workflow.record(session=session, report=report, actor=supervisor, action="reassigned", from_state=report.state,
                    to_state=report.state, public=False, data={"from_crew": previous, "to_crew": crew_id})
    return report


def held(*, session: Session, crew_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(sql("crew_held"), {"crew_id": crew_id}).mappings()]


def visit_order(*, session: Session, crew: Principal, lat: float, lon: float) -> dict[str, Any]:
    """The crew's held tickets in a sensible order from where they stand, as GeoJSON with the total distance."""
    tickets = held(session=session, crew_id=crew.id)
    start_xy = _TO_L93.transform(lon, lat)
    order, total, nn_total = route.plan(start_xy, [(t["x"], t["y"]) for t in tickets])
    ordered = [tickets[i] for i in order]
    line = [[lon, lat], *[[t["lon"], t["lat"]] for t in ordered]]
    features: list[dict[str, Any]] = [{
        "type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
        "properties": {"kind": "route", "distance_m": round(total, 1), "nearest_neighbour_m": round(nn_total, 1)},
    }, {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"kind": "start"}}]
    features += [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [t["lon"], t["lat"]]},
                  "properties": {"kind": "stop", "stop": n, "id": t["id"], "ref": t["ref"],
                                 "category": t["category_code"], "state": t["state"], "version": t["version"]}}
                 for n, t in enumerate(ordered, start=1)]
    return {"type": "FeatureCollection", "features": features,
            "properties": {"distance_m": round(total, 1), "stops": len(ordered)}}


def team_tickets(*, session: Session, supervisor: Principal) -> dict[str, Any]:
    """The service's open work as GeoJSON for a map: tickets its crews hold and those nobody holds yet.

    An unclaimed ticket that a crew handed back carries the reason, who and when (`handed_back`); every
    ticket says whether it is overdue by the one rule (dispatch.vocabulary).
    """
    from dispatch import access

    if supervisor.role not in ("service_staff", "admin"):
        raise Forbidden("For supervisors", "Réservé aux encadrants", reason="role")
    now = session.execute(select(func.now())).scalar_one()
    rows = session.execute(
        select(Report.id, Report.ref, Report.category_code, Report.state, Report.version, Report.assignee_id,
               StaffUser.name, Report.due_at, Report.paused_at, Report.service_code, Report.geom.ST_Y(),
               Report.geom.ST_X())
        .outerjoin(StaffUser, StaffUser.id == Report.assignee_id)
        .where(access.scope_filter(supervisor), Report.state.in_(CREW_OPEN), Report.service_code.is_not(None))
        .order_by(Report.assignee_id.nulls_first(), Report.due_at.nulls_last(), Report.id)
    ).all()
    handed = _hand_backs(session, [r[0] for r in rows if r[5] is None])
    # `crews` is a foreign member (RFC 7946 6.1): whom each ticket can be given to, so a map needs one request.
    return {"type": "FeatureCollection", "crews": team_crews(session=session, supervisor=supervisor), "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"id": i, "ref": ref, "category": cat, "state": st, "version": v, "crew_id": crew,
                        "crew_name": name, "due_at": due.isoformat() if due else None, "service_code": service,
                        "overdue": vocabulary.is_overdue(state=st, due_at=due, paused_at=paused, now=now),
                        "handed_back": handed.get(i)}}
        for i, ref, cat, st, v, crew, name, due, paused, service, lat, lon in rows]}


def _hand_backs(session: Session, report_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest hand-back of each ticket that is still unclaimed: reason, crew and time."""
    if not report_ids:
        return {}
    rows = session.execute(
        select(ReportEvent.report_id, ReportEvent.note, ReportEvent.at, StaffUser.name)
        .outerjoin(StaffUser, func.concat("staff:", StaffUser.id) == ReportEvent.actor_id)
        .where(ReportEvent.report_id.in_(report_ids), ReportEvent.data.has_key("handed_back_by"))
        .order_by(ReportEvent.report_id, ReportEvent.at.desc(), ReportEvent.id.desc())
        .distinct(ReportEvent.report_id)
    ).all()
    return {rid: {"reason": note, "at": at.isoformat(), "by": name} for rid, note, at, name in rows}


def team_crews(*, session: Session, supervisor: Principal) -> list[dict[str, Any]]:
    """The active crew members a supervisor may give tickets to: their service's (every service's for an admin)."""
    query = select(StaffUser.id, StaffUser.name, StaffUser.service_code).where(
        StaffUser.role == "crew", StaffUser.active.is_(True), StaffUser.service_code.is_not(None))
    if supervisor.role != "admin":
        if not supervisor.service_code:
            return []
        query = query.where(StaffUser.service_code == supervisor.service_code)
    return [{"id": i, "name": name, "service_code": service}
            for i, name, service in session.execute(query.order_by(StaffUser.name, StaffUser.id))]
