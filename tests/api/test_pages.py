"""Health, docs and the public map: real pages, every asset served by the platform itself."""

import re

from tests.conftest import BELLECOUR

EXTERNAL = re.compile(r"""(?:src|href)=["'](https?:)?//""")


def test_health_shows_postgresql_and_postgis_versions_to_an_administrator(staff_client):
    body = staff_client("admin").get("/health").json()
    assert body["status"] == "ok"
    assert "PostgreSQL 1" in body["postgresql"]
    assert "POSTGIS=" in body["postgis"]


def test_docs_page_loads_swagger_from_the_platform(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/docs/swagger-ui-bundle.js" in page.text
    assert not EXTERNAL.search(page.text)
    assert client.get("/static/docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "Rue Commune"


def test_map_shows_reports_with_local_assets_and_escaped_text(client):
    created = client.post("/api/v1/reports", json={
        "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "graffiti",
        "description": "<img src=x onerror=alert(1)>"}).json()
    page = client.get("/map")
    assert page.status_code == 200
    # The map loads its reports as GeoJSON: the text arrives as data, and the page script sets it as text.
    features = client.get("/api/v1/map/reports").json()["features"]
    assert any(f["properties"]["ref"] == created["ref"] for f in features)
    assert "<img src=x onerror" not in page.text
    scripts = re.findall(r"""<script[^>]+src=["']([^"']+)""", page.text)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    for asset in scripts:
        assert client.get(asset).status_code == 200
