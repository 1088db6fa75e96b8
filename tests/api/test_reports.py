"""The walking skeleton over HTTP: intake routed by PostGIS, reading back, problem+json errors."""

from tests.conftest import BELLECOUR, PARIS, VILLEURBANNE_TOWN_HALL


def post(client, lat, lon, category="pothole", **extra):
    return client.post("/api/v1/reports", json={"lat": lat, "lon": lon, "category": category,
                                                "description": "Trou dans la chaussée", **extra})


def test_report_at_bellecour_is_assigned_to_lyon_and_reads_back(client):
    created = post(client, *BELLECOUR)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["commune_code"] == "69123"
    assert body["commune_name"] == "Lyon"
    assert body["zone_code"] == "69382"  # Bellecour is in the 2nd arrondissement
    read = client.get(f"/api/v1/reports/{body['ref']}")
    assert read.status_code == 200
    assert read.json() == body
    assert created.headers["location"] == f"/api/v1/reports/{body['ref']}"
    # The sequential id opens nothing on a public route (issue 14, #6).
    assert client.get(f"/api/v1/reports/{body['id']}").status_code == 404


def test_report_at_villeurbanne_town_hall_is_assigned_to_villeurbanne(client):
    body = post(client, *VILLEURBANNE_TOWN_HALL).json()
    assert (body["commune_code"], body["commune_name"]) == ("69266", "Villeurbanne")


def test_report_in_paris_is_refused_with_problem_json_naming_the_territory(client):
    response = post(client, *PARIS)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "report.outside_territory"
    assert "Métropole de Lyon" in problem["detail_en"] and "Métropole de Lyon" in problem["detail_fr"]
    assert problem["status"] == 422


def test_problem_follows_accept_language(client):
    response = client.post("/api/v1/reports", json={"lat": PARIS[0], "lon": PARIS[1], "category": "pothole"},
                           headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.json()["title"] == "Lieu hors du territoire"


def test_malformed_body_is_a_problem_not_a_crash(client):
    response = client.post("/api/v1/reports", json={"lat": "north", "lon": 999, "category": ""})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "request.invalid"
    assert {tuple(e["loc"][-1:]) for e in problem["errors"]} >= {("lat",), ("lon",), ("category",)}


def test_unknown_category_and_unknown_report(client):
    assert post(client, *BELLECOUR, category="unicorn").json()["code"] == "report.unknown_category"
    missing = client.get("/api/v1/reports/RC-0000-0000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_intake_writes_the_first_line_of_history(client, session):
    from sqlalchemy import select

    from dispatch.models import ReportEvent

    report_id = post(client, *BELLECOUR).json()["id"]
    events = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id)).all()
    assert [e.action for e in events] == ["created"]
    assert events[0].data["routing"]["commune"] == "69123"
