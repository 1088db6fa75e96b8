"""Hostile input costs nothing: injection, traversal, oversized headers and bodies are refused cleanly."""

import socket

import httpx
from sqlalchemy import func, select, text

from dispatch.models import Report
from tests.conftest import BELLECOUR
from tests.photo_files import phone_jpeg

INJECTIONS = ["pothole'; DROP TABLE reports;--", "' OR '1'='1", "1; SELECT pg_sleep(5)", "\" OR 1=1 --"]


def test_sql_injection_in_fields_and_parameters_is_just_data(client, session, staff_client):
    agent = staff_client("agent")
    for attack in INJECTIONS:
        answer = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": attack})
        assert answer.status_code == 422 and answer.json()["code"] == "report.unknown_category"
        stored = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                      "category": "pothole", "description": attack})
        assert stored.status_code == 201 and stored.json()["description"] == attack
        assert client.get("/open311/v2/requests.json", params={"service_code": attack}).status_code < 500
        assert client.get("/api/v1/reports/nearby-duplicates", params={
            "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": attack}).status_code < 500
        assert agent.get("/api/v1/agent/residents", params={"email": attack}).status_code < 500
    assert session.execute(text("SELECT to_regclass('reports')")).scalar() == "reports"
    assert session.scalar(select(func.count()).select_from(Report)) >= len(INJECTIONS)


def test_path_traversal_in_file_names_and_urls_reaches_nothing(client, tmp_path):
    from dispatch.storage import LocalStorage

    client.app.state.photo_storage = LocalStorage(tmp_path / "photos")
    answer = client.post("/api/v1/reports", data={"category": "pothole", "lat": str(BELLECOUR[0]),
                                                 "lon": str(BELLECOUR[1])},
                         files=[("photos", ("../../../../etc/cron.d/evil.jpg", phone_jpeg(), "image/jpeg"))])
    assert answer.status_code == 201, answer.text
    stored = [p for p in (tmp_path / "photos").rglob("*") if p.is_file()]
    assert stored and all(p.is_relative_to(tmp_path / "photos") for p in stored)
    assert not any("evil" in str(p) or "cron" in str(p) for p in tmp_path.rglob("*"))
    for url in ("/photos/..%2F..%2F..%2Fetc%2Fpasswd/display.jpg", "/photos/../../etc/passwd",
                "/static/..%2F..%2Fcore%2Fsettings.py", "/static/../../core/settings.py",
                "/static/vendor/../../../pyproject.toml"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "root:" not in response.text and "RUECOMMUNE" not in response.text


def test_oversized_bodies_are_refused_before_being_read(client):
    huge_json = client.post("/api/v1/reports", content=b'{"description": "' + b"a" * 2_000_000 + b'"}',
                            headers={"content-type": "application/json"})
    assert huge_json.status_code == 413
    assert huge_json.json()["code"] == "request.too_large"
    assert "content-security-policy" in huge_json.headers
    login = client.post("/api/v1/auth/login", content=b"{" + b" " * 3_000_000 + b"}",
                        headers={"content-type": "application/json"})
    assert login.status_code == 413


def test_oversized_headers_are_refused_and_the_server_keeps_serving(live_server):
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        reply = b""
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    assert not reply.startswith(b"HTTP/1.1 200"), reply[:100]
    assert httpx.get(live_server("/health"), timeout=10).status_code == 200


# -- issue 14, finding 11: malformed text and numbers are the client's mistake (4xx), never a 500 ----------

DEEP_LIST = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def _problem(answer, status: int, code: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    if code:
        assert body["code"] == code
    return body


def _open311_error(answer, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()[0]["code"] == status


def test_control_characters_leave_the_open311_xml_feed_well_formed(client):
    from defusedxml import ElementTree

    made = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole",
                                                "description": "trou\x01 ici\x0b\x1f\ufffe, tab\tok"})
    assert made.status_code == 201
    ref = made.json()["ref"]
    for url in ("/open311/v2/requests.xml", f"/open311/v2/requests/{ref}.xml"):
        feed = ElementTree.fromstring(client.get(url).content)  # raises on an ill-formed document
        (mine,) = [r for r in feed.iter("request") if r.findtext("service_request_id") == ref]
        assert mine.findtext("description") == "trou ici, tab\tok"
    assert client.get(f"/open311/v2/requests/{ref}.json").json()[0]["description"].startswith("trou\x01")


def test_nul_bytes_are_refused_as_problems_wherever_they_come_in(client):
    report = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole"}
    _problem(client.post("/api/v1/reports", json={**report, "description": "a\x00b"}), 400,
             "request.invalid_characters")
    _problem(client.post("/api/v1/reports", json={**report, "category": "pot\x00hole"}), 400,
             "request.invalid_characters")
    multipart = client.post("/api/v1/reports", data={k: str(v) for k, v in {**report, "description": "f\x00"}.items()},
                            files=[("photos", ("", b"", "application/octet-stream"))])  # an empty file field
    _problem(multipart, 400, "request.invalid_characters")
    _problem(client.get("/api/v1/map/reports", params={"category": "a\x00b"}), 400, "request.invalid_characters")
    _problem(client.get("/ogc/collections/reports/items/RC-%00"), 400, "request.invalid_characters")
    _open311_error(client.get("/open311/v2/requests.json", params={"service_code": "a\x00b"}), 400)


def test_json_nested_a_thousand_deep_is_a_4xx(client):
    json_type = {"content-type": "application/json"}
    for body in (DEEP_LIST, DEEP_OBJECT, '{"lat": 45.75, "lon": 4.83, "category": "pothole", "description": '
                 + DEEP_LIST + "}"):
        _problem(client.post("/api/v1/reports", content=body, headers=json_type), 400, "request.too_deep")
    _problem(client.post("/api/v1/auth/login", content=DEEP_OBJECT, headers=json_type), 400)
    _open311_error(client.post("/open311/v2/requests.json", content=DEEP_OBJECT, headers=json_type), 400)


def test_numbers_past_what_the_database_holds_are_a_4xx(client):
    huge = "99999999999999999999"
    _problem(client.get("/api/v1/map/reports", params={"after": huge}), 422, "request.invalid")
    _problem(client.get("/map/list", params={"after": huge}), 422, "request.invalid")
    for page in (huge, str(10**17)):
        _open311_error(client.get("/open311/v2/requests.json", params={"page": page}), 400)
        assert client.get("/open311/v2/requests.xml", params={"page": page}).status_code == 400


def test_a_bbox_of_nan_or_infinity_is_a_4xx(client):
    for bbox in ("nan,nan,nan,nan", "4.8,nan,4.9,45.8", "-inf,0,inf,1", "4.8,45.7,4.9,1e999"):
        _problem(client.get("/ogc/collections/reports/items", params={"bbox": bbox}), 400)
        _problem(client.get("/api/v1/map/reports", params={"bbox": bbox}), 422, "map.invalid_filter")
