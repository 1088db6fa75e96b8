"""The relations centre's desk: the triage queue, re-categorising, re-routing and transferring between services."""

from collections.abc import Sequence

from geoalchemy2.shape import to_shape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.errors import Forbidden, UnknownService
from core.users import Principal
from dispatch import access, vocabulary, workflow
from dispatch.models import Report
from dispatch.sqlfiles import sql
from geo.models import Service
from geo.service import assign, get_category_or_raise


def queue(*, session: Session, limit: int = 100, offset: int = 0) -> Sequence[Report]:
    """Unrouted, new and rejected-by-service tickets, oldest first."""
    return session.scalars(
        select(Report).where(or_(Report.state.in_(sorted(vocabulary.TRIAGE)), Report.service_code.is_(None)),
                             Report.state.in_(sorted(vocabulary.OPEN)))
        .order_by(Report.created_at, Report.id).limit(limit).offset(offset)
    ).all()


def transfer(*, session: Session, report_id: int, actor: Principal, service_code: str, reason: str,
             version: int | None) -> Report:
    """Hand a ticket to another service with a reason; it lands there as triaged, held by no crew."""
    if not reason.strip():
        raise workflow.InvalidTransition("A transfer needs a reason", "Un transfert demande un motif", field="reason")
    if session.get(Service, service_code) is None:
        raise UnknownService(f"No service '{service_code}'", f"Aucun service « {service_code} »")
    report = workflow.lock(session=session, report_id=report_id)
    access.ensure_can_read(actor, report)
    workflow.check_version(session=session, report=report, version=version)
    own_service = actor.role == "service_staff" and report.service_code == actor.service_code
    if not (actor.role in workflow.CENTRE or own_service):
        raise Forbidden("Only the relations centre, or the service holding it, may transfer a ticket",
                        "Seul le centre de relation, ou le service qui le détient, peut transférer un ticket",
                        reason="role")
    if report.state in workflow.DONE:
        raise workflow.InvalidTransition(f"A {report.state} ticket cannot be transferred",
                                         f"Un ticket à l'état {report.state} ne peut pas être transféré")
    previous = {"service": report.service_code, "sector": report.sector_code, "team": report.team,
                "state": report.state}
    report.service_code = service_code
    report.sector_code = session.scalar(sql("sector_of_service"),
                                        {"report_id": report.id, "service_code": service_code})
    report.team = None
    report.assignee_id = report.claimed_at = None
    from_state = report.state
    report.state = str(workflow.State.TRIAGED)
    if report.paused_at is not None:
        report.paused_at = None
    report.version += 1
    session.flush()
    workflow.record(session=session, report=report, actor=actor, action="transferred", from_state=from_state,
                    to_state=report.state, note=reason, public=False,
                    data={"from": previous, "to": {"service": service_code, "sector": report.sector_code}})
    return report


def recategorise(*, session: Session, report_id: int, actor: Principal, category_code: str,
                 version: int | None, note: str | None = None) -> Report:
    """Change a ticket's category and route it again as intake would have (service, sector, team)."""
    if actor.role not in workflow.CENTRE:
        raise Forbidden("Only the relations centre re-categorises tickets",
                        "Seul le centre de relation recatégorise les tickets", reason="role")
    get_category_or_raise(session=session, code=category_code)
    report = workflow.lock(session=session, report_id=report_id)
    workflow.check_version(session=session, report=report, version=version)
    if report.state in workflow.DONE:
        raise workflow.InvalidTransition(f"A {report.state} ticket cannot be re-categorised",
                                         f"Un ticket à l'état {report.state} ne peut pas être recatégorisé")
    point = to_shape(report.geom)
    routed = assign(session=session, lat=point.y, lon=point.x, category=category_code)
    previous = {"category": report.category_code, "service": report.service_code, "sector": report.sector_code}
    report.category_code = category_code
    report.zone_code, report.service_code = routed.zone_code, routed.service_code
    report.sector_code, report.team, report.routing_rule_id = routed.sector_code, routed.team, routed.rule_id
    report.version += 1
    session.flush()
    workflow.record(session=session, report=report, actor=actor, action="recategorised", from_state=report.state,
                    to_state=report.state, note=note, public=True,
                    data={"from": previous, "to": {"category": category_code, "service": routed.service_code,
                                                   "sector": routed.sector_code, "rule_id": routed.rule_id}})
    return report
