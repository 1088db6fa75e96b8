"""Duplicates: suggestions in true metres per category radius (across commune borders), following, merging."""

import pytest
from sqlalchemy import select, text

from dispatch import residents
from dispatch.models import Report, ReportEvent
from tests.conftest import BELLECOUR
from tests.factories import told


def offset(session, point, metres, azimuth_deg=90.0):
    """The point `metres` away from `point` (lat, lon) on the ellipsoid, in direction azimuth."""
    row = session.execute(text(
        "SELECT ST_Y(p::geometry), ST_X(p::geometry) FROM (SELECT ST_Project("
        "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :d, radians(:az)) AS p) s"),
        {"lat": point[0], "lon": point[1], "d": metres, "az": azimuth_deg}).one()
    return (row[0], row[1])


def file(client, where, category="pothole", contact=None, description="Trou"):
    body = {"lat": where[0], "lon": where[1], "category": category, "description": description}
    if contact:
        body["contact"] = contact
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def suggestions(client, where, category="pothole"):
    response = client.get("/api/v1/reports/nearby-duplicates",
                          params={"lat": where[0], "lon": where[1], "category": category})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def pothole(client):
    """An open pothole at Bellecour; the pothole category's duplicate radius is 30 m."""
    return file(client, BELLECOUR)


def test_suggested_at_10_m(client, session, pothole):
    found = suggestions(client, offset(session, BELLECOUR, 10))
    assert [f["ref"] for f in found] == [pothole["ref"]]
    assert found[0]["distance_m"] == pytest.approx(10, abs=0.05)
    assert "contact" not in found[0] and set(found[0]) >= {"ref", "state", "distance_m", "lat", "lon"}


def test_suggested_at_the_category_radius_and_not_just_beyond(client, session, pothole):
    at_radius = suggestions(client, offset(session, BELLECOUR, 29.99, azimuth_deg=200))
    assert [f["ref"] for f in at_radius] == [pothole["ref"]]
    assert suggestions(client, offset(session, BELLECOUR, 30.5, azimuth_deg=200)) == []
    # Measured in true metres: north-south and east-west give the same answer (Web Mercator would not).
    assert len(suggestions(client, offset(session, BELLECOUR, 29.9, azimuth_deg=0))) == 1
    assert len(suggestions(client, offset(session, BELLECOUR, 29.9, azimuth_deg=90))) == 1


def test_radius_is_per_category(client, session):
    bin_report = file(client, BELLECOUR, category="missed_pickup")  # radius 100 m
    assert [f["ref"] for f in suggestions(client, offset(session, BELLECOUR, 80), "missed_pickup")] == [
        bin_report["ref"]]
    assert suggestions(client, offset(session, BELLECOUR, 80), "pothole") == []


def test_other_category_closed_and_old_reports_are_not_suggested(client, session, pothole):
    near = offset(session, BELLECOUR, 5)
    assert suggestions(client, near, "graffiti") == []
    session.execute(text("UPDATE reports SET state = 'resolved' WHERE id = :id"), {"id": pothole["id"]})
    assert suggestions(client, near) == []
    session.execute(text("UPDATE reports SET state = 'new', created_at = now() - interval '200 days' "
                         "WHERE id = :id"), {"id": pothole["id"]})
    assert suggestions(client, near) == []


def test_suggested_across_a_commune_border(client, session):
    # The point of Lyon's boundary nearest to Villeurbanne's town hall lies on their shared border.
    border = session.execute(text(
        "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_ClosestPoint(ST_Boundary(geom), "
        "ST_SetSRID(ST_MakePoint(4.8795, 45.7666), 4326)) AS p FROM zones "
        "WHERE kind = 'commune' AND code = '69123' AND valid_to IS NULL) s")).one()
    azimuth = session.execute(text(
        "SELECT degrees(ST_Azimuth(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, "
        "ST_SetSRID(ST_MakePoint(4.8795, 45.7666), 4326)::geography))"), {"lat": border[0], "lon": border[1]}
    ).scalar_one()
    villeurbanne_side = offset(session, border, 8, azimuth)
    lyon_side = offset(session, border, 8, azimuth + 180)
    in_villeurbanne = file(client, villeurbanne_side)
    assert in_villeurbanne["commune_code"] == "69266"
    assert file(client, lyon_side, category="graffiti")["commune_code"] == "69123"
    found = suggestions(client, lyon_side)
    assert [f["ref"] for f in found] == [in_villeurbanne["ref"]]
    assert found[0]["commune_name"] == "Villeurbanne"
    assert found[0]["distance_m"] == pytest.approx(16, abs=0.5)


