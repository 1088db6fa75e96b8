"""Bulk routing (geo.bulk) gives, point for point, the answer of the single-point assignment."""

import random

from sqlalchemy import text

from core.errors import OutsideTerritory
from geo.bulk import create_input, route_input
from geo.service import assign

CATEGORIES = ["pothole", "missed_pickup", "broken_streetlight", "fallen_tree", "water_leak", "damaged_sign",
              "graffiti", "voirie", "unknown-category"]


def test_bulk_routing_matches_single_point_assignment_on_random_points(session):
    rng = random.Random(20261128)
    points = [(i, 45.56 + rng.random() * 0.38, 4.69 + rng.random() * 0.37, rng.choice(CATEGORIES))
              for i in range(1, 401)]
    create_input(session=session)
    for i, lat, lon, category in points:
        session.execute(text("INSERT INTO routing_input VALUES (:i, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :c)"),
                        {"i": i, "lat": lat, "lon": lon, "c": category})
    routed = route_input(session=session)
    bulk = {row.id: row for row in session.execute(text("SELECT * FROM routing_output"))}
    assert routed == len(bulk)
    inside = 0
    for i, lat, lon, category in points:
        try:
            single = assign(session=session, lat=lat, lon=lon, category=category)
        except OutsideTerritory:
            assert i not in bulk
            continue
        inside += 1
        row = bulk[i]
        assert (row.commune_code, row.commune_name, row.zone_code, row.rule_id, row.service_code, row.team,
                row.sector_code) == (single.commune_code, single.commune_name, single.zone_code, single.rule_id,
                                     single.service_code, single.team, single.sector_code), (lat, lon, category)
    # The bounding box holds the territory and a lot of countryside: both sides were exercised.
    assert 100 < inside < 400
