"""The commune merger of 1 January 2024: the 59-commune layer, then the 58-commune one. Oullins (69149, old
shape) and Pierre-Bénite (69152) retire, Oullins-Pierre-Bénite (69149) opens; reports keep their commune."""

from datetime import date

from sqlalchemy import select, text

from dispatch import service as reports
from dispatch.models import ReportEvent
from dispatch.reroute import load_zone_file, reroute_open_reports
from dispatch.schemas import ReportCreate
from geo.loader import read_zone_file
from geo.models import Zone
from tests.conftest import DATA_DIR

BEFORE = DATA_DIR / "metropole-lyon-communes-59-avant-2024.geojson"
AFTER = DATA_DIR / "metropole-lyon-communes.geojson"


def current_communes(session):
    return {z.code: z for z in session.scalars(select(Zone).where(Zone.kind == "commune", Zone.valid_to.is_(None)))}


def point_in(session, code):
    lat, lon = session.execute(text(
        "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) p FROM zones "
        "WHERE kind = 'commune' AND code = :c AND valid_to IS NULL) s"), {"c": code}).one()
    return float(lat), float(lon)


def file(session, point, category="pothole"):
    return reports.create(session=session, data=ReportCreate(lat=point[0], lon=point[1], category=category))


def test_merger_retires_two_communes_opens_one_and_keeps_reports_where_they_were(session):
    # Start from the pre-2024 map: the demo's current communes are replaced inside this rolled-back test.
    session.execute(text("DELETE FROM zones WHERE kind = 'commune'"))
    before, _ = load_zone_file(session=session, features=list(read_zone_file(BEFORE)), source=BEFORE.name,
                               on=date(2015, 1, 1), dry_run=False)
    assert len(before.opened) == 59
    communes = current_communes(session)
    assert len(communes) == 59
    assert communes["69149"].name == "Oullins" and communes["69152"].name == "Pierre-Bénite"
    assert communes["69152"].successor_code == "69149"  # from insee_commune_actuelle
    assert communes["69152"].population is None and communes["69152"].postcodes == []  # not in that file

    pierre_benite, oullins = point_in(session, "69152"), point_in(session, "69149")
    open_pb = file(session, pierre_benite)
    closed_pb = file(session, pierre_benite, "graffiti")
    closed_pb.state = "closed"
    old_oullins = file(session, oullins)
    assert (open_pb.commune_code, open_pb.commune_name) == ("69152", "Pierre-Bénite")
    assert old_oullins.commune_name == "Oullins"

    # Dry run of the 58-commune file: what would happen, nothing done.
    dry, preview = load_zone_file(session=session, features=list(read_zone_file(AFTER)), source=AFTER.name,
                                  on=date(2024, 1, 1), dry_run=True)
    # Grigny (69096) was renamed Grigny-sur-Rhône meanwhile: a new version too.
    assert dry.dry_run and dry.retired == ["69152"] and dry.changed == ["69096", "69149"] and not dry.opened
    assert "69152 Pierre-Bénite retired, now part of 69149" in dry.notes
    assert "69149: Oullins -> Oullins-Pierre-Bénite" in dry.notes
    assert "69096: Grigny -> Grigny-sur-Rhône" in dry.notes
    assert len(dry.updated) == 56  # same shapes; populations and postcodes arrive with the 58-commune file
    moved = {m.report_id: m for m in preview.moves}
    assert moved[open_pb.id].after["commune"] == "69149" and closed_pb.id not in moved
    assert len(current_communes(session)) == 59  # the dry run changed nothing

    # For real.
    after, _ = load_zone_file(session=session, features=list(read_zone_file(AFTER)), source=AFTER.name,
                              on=date(2024, 1, 1), dry_run=False)
    assert after.retired == ["69152"] and after.changed == ["69096", "69149"]
    communes = current_communes(session)
    assert len(communes) == 58 and "69152" not in communes
    assert communes["69149"].name == "Oullins-Pierre-Bénite" and communes["69149"].valid_from == date(2024, 1, 1)
    history = session.execute(text(
        "SELECT code, name, valid_from, valid_to FROM zones WHERE code IN ('69149', '69152') AND kind = 'commune' "
        "ORDER BY code, valid_from")).all()
    assert [tuple(r) for r in history] == [
        ("69149", "Oullins", date(2015, 1, 1), date(2024, 1, 1)),
        ("69149", "Oullins-Pierre-Bénite", date(2024, 1, 1), None),
        ("69152", "Pierre-Bénite", date(2015, 1, 1), date(2024, 1, 1)),
    ]

    # Reports made before the merger keep their original commune...
    for report in (open_pb, closed_pb, old_oullins):
        session.refresh(report)
    assert (open_pb.commune_code, open_pb.commune_name) == ("69152", "Pierre-Bénite")
    assert (closed_pb.commune_code, old_oullins.commune_name) == ("69152", "Oullins")
    # ...while a new report at the same place lands in the new commune.
    new_pb = file(session, pierre_benite)
    assert (new_pb.commune_code, new_pb.commune_name) == ("69149", "Oullins-Pierre-Bénite")

    # Re-routing on request moves the open one (with its history line), never the closed one.
    plan = reroute_open_reports(session=session, dry_run=False, reason="Fusion Oullins-Pierre-Bénite")
    # Only the open Pierre-Bénite report moves: the old Oullins one keeps code 69149, so it stays put.
    assert plan.applied == 1 and plan.moves[0].report_id == open_pb.id
    session.refresh(open_pb)
    session.refresh(closed_pb)
    assert open_pb.commune_code == "69149" and closed_pb.commune_code == "69152"
    event = session.scalars(select(ReportEvent).where(ReportEvent.report_id == open_pb.id,
                                                      ReportEvent.action == "rerouted")).one()
    assert event.data["from"]["commune"] == "69152" and event.data["to"]["commune"] == "69149"
    assert event.note == "Fusion Oullins-Pierre-Bénite"


def test_loading_zones_dated_before_the_current_ones_is_refused(session):
    import pytest

    from core.errors import InvalidZoneFile

    with pytest.raises(InvalidZoneFile, match="order"):
        load_zone_file(session=session, features=list(read_zone_file(BEFORE)), source=BEFORE.name,
                       on=date(2015, 1, 1), dry_run=True)
