"""`explain` at the five points of the foundation issue, for every category: it names the winning rule, says
why each other rule lost, and matches the routing intake actually gives a report there."""

import pytest
from sqlalchemy import select

from dispatch.models import Report
from geo.demo import CATEGORIES
from geo.models import Category, RoutingRule
from geo.service import explain
from tests.conftest import BELLECOUR, PARIS, VILLEURBANNE_TOWN_HALL

PIERRE_BENITE_TOWN_HALL = (45.7036, 4.8247)  # since 2024 in Oullins-Pierre-Bénite (69149), sectors W/S
VENISSIEUX_TOWN_HALL = (45.6975, 4.8867)  # east and south of the centre: the other two sectors
POINTS = {
    "bellecour": (BELLECOUR, "69123", "69382"),
    "villeurbanne": (VILLEURBANNE_TOWN_HALL, "69266", None),
    "pierre-benite": (PIERRE_BENITE_TOWN_HALL, "69149", None),
    "venissieux": (VENISSIEUX_TOWN_HALL, "69259", None),
}
ALL_CATEGORIES = [code for code, *_ in CATEGORIES]


@pytest.mark.parametrize("place", sorted(POINTS))
def test_explain_matches_intake_for_every_category(place, client, session, staff_client):
    (lat, lon), commune, arrondissement = POINTS[place]
    agent = staff_client("agent")
    for category in ALL_CATEGORIES:
        answer = agent.get("/api/v1/routing/explain", params={"lat": lat, "lon": lon, "category": category})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        routed = body["assignment"]
        assert (routed["commune_code"], routed["zone_code"]) == (commune, arrondissement)
        winners = [r for r in body["rules"] if r["won"]]
        assert [w["id"] for w in winners] == [routed["rule_id"]]
        assert all(r["reason_en"] and r["reason_fr"] for r in body["rules"])
        assert {z["code"] for z in body["covering_zones"]} >= {commune}
        assert body["summary_fr"].startswith("À ") and f"#{routed['rule_id']}" in body["summary_en"]

        created = client.post("/api/v1/reports", json={"lat": lat, "lon": lon, "category": category,
                                                       "description": "explain vs intake"})
        assert created.status_code == 201, created.text
        report = session.get(Report, created.json()["id"])
        assert (report.commune_code, report.zone_code, report.service_code, report.sector_code, report.team,
                report.routing_rule_id) == (routed["commune_code"], routed["zone_code"], routed["service_code"],
                                            routed["sector_code"], routed["team"], routed["rule_id"]), category


def test_explain_in_paris_is_refused_naming_the_territory(staff_client):
    answer = staff_client("agent").get("/api/v1/routing/explain",
                                       params={"lat": PARIS[0], "lon": PARIS[1], "category": "pothole"})
    assert answer.status_code == 422 and answer.json()["code"] == "report.outside_territory"
    assert "Métropole de Lyon" in answer.json()["detail_en"]


def test_explain_is_for_staff_only(client):
    answer = client.get("/api/v1/routing/explain", params={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                           "category": "pothole"})
    assert answer.status_code == 401


def test_why_the_others_lost(session):
    # In Villeurbanne, fallen trees go to the commune's own parks service: a commune rule beats the
    # territory-wide one; a sector rule of another service has the wrong category.
    found = explain(session=session, lat=VILLEURBANNE_TOWN_HALL[0], lon=VILLEURBANNE_TOWN_HALL[1],
                    category="fallen_tree")
    assert found.assignment.service_code == "villeurbanne_espaces_verts"
    reasons = {(r["zone_code"] or "*", r["category_code"]): r["reason_en"] for r in found.rules}
    assert reasons[("69266", "espaces_verts")] == "winner"
    assert reasons[("*", "espaces_verts")] == "a rule on a more specific zone won"
    assert reasons[("voirie-E", "voirie")] == "its category does not match"
    assert reasons[("voirie-W", "voirie")] == "its category does not match"


def test_precedence_priority_then_lowest_id(session):
    lat, lon = BELLECOUR
    high = RoutingRule(category_code="pothole", zone_kind="commune", zone_code="69123", service_code="mobilier",
                       priority=5, note="test high")
    low = RoutingRule(category_code="pothole", zone_kind="commune", zone_code="69123", service_code="eau",
                      priority=1, note="test low")
    twin = RoutingRule(category_code="pothole", zone_kind="commune", zone_code="69123", service_code="eclairage",
                       priority=5, note="test twin, created later")
    session.add_all([high, low, twin])
    session.flush()
    found = explain(session=session, lat=lat, lon=lon, category="pothole")
    assert found.assignment.rule_id == high.id and found.assignment.service_code == "mobilier"
    reasons = {r["id"]: r["reason_en"] for r in found.rules}
    assert reasons[low.id] == "a rule with a higher priority won"
    assert reasons[twin.id].startswith("same precedence")
    # An arrondissement rule beats every commune rule, whatever its priority.
    arr = RoutingRule(category_code="voirie", zone_kind="arrondissement", zone_code="69382",
                      service_code="proprete", priority=-10, note="test arrondissement")
    session.add(arr)
    session.flush()
    assert explain(session=session, lat=lat, lon=lon, category="pothole").assignment.rule_id == arr.id


def test_no_matching_rule_goes_to_the_triage_queue(session, client):
    session.add(Category(code="abandoned_bike", name_fr="Vélo abandonné", name_en="Abandoned bike"))
    session.flush()
    found = explain(session=session, lat=BELLECOUR[0], lon=BELLECOUR[1], category="abandoned_bike")
    assert found.assignment.triage and found.assignment.service_code is None
    assert "triage" in found.summary_en and all(not r["won"] for r in found.rules)
    created = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                   "category": "abandoned_bike"})
    assert created.status_code == 201
    assert created.json()["commune_code"] == "69123" and created.json()["service_code"] is None
    assert session.scalar(select(Report.service_code).where(Report.id == created.json()["id"])) is None
