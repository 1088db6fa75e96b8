"""What real clients rely on: filters, dates with time zones, jurisdictions, errors everywhere, no personal data."""

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.orm import Session

from dispatch import vocabulary
from tests.conftest import BELLECOUR, PARIS, VILLEURBANNE_TOWN_HALL

V2 = "/open311/v2"
PERSONAL = {"email": "jeanne.martin@example.org", "first_name": "Jeanne", "last_name": "Martinez-Duplessis",
            "phone": "+33612345678", "device_id": "device-4f9a1c", "account_id": "acct-99812"}


def post(client: TestClient, key: str, code: str = "pothole", where: tuple[float, float] = BELLECOUR,
         fmt: str = "json", **extra: str) -> str:
    fields = {"api_key": key, "service_code": code, "lat": str(where[0]), "long": str(where[1]), **extra}
    answer = client.post(f"{V2}/requests.{fmt}", data=fields)
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["service_request_id"])


def listed(client: TestClient, **params: Any) -> list[str]:
    answer = client.get(f"{V2}/requests.json", params=params)
    assert answer.status_code == 200, answer.text
    return [r["service_request_id"] for r in answer.json()]


def set_state(session: Session, ref: str, state: str, created_days_ago: int = 0) -> None:
    session.execute(text("UPDATE reports SET state = :s, created_at = now() - make_interval(days => :d) "
                         "WHERE ref = :r"), {"s": state, "r": ref, "d": created_days_ago})


def test_every_field_is_present_and_ids_are_strings(client: TestClient, open311_key: str) -> None:
    ref = post(client, open311_key, description="Trou profond devant le 12")
    (item,) = client.get(f"{V2}/requests/{ref}.json").json()
    assert len(item) == 18 and item["service_request_id"] == ref and isinstance(item["service_code"], str)
    assert item["zipcode"] is None and item["media_url"] is None
    assert item["address_id"] is None or item["address_id"].startswith("6938")  # the BAN id, when at a number
    assert item["description"] == "Trou profond devant le 12" and item["agency_responsible"] == "Voirie"
    for field in ("requested_datetime", "updated_datetime"):
        moment = datetime.fromisoformat(item[field])
        assert moment.utcoffset() is not None and "." not in item[field]


def test_fine_states_map_to_open_and_closed(client: TestClient, session: Session, open311_key: str) -> None:
    working, done = (post(client, open311_key) for _ in range(2))
    set_state(session, working, "in_progress")
    set_state(session, done, "resolved")
    answer = {r["service_request_id"]: r for r in client.get(f"{V2}/requests.json").json()}
    assert answer[working]["status"] == "open" and "[in_progress]" in answer[working]["status_notes"]
    assert answer[done]["status"] == "closed" and "[resolved]" in answer[done]["status_notes"]
    assert done in listed(client, status="closed") and working not in listed(client, status="closed")
    assert working in listed(client, status="open") and done not in listed(client, status="open")
    assert set(listed(client, status="open,closed")) >= {working, done}
    english = client.get(f"{V2}/requests/{working}.json", headers={"Accept-Language": "en-GB"}).json()[0]
    # The status note is the one vocabulary's sentence for the state, then its code for machines.
    assert english["status_notes"] == f"{vocabulary.description('in_progress', 'en')} [in_progress]"


def test_filters_of_the_spec(client: TestClient, session: Session, open311_key: str) -> None:
    pothole = post(client, open311_key, "pothole")
    graffiti = post(client, open311_key, "graffiti", VILLEURBANNE_TOWN_HALL)
    old = post(client, open311_key, "graffiti")
    set_state(session, old, "new", created_days_ago=200)
    assert old not in listed(client)  # by default, the last 90 days only
    assert set(listed(client, service_code="graffiti")) >= {graffiti} and pothole not in listed(
        client, service_code="graffiti")
    assert set(listed(client, service_code="graffiti,pothole")) >= {graffiti, pothole}
    # service_request_id overrides every other argument, old ones included; case and spaces do not matter
    assert sorted(listed(client, service_request_id=f"{pothole}, {old.lower()}", service_code="graffiti",
                         status="closed")) == sorted([pothole, old])
    long_ago = (datetime.now() - timedelta(days=230)).date().isoformat()
    later = (datetime.now() - timedelta(days=150)).date().isoformat()
    assert old in listed(client, start_date=long_ago, end_date=later)
    assert pothole not in listed(client, end_date=long_ago)


