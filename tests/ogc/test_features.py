"""OGC API - Features: OWSLib reads the live server; the endpoints honour bbox, datetime and paging; CSV export."""

import csv
import io

from fastapi.testclient import TestClient
from owslib.ogcapi.features import Features
from sqlalchemy import text
from sqlalchemy.orm import Session

from dispatch import service as reports
from dispatch.schemas import ReportCreate
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL, LiveServer

# Around the Presqu'île of Lyon (Bellecour), leaving Villeurbanne out.
PRESQUILE = (4.82, 45.75, 4.84, 45.765)


def file(session: Session, where: tuple[float, float], category: str = "pothole") -> str:
    report = reports.create(session=session, data=ReportCreate(lat=where[0], lon=where[1], category=category,
                                                               description="Trou dans la chaussée"))
    return report.ref


def test_owslib_lists_collections_and_reads_features_in_a_bbox(live_server: LiveServer) -> None:
    with Session(live_server.engine) as session:
        inside, outside = file(session, BELLECOUR), file(session, VILLEURBANNE_TOWN_HALL, "graffiti")
        session.commit()
    api = Features(live_server("/ogc/"))
    assert {"reports", "communes", "arrondissements"} <= set(api.feature_collections())
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in api.conformance()["conformsTo"]
    found = api.collection_items("reports", bbox=list(PRESQUILE), limit=1000)
    refs = {f["id"] for f in found["features"]}
    assert inside in refs and outside not in refs
    for feature in found["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert PRESQUILE[0] <= lon <= PRESQUILE[2] and PRESQUILE[1] <= lat <= PRESQUILE[3]
    communes = api.collection_items("communes", bbox=[4.87, 45.76, 4.88, 45.77])
    assert "Villeurbanne" in {f["properties"]["name"] for f in communes["features"]}
    one = api.collection_item("reports", inside)
    assert one["properties"]["ref"] == inside and one["properties"]["status"] == "open"


def test_landing_conformance_and_collection(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    assert {link["rel"] for link in landing["links"]} >= {"self", "service-desc", "conformance", "data"}
    collection = client.get("/ogc/collections/reports").json()
    assert collection["itemType"] == "feature" and collection["extent"]["spatial"]["bbox"]
    assert client.get("/ogc/collections/unicorns").status_code == 404
    assert client.get("/ogc/collections/reports/items/RC-0000-0000").status_code == 404


def test_datetime_and_paging(client: TestClient, session: Session) -> None:
    old, new = file(session, BELLECOUR), file(session, BELLECOUR)
    session.execute(text("UPDATE reports SET created_at = '2024-03-01T10:00:00Z' WHERE ref = :r"), {"r": old})
    session.flush()

    def refs(**params: str) -> list[str]:
        answer = client.get("/ogc/collections/reports/items", params=params)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/geo+json")
        return [f["id"] for f in answer.json()["features"]]

    assert refs(datetime="2024-01-01T00:00:00Z/2024-12-31T00:00:00Z") == [old]
    assert old in refs(datetime="../2024-06-01T00:00:00Z") and new not in refs(datetime="../2024-06-01T00:00:00Z")
    assert new in refs(datetime="2025-01-01T00:00:00Z/..") and old not in refs(datetime="2025-01-01T00:00:00Z/..")
    assert refs(datetime="2024-03-01T10:00:00Z") == [old]
    every = refs(limit="1000")
    first = client.get("/ogc/collections/reports/items", params={"limit": "1"}).json()
    assert [f["id"] for f in first["features"]] == every[:1] and first["numberReturned"] == 1
    following = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert [f["id"] for f in client.get(following).json()["features"]] == every[1:2]
    assert refs(limit="1", offset="1") == every[1:2]
    for bad in ({"bbox": "1,2,3"}, {"datetime": "last week"}, {"limit": "0"}):
        assert client.get("/ogc/collections/reports/items", params=bad).status_code == 400


def test_csv_export_without_personal_data(client: TestClient, session: Session) -> None:
    ref = file(session, BELLECOUR)
    answer = client.get("/ogc/collections/reports/items", params={"f": "csv", "bbox": ",".join(map(str, PRESQUILE))})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    mine = next(r for r in rows if r["ref"] == ref)
    assert mine["category"] == "pothole" and mine["category_name_fr"] == "Nid-de-poule" and mine["status"] == "open"
    assert float(mine["lat"]) == BELLECOUR[0] and mine["created_at"].endswith("Z")
    assert not {"email", "phone", "name", "device_id", "resident"} & set(rows[0])


def test_a_description_staff_hid_is_in_no_feature_nor_csv(client: TestClient, session: Session) -> None:
    from core.users import Principal
    from dispatch import moderation
    from dispatch.models import Report

    ref = file(session, BELLECOUR)
    report = session.query(Report).filter_by(ref=ref).one()
    report.description = "Le voisin Jean Dupont recommence"
    session.flush()
    assert "Jean Dupont" in client.get(f"/ogc/collections/reports/items/{ref}").text
    moderation.set_description_hidden(session=session, report_id=report.id, hidden=True, version=None,
                                      actor=Principal(kind="staff", id=1, role="admin", name="Agent"))
    session.flush()
    for path in (f"/ogc/collections/reports/items/{ref}", "/ogc/collections/reports/items?limit=1000",
                 "/ogc/collections/reports/items?f=csv"):
        body = client.get(path).text
        assert ref in body and "Jean Dupont" not in body, path
    assert client.get(f"/ogc/collections/reports/items/{ref}").json()["properties"]["description"] is None
