"""Security headers, request ids, readiness, metrics, and a clean 503 when the database is down."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.app import create_app
from core.pgcluster import free_port
from tests.conftest import BELLECOUR


def csp(response) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d for d in (p.strip() for p in response.headers["content-security-policy"].split(";"))}


def test_html_pages_get_a_csp_with_script_hashes_and_no_unsafe_inline_script(client):
    page = client.get("/map")
    policy = csp(page)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert re.search(r"'sha256-[A-Za-z0-9+/=]+'", policy["script-src"])
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert int(page.headers["content-length"]) == len(page.content)


def test_json_gets_a_locked_down_csp_and_hsts_only_behind_tls(client):
    plain = client.get("/health")
    assert plain.headers["content-security-policy"].startswith("default-src 'none'")
    assert "strict-transport-security" not in plain.headers
    behind_proxy = client.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert behind_proxy.headers["strict-transport-security"].startswith("max-age=")


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)


def test_ready_when_schema_is_at_head(client):
    body = client.get("/ready").json()
    assert body["status"] == "ready" and body["schema"] == body["expected"]


def test_metrics_count_requests_by_route(client):
    client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole"})
    text = client.get("/metrics").text
    assert re.search(r'ruecommune_http_requests_total\{method="POST",route="/api/v1/reports",status="201"\} \d', text)
    assert "ruecommune_overdue_tickets" in text


def test_database_down_gives_503_with_retry_after_not_a_crash():
    dead = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/nothing",
                         connect_args={"connect_timeout": 2})
    with TestClient(create_app(dead)) as client:
        response = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                        "category": "pothole"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "server.unavailable"


def test_a_commit_that_fails_is_never_answered_as_a_success(fresh_database):
    """The transaction commits before the answer goes out: a commit-time failure reaches the client."""
    from sqlalchemy import text

    from api.deps import SessionDep

    engine = create_engine(fresh_database())
    app = create_app(engine)

    @app.post("/_test/deferred-violation", status_code=201)
    def violate(session: SessionDep) -> dict[str, bool]:
        session.execute(text("CREATE TEMP TABLE t (x int UNIQUE DEFERRABLE INITIALLY DEFERRED)"))
        session.execute(text("INSERT INTO t VALUES (1), (1)"))  # only checked at COMMIT
        return {"ok": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/_test/deferred-violation")
    engine.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
