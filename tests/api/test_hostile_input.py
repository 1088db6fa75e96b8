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
