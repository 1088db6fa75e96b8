"""Reports: intake with routing snapshot, reading, listing. Services flush; the caller owns the transaction."""

from collections.abc import Sequence

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import NotFound, UnknownCategory
from dispatch import places
from dispatch.models import Report, ReportEvent
from dispatch.refs import new_ref
from dispatch.schemas import ReportCreate, ReportPublic
from geo.service import assign, get_category_or_raise


def create(*, session: Session, data: ReportCreate, channel: str = "app", location_source: str = "device",
           actor_kind: str = "resident", actor_id: str | None = None, is_demo: bool = False,
           role: str | None = None) -> Report:
    """Record a report once, routed by PostGIS, with the first line of its history."""
    category = get_category_or_raise(session=session, code=data.category)
    if category.agent_only and actor_kind == "resident":
        # Offered to agents only (set in the administration): a resident's app never lists it.
        raise UnknownCategory(f"The category '{data.category}' is for agents only",
                              f"La catégorie « {data.category} » est réservée aux agents", category=data.category)
    routed = assign(session=session, lat=data.lat, lon=data.lon, category=data.category)
    place = places.address_at(session=session, lat=data.lat, lon=data.lon)
    report = Report(
        ref=new_ref(), category_code=data.category, description=data.description,
        address_text=data.address_text,
        geom=func.ST_SetSRID(func.ST_MakePoint(data.lon, data.lat), 4326),
        location_source=location_source, commune_code=routed.commune_code, commune_name=routed.commune_name,
        zone_code=routed.zone_code, service_code=routed.service_code, sector_code=routed.sector_code,
        team=routed.team, routing_rule_id=routed.rule_id, channel=channel, is_demo=is_demo,
        address=place.label if place else None, address_id=place.id if place and place.type == "housenumber" else None,
    )
    session.add(report)
    session.flush()
    session.add(ReportEvent(
        report_id=report.id, action="created", actor_kind=actor_kind, actor_id=actor_id, role=role, channel=channel,
        to_state=report.state,
        data={"routing": {"commune": routed.commune_code, "zone": routed.zone_code,
                          "service": routed.service_code, "sector": routed.sector_code,
                          "rule_id": routed.rule_id}},
    ))
    session.flush()
    session.refresh(report)
    return report


def get_or_raise(*, session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"No report {report_id}", f"Aucun signalement {report_id}")
    return report


def list_(*, session: Session, limit: int = 5000) -> Sequence[Report]:
    """The most recent reports first."""
    return session.scalars(select(Report).order_by(Report.created_at.desc()).limit(limit)).all()


def to_public(report: Report) -> ReportPublic:
    """The public view of a report: no personal data."""
    point = to_shape(report.geom)
    return ReportPublic(
        id=report.id, ref=report.ref, category=report.category_code, description=report.description,
        lat=point.y, lon=point.x, commune_code=report.commune_code, commune_name=report.commune_name,
        zone_code=report.zone_code, service_code=report.service_code, sector_code=report.sector_code,
        state=report.state, outcome=report.outcome, channel=report.channel, due_at=report.due_at,
        created_at=report.created_at, updated_at=report.updated_at, location_source=report.location_source,
        address=report.address,
    )
