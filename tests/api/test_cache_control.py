"""No cache keeps personal data (issue 14, finding 18): every route of the OpenAPI answers no-store by default.

Walks every GET of the OpenAPI document as an administrator, an agent and an anonymous caller, whatever
the status (an error page is kept by caches too): each answer says `no-store`, but for the few public
resources that choose their own caching and carry no personal data.
"""

import re

from sqlalchemy import text

from tests.conftest import BELLECOUR
from tests.factories import make_ticket

# Public, identical for everyone, personal data free: these set their own Cache-Control.
PUBLIC_CACHE = {"/api/v1/categories", "/api/v1/map/communes", "/tiles/reports/{z}/{x}/{y}.pbf",
                "/photos/{photo_hash}/{size}.jpg"}
PERSONAL = {"/api/v1/auth/me", "/api/v1/staff", "/api/v1/tickets", "/api/v1/tickets/{report_id}",
            "/api/v1/tickets/{report_id}/history", "/api/v1/triage"}


def _filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "1"), path)


def test_every_route_says_no_store_unless_it_is_public_data(client, session, staff_client):
    ticket = make_ticket(session)
    reported = client.post("/api/v1/reports", json={
        "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole",
        "contact": {"name": "Jeanne Martin", "email": "jeanne.cache@example.org"}})
    assert reported.status_code == 201, reported.text
    resident_id = session.execute(text("SELECT id FROM residents WHERE email = 'jeanne.cache@example.org'")).scalar()
    values = {"report_id": str(ticket.id), "ref": ticket.ref, "resident_id": str(resident_id or 1), "fmt": "json",
              "collection_id": "reports", "feature_id": ticket.ref, "service_request_id": ticket.ref,
              "token": ticket.ref, "service_code": "pothole", "z": "14", "x": "8410", "y": "5845",
              "photo_hash": "0" * 64, "size": "display"}
    callers = {"admin": staff_client("admin"), "agent": staff_client("agent"), "anonymous": client}
    paths = [p for p, ops in client.get("/openapi.json").json()["paths"].items() if "get" in ops]
    assert len(paths) > 40
    seen_personal: set[str] = set()
    for path in paths:
        url = _filled(path, values)
        for who, caller in callers.items():
            answer = caller.get(url, params={"email": "jeanne.cache@example.org"})
            assert answer.status_code < 500, (who, url, answer.text)
            cache = answer.headers.get("cache-control")
            if path in PUBLIC_CACHE:
                assert cache == "no-store" or cache.startswith("public"), (who, url, cache)
            else:
                assert cache == "no-store", (who, url, answer.status_code, cache)
            if path in PERSONAL and who == "admin" and answer.status_code == 200:
                seen_personal.add(path)
    assert seen_personal == PERSONAL  # the personal answers were real ones, not only refusals


def test_pages_and_errors_are_no_store_too_and_static_files_keep_their_caching(client):
    assert client.get("/map").headers["cache-control"] == "no-store"
    assert client.get("/nowhere").headers["cache-control"] == "no-store"
    assert client.get("/api/v1/me").headers["cache-control"] == "no-store"  # a refusal, kept by nobody either
    static = client.get("/static/maps.css")
    assert static.status_code == 200 and "cache-control" not in static.headers and static.headers.get("etag")
