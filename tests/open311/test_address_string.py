"""Open311 POST with only an address: the request lands at that address; an unknown one gets the spec's error."""

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

V2 = "/open311/v2"


def test_a_request_with_only_address_string_lands_at_that_address(client: TestClient, session: Session,
                                                                   open311_key: str) -> None:
    answer = client.post(f"{V2}/requests.json", data={"api_key": open311_key, "service_code": "pothole",
                                                      "address_string": "12 rue Mercière, 69002 Lyon"})
    assert answer.status_code == 200, answer.text
    ref = answer.json()[0]["service_request_id"]
    row = session.execute(text(
        "SELECT r.commune_code, r.zone_code, r.service_code, r.location_source, r.address, r.address_id, "
        "ST_Equals(r.geom, a.geom) AS at_address FROM reports r JOIN addresses a ON a.id = '69382_0001_00012' "
        "WHERE r.ref = :ref"), {"ref": ref}).mappings().one()
    assert dict(row) == {"commune_code": "69123", "zone_code": "69382", "service_code": "voirie",
                         "location_source": "address", "address": "12 Rue Mercière 69002 Lyon",
                         "address_id": "69382_0001_00012", "at_address": True}
    (item,) = client.get(f"{V2}/requests/{ref}.json").json()
    assert (item["address"], item["address_id"]) == ("12 Rue Mercière 69002 Lyon", "69382_0001_00012")


def test_a_request_with_only_address_id_lands_at_that_address(client: TestClient, session: Session,
                                                               open311_key: str) -> None:
    answer = client.post(f"{V2}/requests.json", data={"api_key": open311_key, "service_code": "pothole",
                                                      "address_id": "69266_0001_00010"})
    assert answer.status_code == 200, answer.text
    ref = answer.json()[0]["service_request_id"]
    commune, address = session.execute(text("SELECT commune_code, address FROM reports WHERE ref = :r"),
                                       {"r": ref}).one()
    assert commune == "69266" and address == "10 Cours Émile Zola 69100 Villeurbanne"


def test_an_unknown_address_is_the_spec_error_with_a_clear_description(client: TestClient, session: Session,
                                                                       open311_key: str) -> None:
    before = session.execute(text("SELECT count(*) FROM reports")).scalar_one()
    answer = client.post(f"{V2}/requests.json", data={"api_key": open311_key, "service_code": "pothole",
                                                      "address_string": "7 impasse Xyzzy, Nulle-Part"})
    assert answer.status_code == 400
    (error,) = answer.json()
    assert error["code"] == 400
    assert "7 impasse Xyzzy, Nulle-Part" in error["description"] and "not found" in error["description"]
    assert "lat and long" in error["description"]
    assert session.execute(text("SELECT count(*) FROM reports")).scalar_one() == before
