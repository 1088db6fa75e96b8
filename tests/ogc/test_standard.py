"""OGC API - Features to the letter: counts and links, strict parameters, declared parameters, real extents, CRS."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL
from tests.ogc.test_features import file

ITEMS = "/ogc/collections/reports/items"
ENDPOINTS = ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/reports",
             ITEMS, "/ogc/collections/communes/items", "/ogc/collections/communes/items/69266"]
# Ten unknown or malformed parameters for each endpoint; the items endpoints read all of them, the others
# read none of them but f, so each one is wrong everywhere.
BAD: list[dict[str, str]] = [
    {"unknown": "1"}, {"LIMIT": "10"}, {"f": "html"}, {"limit": "0"}, {"limit": "ten"},
    {"bbox": "4.8,45.7,4.9"}, {"bbox": "4.8,45.7,nan,45.8"}, {"datetime": "yesterday"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, {"bbox-crs": "EPSG:2154"},
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_ten_unknown_or_malformed_parameters_are_ten_problems(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200, path
    for params in BAD:
        answer = client.get(path, params=params)
        assert answer.status_code == 400, (path, params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json"), (path, params)
        problem = answer.json()
        assert problem["status"] == 400 and problem["detail_en"] and problem["detail_fr"], (path, params)


def test_counts_and_links_walk_every_page(client: TestClient, session: Session) -> None:
    for _ in range(5):
        file(session, BELLECOUR)
    total = client.get(ITEMS, params={"limit": "1"}).json()["numberMatched"]
    assert total >= 5
    seen: list[str] = []
    page: dict[str, Any] = client.get(ITEMS, params={"limit": "2"}).json()
    while True:
        assert page["numberMatched"] == total and page["numberReturned"] == len(page["features"]) <= 2
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert "self" in rels and ("prev" in rels) == bool(seen)
        seen += [f["id"] for f in page["features"]]
        if "next" not in rels:
            break
        page = client.get(rels["next"]).json()
    assert len(seen) == len(set(seen)) == total
    last = client.get(ITEMS, params={"limit": "2", "offset": str(total)}).json()
    assert last["numberReturned"] == 0 and "next" not in {link["rel"] for link in last["links"]}
    assert client.get(ITEMS, params={"limit": "99999"}).json()["numberReturned"] == total  # clamped, not refused


def test_the_openapi_document_declares_every_parameter(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    declared = {p["name"]: p for p in document["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]}
    assert {"limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "f", "collection_id"} <= set(declared)
    assert declared["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}
    assert declared["bbox"]["explode"] is False and declared["bbox"]["style"] == "form"
    assert "http://www.opengis.net/def/crs/EPSG/0/2154" in declared["crs"]["schema"]["enum"]
    one = {p["name"] for p in document["paths"]["/ogc/collections/{collection_id}/items/{feature_id}"]["get"][
        "parameters"]}
    assert {"crs", "f"} <= one


def test_extents_come_from_the_data(client: TestClient, session: Session) -> None:
    file(session, BELLECOUR)
    file(session, VILLEURBANNE_TOWN_HALL)
    session.execute(text("UPDATE reports SET created_at = '2025-02-03T04:05:06Z' WHERE id = "
                         "(SELECT min(id) FROM reports)"))
    session.flush()
    reports = client.get("/ogc/collections/reports").json()["extent"]
    expected = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM reports "
        "WHERE merged_into_id IS NULL AND state NOT IN ('rejected')) s")).one()
    assert reports["spatial"]["bbox"][0] == pytest.approx(list(expected), abs=1e-6)
    (start, end), = reports["temporal"]["interval"]
    assert start is not None and start <= "2025-02-03T04:05:06Z" and end is not None and end > start
    communes = client.get("/ogc/collections/communes").json()["extent"]["spatial"]["bbox"][0]
    box = session.execute(text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e "
                               "FROM zones WHERE kind = 'commune' AND valid_to IS NULL) s")).one()
    assert communes == pytest.approx(list(box), abs=1e-6) and communes != [4.6, 45.55, 5.1, 45.95]


def test_crs_lambert93_and_epsg4326(client: TestClient, session: Session) -> None:
    ref = file(session, BELLECOUR)
    lambert = client.get(f"{ITEMS}/{ref}", params={"crs": "http://www.opengis.net/def/crs/EPSG/0/2154"})
    assert lambert.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/2154>"
    x, y = lambert.json()["geometry"]["coordinates"]
    expected = session.execute(text("SELECT round(ST_X(geom_l93)::numeric, 2), round(ST_Y(geom_l93)::numeric, 2) "
                                    "FROM reports WHERE ref = :r"), {"r": ref}).one()
    assert (x, y) == (float(expected[0]), float(expected[1])) and 840_000 < x < 845_000 and 6_515_000 < y < 6_522_000
    crs84 = client.get(f"{ITEMS}/{ref}")
    assert crs84.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert crs84.json()["geometry"]["coordinates"] == [BELLECOUR[1], BELLECOUR[0]]
    latlon = client.get(f"{ITEMS}/{ref}", params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"}).json()
    assert latlon["geometry"]["coordinates"] == [BELLECOUR[0], BELLECOUR[1]]
    # a bbox in Lambert-93 around the report finds it; one a kilometre away does not
    near = f"{x - 50},{y - 50},{x + 50},{y + 50}"
    far = f"{x + 1000},{y + 1000},{x + 1100},{y + 1100}"
    lambert_bbox = {"bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/2154", "limit": "1000"}
    assert ref in {f["id"] for f in client.get(ITEMS, params={"bbox": near, **lambert_bbox}).json()["features"]}
    assert ref not in {f["id"] for f in client.get(ITEMS, params={"bbox": far, **lambert_bbox}).json()["features"]}
    communes = client.get("/ogc/collections/communes/items",
                          params={"crs": "http://www.opengis.net/def/crs/EPSG/0/2154", "limit": "1"}).json()
    first = communes["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 780_000 < first[0] < 900_000 and 6_450_000 < first[1] < 6_600_000
    collection = client.get("/ogc/collections/communes").json()
    assert "http://www.opengis.net/def/crs/EPSG/0/2154" in collection["crs"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in client.get(
        "/ogc/conformance").json()["conformsTo"]


@pytest.mark.parametrize("crs", ["http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                                 "http://www.opengis.net/def/crs/EPSG/0/2154"])
def test_every_zone_outline_is_valid_as_written(client: TestClient, session: Session, crs: str) -> None:
    srid = 2154 if crs.endswith("2154") else 4326
    for collection in ("communes", "arrondissements"):
        features = client.get(f"/ogc/collections/{collection}/items", params={"limit": "1000", "crs": crs}).json()
        assert features["numberReturned"] == features["numberMatched"] > 0
        for feature in features["features"]:
            valid, reason = session.execute(text(
                "SELECT ST_IsValid(g), ST_IsValidReason(g) FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), :s) g) x"),
                {"g": __import__("json").dumps(feature["geometry"]), "s": srid}).one()
            assert valid, (collection, feature["properties"]["name"], reason)
