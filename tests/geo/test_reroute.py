"""Re-routing open reports in bulk: a dry run lists the moves and changes nothing; the real run moves
them and writes each move to the report's history with its reason; finished reports never move."""

from sqlalchemy import select, text

from dispatch import service as reports
from dispatch.models import Report, ReportEvent
from dispatch.reroute import reroute_open_reports
from dispatch.schemas import ReportCreate
from geo.models import RoutingRule
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL


def file(session, lat, lon, category):
    return reports.create(session=session, data=ReportCreate(lat=lat, lon=lon, category=category))


def test_dry_run_then_real_run_with_history(session):
    open_one = file(session, *VILLEURBANNE_TOWN_HALL, "overflowing_bin")
    closed_one = file(session, *VILLEURBANNE_TOWN_HALL, "missed_pickup")
    elsewhere = file(session, *BELLECOUR, "overflowing_bin")
    closed_one.state = "closed"
    before = (open_one.service_code, open_one.sector_code, open_one.team)
    session.add(RoutingRule(category_code="proprete", zone_kind="commune", zone_code="69266",
                            service_code="proprete", team="proprete-villeurbanne", note="new local team"))
    session.flush()

    plan = reroute_open_reports(session=session, dry_run=True)
    ids = {m.report_id for m in plan.moves}
    assert open_one.id in ids
    assert closed_one.id not in ids and elsewhere.id not in ids
    move = next(m for m in plan.moves if m.report_id == open_one.id)
    assert move.before["team"] == before[2] and move.after["team"] == "proprete-villeurbanne"
    session.refresh(open_one)
    assert open_one.team == before[2]  # a dry run changes nothing
    assert not session.scalars(select(ReportEvent).where(ReportEvent.action == "rerouted")).all()

    done = reroute_open_reports(session=session, dry_run=False, reason="Villeurbanne has its own team",
                                actor_id="ops@example")
    assert done.applied == plan.total_moves
    session.refresh(open_one)
    session.refresh(closed_one)
    assert open_one.team == "proprete-villeurbanne" and open_one.version == 2
    assert closed_one.team == before[2]
    event = session.scalars(select(ReportEvent).where(ReportEvent.report_id == open_one.id,
                                                      ReportEvent.action == "rerouted")).one()
    assert event.note == "Villeurbanne has its own team" and event.actor_id == "ops@example"
    assert event.data["from"]["team"] == before[2] and event.data["to"]["team"] == "proprete-villeurbanne"

    # Nothing left to move: a second run is a no-op.
    assert reroute_open_reports(session=session, dry_run=False).total_moves == 0


def test_open_report_left_outside_by_new_zones_is_flagged_not_moved(session):
    report = file(session, *BELLECOUR, "pothole")
    session.execute(text("UPDATE zones SET valid_to = CURRENT_DATE WHERE kind = 'commune' AND code = '69123'"))
    plan = reroute_open_reports(session=session, dry_run=False)
    assert plan.outside >= 1
    flagged = next(m for m in plan.moves if m.report_id == report.id)
    assert flagged.outside and flagged.after["commune"] is None
    session.refresh(report)
    assert report.commune_code == "69123"
    assert session.scalar(select(Report.commune_code).where(Report.id == report.id)) == "69123"