@pytest.mark.parametrize("start", [
    "2020-01-01T00:00:00Z", "2020-01-01T01:00:00+01:00", "2020-01-01T01:00:00+0100", "2020-01-01T01:00:00 01:00",
    "2020-01-01", "2020-01-01T00:00:00.000Z", "2020-01-01 00:00:00", "1577836800",
])
def test_dates_in_the_forms_clients_send(client: TestClient, open311_key: str, start: str) -> None:
    ref = post(client, open311_key)
    assert ref in listed(client, start_date=start)
    assert ref not in listed(client, start_date="2020-01-01T00:00:00Z", end_date="2020-02-01T00:00:00Z")


def test_bad_dates_and_statuses_are_400(client: TestClient) -> None:
    for params in ({"start_date": "yesterday"}, {"status": "pending"}, {"page": "0"}, {"page_size": "x"},
                   {"start_date": "2021-01-02", "end_date": "2021-01-01"}):
        answer = client.get(f"{V2}/requests.json", params=params)
        assert answer.status_code == 400 and answer.json()[0]["code"] == 400, params


def test_pages(client: TestClient, open311_key: str) -> None:
    refs = [post(client, open311_key) for _ in range(5)]
    newest_first = refs[::-1]
    every = listed(client)
    assert every[:5] == newest_first
    assert listed(client, page_size=2) == newest_first[:2]
    assert listed(client, page_size=2, page=2) == newest_first[2:4]
    assert listed(client, page_size="2", page="99") == []


def test_unknown_parameters_are_ignored(client: TestClient, open311_key: str) -> None:
    ref = post(client, open311_key, favourite_colour="blue", extensions="true")
    assert ref in listed(client, favourite_colour="blue", lat="1", radius="xyz")


def test_jurisdiction(client: TestClient, open311_key: str) -> None:
    for value in (None, "", "grandlyon.com", "GrandLyon.com", "lyon.fr"):
        params = {} if value is None else {"jurisdiction_id": value}
        assert client.get(f"{V2}/services.json", params=params).status_code == 200, value
    for fmt in ("json", "xml"):
        answer = client.get(f"{V2}/requests.{fmt}", params={"jurisdiction_id": "sfgov.org"})
        assert answer.status_code == 404 and "jurisdiction_id" in answer.text
    refused = client.post(f"{V2}/requests.json", data={"api_key": open311_key, "jurisdiction_id": "sfgov.org",
                                                        "service_code": "pothole", "lat": "45.75", "long": "4.83"})
    assert refused.status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_in_the_spec_shape_everywhere(client: TestClient, fmt: str) -> None:
    cases = [
        ("GET", f"{V2}/nothing/here.{fmt}", 404), ("GET", f"{V2}/services/no_such_thing.{fmt}", 404),
        ("GET", f"{V2}/requests/RC-0000-0000.{fmt}", 404), ("GET", f"{V2}/tokens/unknown.{fmt}", 404),
        ("DELETE", f"{V2}/requests.{fmt}", 405), ("POST", f"{V2}/services.{fmt}", 405),
        ("POST", f"{V2}/requests.{fmt}", 403),
    ]
    for method, path, status in cases:
        answer = client.request(method, path)
        assert answer.status_code == status, (path, answer.text)
        if fmt == "json":
            assert answer.headers["content-type"].startswith("application/json")
            (error,) = answer.json()
            assert error["code"] == status and error["description"]
        else:
            assert answer.headers["content-type"].startswith("text/xml")
            root = SafeET.fromstring(answer.content)
            assert root.tag == "errors" and root.findtext("error/code") == str(status)
    assert client.get(f"{V2}/services.html").status_code == 400


def test_post_errors(client: TestClient, session: Session, open311_key: str) -> None:
    before = session.execute(text("SELECT count(*) FROM reports")).scalar_one()
    cases = [
        ({"service_code": "pothole", "lat": "45.75", "long": "4.83"}, 403),
        ({"api_key": "wrong", "service_code": "pothole", "lat": "45.75", "long": "4.83"}, 403),
        ({"api_key": open311_key, "lat": "45.75", "long": "4.83"}, 400),
        ({"api_key": open311_key, "service_code": "unicorns", "lat": "45.75", "long": "4.83"}, 404),
        ({"api_key": open311_key, "service_code": "pothole"}, 400),
        ({"api_key": open311_key, "service_code": "pothole", "address_string": "12 rue des zzzzz"}, 400),
        ({"api_key": open311_key, "service_code": "pothole", "address_id": "69382_9999_00001"}, 400),
        ({"api_key": open311_key, "service_code": "pothole", "lat": str(PARIS[0]), "long": str(PARIS[1])}, 400),
        ({"api_key": open311_key, "service_code": "pothole", "lat": "north", "long": "4.83"}, 400),
        ({"api_key": open311_key, "service_code": "pothole", "lat": "145.75", "long": "4.83"}, 400),
        ({"api_key": open311_key, "service_code": "fallen_tree", "lat": "45.75", "long": "4.83"}, 400),
        ({"api_key": open311_key, "service_code": "fallen_tree", "lat": "45.75", "long": "4.83",
          "attribute[blocking]": "maybe"}, 400),
        ({"api_key": open311_key, "service_code": "pothole", "lat": "45.75", "long": "4.83",
          "description": "x" * 4001}, 400),
    ]
    for fields, status in cases:
        answer = client.post(f"{V2}/requests.json", data=fields)
        assert answer.status_code == status, (fields, answer.text)
        assert answer.json()[0]["description"]
    assert session.execute(text("SELECT count(*) FROM reports")).scalar_one() == before


