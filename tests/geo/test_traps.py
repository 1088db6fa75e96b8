"""Geometry traps: a shared border, a hole, outside everything, swapped coordinates, a sector across a
commune border, a multipolygon commune, a self-intersecting polygon in a zone file."""

import json

import pytest
from sqlalchemy import text

from core.errors import OutsideTerritory, SwappedCoordinates
from geo.loader import read_zone_file
from geo.service import assign, explain
from tests.conftest import BELLECOUR, PARIS, VILLEURBANNE_TOWN_HALL


def test_point_on_shared_border_goes_to_the_lowest_code_every_time(session, shared_border_vertex):
    lat, lon = shared_border_vertex
    found = explain(session=session, lat=lat, lon=lon, category="pothole")
    communes = [z["code"] for z in found.covering_zones if z["kind"] == "commune"]
    assert communes == ["69123", "69266"]  # ST_Covers: a border point is in both
    answers = {assign(session=session, lat=lat, lon=lon, category="pothole").commune_code for _ in range(5)}
    assert answers == {"69123"}  # deterministic tie-break: the lowest INSEE code


def test_point_in_a_hole_is_not_in_the_commune_around_it(session, traps):
    assert assign(session=session, lat=traps.in_ring[0], lon=traps.in_ring[1], category="pothole").commune_code \
        == "99001"
    with pytest.raises(OutsideTerritory):
        assign(session=session, lat=traps.in_hole[0], lon=traps.in_hole[1], category="pothole")
    enclave = assign(session=session, lat=traps.in_enclave[0], lon=traps.in_enclave[1], category="pothole")
    assert enclave.commune_code == "99002"


def test_multipolygon_commune_covers_both_parts_and_not_the_gap(session, traps):
    for point in (traps.in_first_part, traps.in_second_part):
        assert assign(session=session, lat=point[0], lon=point[1], category="graffiti").commune_code == "99003"
    with pytest.raises(OutsideTerritory):
        assign(session=session, lat=traps.between_parts[0], lon=traps.between_parts[1], category="graffiti")


def test_outside_every_zone_is_a_problem_naming_the_territory(client):
    answer = client.post("/api/v1/reports", json={"lat": PARIS[0], "lon": PARIS[1], "category": "pothole"})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "report.outside_territory"
    assert "outside Métropole de Lyon" in problem["detail_en"] and "hors de Métropole de Lyon" in problem["detail_fr"]
    assert problem["territory"] == "Métropole de Lyon"
    assert "swapped" not in problem


def test_swapped_latitude_and_longitude_get_a_clear_error(client, session):
    lat, lon = BELLECOUR
    with pytest.raises(SwappedCoordinates):
        assign(session=session, lat=lon, lon=lat, category="pothole")
    answer = client.post("/api/v1/reports", json={"lat": lon, "lon": lat, "category": "pothole"})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["code"] == "report.swapped_coordinates"
    assert problem["swapped"] is True
    assert problem["territory"] == "Métropole de Lyon"  # what a client shows beside the hint
    assert "swapped" in problem["detail_en"] and "inversées" in problem["detail_fr"]


def test_sector_crossing_a_commune_border_routes_both_sides_to_one_team(session):
    # Demo sector voirie-E spans Lyon east of 4.835 and Villeurbanne: one sector, two communes.
    lyon_east = (45.7606, 4.8593)  # Part-Dieu, Lyon 3e
    sides = [assign(session=session, lat=p[0], lon=p[1], category="pothole") for p in (lyon_east,
                                                                                     VILLEURBANNE_TOWN_HALL)]
    assert [s.commune_code for s in sides] == ["69123", "69266"]
    assert {s.sector_code for s in sides} == {"voirie-E"}
    assert {s.team for s in sides} == {"voirie-E-team"}
    crosses = session.scalar(text("""
        SELECT count(*) FROM zones s JOIN zones c ON c.kind = 'commune' AND c.valid_to IS NULL
            AND ST_Relate(s.geom, c.geom, '2********')
        WHERE s.code = 'voirie-E' AND s.valid_to IS NULL AND NOT ST_Covers(s.geom, c.geom)"""))
    assert crosses >= 1  # at least one commune is cut by the sector's border


def test_self_intersecting_polygon_is_repaired_and_the_repair_reported(tmp_path):
    bowtie = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "bow", "nom": "Noeud papillon"},
        "geometry": {"type": "Polygon", "coordinates": [[[4.80, 45.70], [4.90, 45.80], [4.90, 45.70],
                                                          [4.80, 45.80], [4.80, 45.70]]]}}]}
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(bowtie))
    [feature] = list(read_zone_file(path, kind="sector", service_code="voirie"))
    assert feature.geom.is_valid and len(feature.geom.geoms) == 2
    assert feature.repair is not None and "Self-intersection" in feature.repair