def test_unknown_category_and_bad_coordinates_are_problems(client):
    assert client.get("/api/v1/reports/nearby-duplicates",
                      params={"lat": 45.75, "lon": 4.83, "category": "unicorn"}).status_code == 422
    assert client.get("/api/v1/reports/nearby-duplicates",
                      params={"lat": 145.75, "lon": 4.83, "category": "pothole"}).status_code == 422


def test_follow_instead_of_filing(client, session, pothole):
    before = session.query(Report).count()
    followed = client.post(f"/api/v1/reports/by-ref/{pothole['ref'].lower()}/follow", json={
        "contact": {"email": "voisin@example.org", "consent_updates": True, "language": "en"}})
    assert followed.status_code == 201, followed.text
    assert followed.json()["ref"] == pothole["ref"]
    assert session.query(Report).count() == before
    assert told(session, pothole["id"]) == [("voisin@example.org", "en")]
    assert client.post(f"/api/v1/reports/by-ref/{pothole['ref']}/follow",
                       json={"contact": {"name": "No way to reach me"}}).status_code == 422


def test_merge_keeps_every_reporter_with_history_on_both(client, session, staff_client):
    a = file(client, BELLECOUR, contact={"email": "a@example.org", "consent_updates": True})
    b = file(client, offset(session, BELLECOUR, 12), contact={"email": "b@example.org", "consent_updates": True,
                                                              "language": "en"}, description="Même trou")
    client.post(f"/api/v1/reports/by-ref/{b['ref']}/follow",
                json={"contact": {"email": "c@example.org", "consent_updates": True}})
    file(client, offset(session, BELLECOUR, 14), contact={"email": "d@example.org", "consent_updates": False},
         description="no updates please")
    d_report = session.scalars(select(Report).order_by(Report.id.desc())).first()
    assert client.post(f"/api/v1/agent/reports/{b['ref']}/merge", json={"into_ref": a["ref"]}).status_code == 401
    agent = staff_client("agent")
    merged = agent.post(f"/api/v1/agent/reports/{b['ref']}/merge", json={"into_ref": a["ref"], "note": "même trou"})
    assert merged.status_code == 200, merged.text
    agent.post(f"/api/v1/agent/reports/{d_report.ref}/merge", json={"into_ref": a["ref"]})
    assert told(session, a["id"]) == [
        ("a@example.org", "fr"), ("b@example.org", "en"), ("c@example.org", "fr")]
    roles = sorted(r.role for r in residents.reporters(session=session, report_id=a["id"]))
    assert roles == ["merged", "merged", "merged", "original"]
    source = session.get(Report, b["id"])
    assert (source.state, source.outcome, source.merged_into_id) == ("closed", "duplicate", a["id"])
    lines = {(e.report_id, e.action) for e in session.scalars(select(ReportEvent).where(
        ReportEvent.report_id.in_([a["id"], b["id"]])))}
    assert {(b["id"], "merged_into"), (a["id"], "merged_from")} <= lines
    # The merged report is no longer suggested; the surviving one is. Merging twice is refused.
    assert [f["ref"] for f in suggestions(client, BELLECOUR)] == [a["ref"]]
    again = agent.post(f"/api/v1/agent/reports/{b['ref']}/merge", json={"into_ref": a["ref"]})
    assert again.status_code == 422 and again.json()["code"] == "report.invalid_merge"
    assert agent.post(f"/api/v1/agent/reports/{a['ref']}/merge", json={"into_ref": a["ref"]}).status_code == 422
    page = client.get(f"/reports/{b['ref']}")
    assert a["ref"] in page.text and "example.org" not in page.text
    # Following a merged report follows the incident it was merged into.
    client.post(f"/api/v1/reports/by-ref/{b['ref']}/follow",
                json={"contact": {"email": "late@example.org", "consent_updates": True}})
    assert ("late@example.org", "fr") in told(session, a["id"])


def test_commune_staff_merge_only_within_their_commune(client, session, staff_client):
    lyon = file(client, BELLECOUR)
    villeurbanne = file(client, (45.7666, 4.8795))
    staff = staff_client("commune_staff", commune_code="69266")
    response = staff.post(f"/api/v1/agent/reports/{villeurbanne['ref']}/merge", json={"into_ref": lyon["ref"]})
    assert response.status_code == 403