def test_post_multipart_json_and_attributes(client: TestClient, open311_key: str) -> None:
    multipart = client.post(f"{V2}/requests.json", data={
        "api_key": open311_key, "service_code": "illegal_dumping", "lat": "45.7578", "long": "4.832",
        "attribute[volume]": "large", "attribute[kinds][]": ["furniture", "rubble"]},
        files={"media": ("photo.jpg", jpeg(), "image/jpeg")})
    assert multipart.status_code == 200, multipart.text
    ref = multipart.json()[0]["service_request_id"]
    (read,) = client.get(f"{V2}/requests/{ref}.json").json()
    assert read["description"] is None and read["attributes"] == {"volume": "large", "kinds": ["furniture", "rubble"]}
    assert read["media_url"].startswith("http://testserver/photos/") and read["media_url"].endswith("/display.jpg")
    photo = client.get(read["media_url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    not_a_photo = client.post(f"{V2}/requests.json", data={
        "api_key": open311_key, "service_code": "pothole", "lat": "45.7578", "long": "4.832"},
        files={"media": ("photo.jpg", b"\xff\xd8\xff\xe0 not really a photo", "image/jpeg")})
    assert not_a_photo.status_code == 400 and not_a_photo.json()[0]["description"]
    as_json = client.post(f"{V2}/requests.json", json={
        "api_key": open311_key, "service_code": "fallen_tree", "lat": 45.7578, "long": 4.832,
        "attribute": {"blocking": "no"}})
    assert as_json.status_code == 200, as_json.text
    as_xml = client.post(f"{V2}/requests.xml", content=(
        "<?xml version='1.0'?><service_request><api_key>" + open311_key + "</api_key>"
        "<service_code>pothole</service_code><lat>45.7578</lat><long>4.832</long></service_request>").encode(),
        headers={"Content-Type": "text/xml"})
    assert as_xml.status_code == 200, as_xml.text
    assert SafeET.fromstring(as_xml.content).findtext("request/service_request_id").startswith("RC-")
    # the key may come in the query string, as the `open311` client (PyPI) sends it
    in_query = client.post(f"{V2}/requests.json?api_key={open311_key}&jurisdiction_id=grandlyon.com",
                           data={"service_code": "pothole", "lat": "45.7578", "long": "4.832"})
    assert in_query.status_code == 200, in_query.text


def test_a_billion_laughs_is_refused(client: TestClient, open311_key: str) -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            "<service_request><description>&lol2;</description></service_request>")
    answer = client.post(f"{V2}/requests.json", content=bomb.encode(), headers={"Content-Type": "application/xml"})
    assert answer.status_code == 400


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


def test_no_personal_data_through_any_get(client: TestClient, session: Session, open311_key: str) -> None:
    ref = post(client, open311_key, description="Nid-de-poule", **PERSONAL)
    # kept for staff through the platform's intake (the reporter's contact details)...
    stored = session.execute(text(
        "SELECT r.name, r.email, r.phone FROM residents r JOIN report_reporters rr ON rr.resident_id = r.id "
        "JOIN reports p ON p.id = rr.report_id WHERE p.ref = :ref"), {"ref": ref}).one()
    assert tuple(stored) == ("Jeanne Martinez-Duplessis", PERSONAL["email"], PERSONAL["phone"])
    actor = session.execute(text("SELECT e.actor_kind, e.channel FROM report_events e JOIN reports r "
                                 "ON r.id = e.report_id WHERE r.ref = :ref AND e.action = 'created'"), {"ref": ref})
    assert tuple(actor.one()) == ("api_key", "open311")
    # ...and never given out
    bodies = [client.get(f"{V2}/{path}").text for path in (
        "requests.json", "requests.xml", f"requests/{ref}.json", f"requests/{ref}.xml",
        f"tokens/{ref}.json", f"tokens/{ref}.xml")]
    for body in bodies:
        assert ref in body
        for value in PERSONAL.values():
            assert value not in body
