"""Security headers, request ids, readiness, metrics, and a clean 503 when the database is down."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.app import create_app
from core.pgcluster import free_port
from tests.conftest import BELLECOUR


def csp(response) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d for d in (p.strip() for p in response.headers["content-security-policy"].split(";"))}


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")([^>]*)>(.*?)</script>", re.S)


def test_html_pages_run_only_scripts_carrying_this_requests_nonce(client, staff_client):
    official = staff_client("admin")
    for page in (client.get("/map"), client.get("/docs"), official.get("/dashboard"), official.get("/team")):
        assert page.status_code == 200
        policy = csp(page)
        assert "'unsafe-inline'" not in policy["script-src"]
        nonce = re.search(r"'nonce-([A-Za-z0-9_-]{22,})'", policy["script-src"]).group(1)
        scripts = INLINE_SCRIPT.findall(page.text)
        assert scripts, page.url
        for attributes, body in scripts:  # each inline script is ours: it carries the nonce or a fixed hash
            assert f'nonce="{nonce}"' in attributes or csp_hash(body) in policy["script-src"], body[:80]
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert int(page.headers["content-length"]) == len(page.content)
    assert csp(client.get("/map"))["script-src"] != csp(client.get("/map"))["script-src"]  # a nonce per request


def csp_hash(script: str) -> str:
    import base64
    import hashlib

    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def test_a_script_injected_into_a_page_is_not_allowed_by_its_policy(engine):
    """The policy no longer hashes what the body holds: an injected inline script matches nothing in it."""
    from fastapi.responses import HTMLResponse

    app = create_app(engine)
    injected = "alert(document.cookie)"

    @app.get("/_test/injected")
    def page() -> HTMLResponse:
        return HTMLResponse(f"<!DOCTYPE html><p>Hello</p><script>{injected}</script>")

    with TestClient(app) as client:
        answer = client.get("/_test/injected")
    policy = csp(answer)["script-src"]
    assert csp_hash(injected) not in policy and "'unsafe-inline'" not in policy
    assert "nonce=" not in answer.text


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
    client.app.state.settings = client.app.state.settings.model_copy(update={"metrics_token": "prom-secret"})
    text = client.get("/metrics", headers={"Authorization": "Bearer prom-secret"}).text
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


def test_metrics_are_not_public(client, live_server):
    """Without a token only a loopback peer through no proxy reads them; with one, only its bearer."""
    import httpx

    assert client.get("/metrics").status_code == 403  # the test client is no loopback peer
    assert client.get("/metrics").json()["code"] == "auth.forbidden"
    assert httpx.get(live_server("/metrics"), timeout=10).status_code == 200  # Prometheus beside the process
    proxied = httpx.get(live_server("/metrics"), headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10)
    assert proxied.status_code == 403  # a reverse proxy on loopback forwards the whole internet
    client.app.state.settings = client.app.state.settings.model_copy(update={"metrics_token": "prom-secret"})
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer prom-secret"}).status_code == 200


def test_health_tells_engine_versions_to_administrators_only(client, staff_client):
    anonymous = client.get("/health")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    assert "PostgreSQL" not in anonymous.text and "POSTGIS" not in anonymous.text
    assert staff_client("agent").get("/health").json() == {"status": "ok"}
    body = staff_client("admin").get("/health").json()
    assert "PostgreSQL 1" in body["postgresql"] and "POSTGIS=" in body["postgis"]


def test_ready_says_503_while_the_read_replica_is_away(engine):
    away = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/nothing",
                         connect_args={"connect_timeout": 2})
    with TestClient(create_app(engine, read_engine=away)) as client:
        response = client.get("/ready")
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["status"] == "replica_unavailable"
    assert response.json()["replica"] == {"available": False, "lag_s": None}


def test_ready_refuses_a_read_database_that_is_no_standby(engine, database_url):
    primary_again = create_engine(database_url)  # a second engine on the primary: not in recovery
    with TestClient(create_app(engine, read_engine=primary_again)) as client:
        body = client.get("/ready").json()
    primary_again.dispose()
    assert body["status"] == "replica_unavailable" and body["replica"]["available"] is False
