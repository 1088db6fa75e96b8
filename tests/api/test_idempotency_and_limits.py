"""Retries never duplicate a report (Idempotency-Key), and anonymous intake is rate-limited per client."""

import json
import socket
import threading
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select, text

from api.ratelimit import RateLimiter, SharedRateLimiter
from core.errors import RateLimited
from dispatch.models import Report
from dispatch.storage import LocalStorage
from tests import photo_files
from tests.conftest import BELLECOUR


def count_reports(session, description):
    return session.scalar(select(func.count()).select_from(Report).where(Report.description == description))


def test_same_multipart_submission_three_times_makes_one_report(client, session, tmp_path):
    client.app.state.photo_storage = LocalStorage(tmp_path / "photos")
    description = f"retry-{uuid.uuid4()}"
    key = str(uuid.uuid4())
    photo = photo_files.phone_jpeg()

    def send():
        return client.post("/api/v1/reports", headers={"Idempotency-Key": key},
                           data={"category": "pothole", "description": description},
                           files=[("photos", ("p.jpg", photo, "image/jpeg"))])

    send()  # the answer to the first attempt is "lost": we never look at it
    second, third = send(), send()
    assert second.status_code == third.status_code == 201
    assert second.json() == third.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_reports(session, description) == 1
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == 2


def test_same_key_with_a_different_submission_is_refused(client, session):
    key = str(uuid.uuid4())
    body = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole", "description": "one"}
    assert client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key}).status_code == 201
    other = client.post("/api/v1/reports", json={**body, "description": "two"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["code"] == "idempotency.key_reused"
    bad = client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": "no spaces!"})
    assert bad.status_code == 400 and bad.json()["code"] == "idempotency.invalid_key"


def test_a_refused_submission_does_not_burn_its_key(client, session):
    key = str(uuid.uuid4())
    body = {"lat": 48.8566, "lon": 2.3522, "category": "pothole", "description": f"paris-{key}"}
    assert client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": key}).status_code == 422
    fixed = {**body, "lat": BELLECOUR[0], "lon": BELLECOUR[1]}
    assert client.post("/api/v1/reports", json=fixed, headers={"Idempotency-Key": key}).status_code == 201


def _raw_post_and_hang_up(url: str, path: str, body: bytes, key: str) -> None:
    """Send a whole request, then close the socket without reading: the answer is lost on the way back."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                      f"Idempotency-Key: {key}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                      ).encode() + body)


def test_first_answer_lost_on_a_real_server_then_two_retries_make_one_report(live_server):
    description = f"lost-answer-{uuid.uuid4()}"
    key = str(uuid.uuid4())
    body = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole", "description": description}
    _raw_post_and_hang_up(live_server.url, "/api/v1/reports", json.dumps(body).encode(), key)
    answers = [httpx.post(live_server("/api/v1/reports"), json=body, headers={"Idempotency-Key": key}, timeout=30)
               for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    with live_server.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports WHERE description = :d"),
                            {"d": description}).scalar_one() == 1


def test_concurrent_retries_on_a_real_server_make_one_report(live_server):
    description = f"concurrent-{uuid.uuid4()}"
    key = str(uuid.uuid4())
    body = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole", "description": description}
    answers: list[httpx.Response] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        answers.append(httpx.post(live_server("/api/v1/reports"), json=body, headers={"Idempotency-Key": key},
                                  timeout=30))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    with live_server.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports WHERE description = :d"),
                            {"d": description}).scalar_one() == 1


def test_anonymous_intake_is_rate_limited_with_retry_after(client, staff_client):
    client.app.state.intake_limiter = RateLimiter(limit=2, window_s=600)
    body = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "pothole"}
    keyed = str(uuid.uuid4())
    assert client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": keyed}).status_code == 201
    assert client.post("/api/v1/reports", json={**body, "description": "2"}).status_code == 201
    limited = client.post("/api/v1/reports", json={**body, "description": "3"}, headers={"Accept-Language": "fr"})
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 600
    problem = limited.json()
    assert problem["code"] == "rate_limited" and problem["title"] == "Trop de requêtes"
    assert problem["retry_after"] == int(limited.headers["Retry-After"])
    # A retry of an accepted submission is answered from the key, not counted again.
    assert client.post("/api/v1/reports", json=body, headers={"Idempotency-Key": keyed}).status_code == 201


def test_rate_limiter_window_slides():
    limiter = RateLimiter(limit=2, window_s=10)
    limiter.hit("a", now=0)
    limiter.hit("a", now=1)
    limiter.hit("b", now=1)
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a", now=5)
    assert refused.value.extra["retry_after"] == 5
    limiter.hit("a", now=10.5)


def test_two_replicas_share_one_count_per_client_in_postgresql(engine):
    from core.db import session_factory

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rate_limit"))
    # Two replicas' limiters: separate objects, separate connections, one database.
    first, second = (SharedRateLimiter(session_factory(engine), "test", limit=3, window_s=600) for _ in range(2))
    first.hit("198.51.100.7")
    second.hit("198.51.100.7")
    first.hit("198.51.100.7")
    with pytest.raises(RateLimited) as refused:
        second.hit("198.51.100.7")
    assert 1 <= refused.value.extra["retry_after"] <= 600
    second.hit("198.51.100.8")  # another client has its own count
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM rate_limit")).scalars().all()
    assert keys and not any("198.51.100" in key for key in keys)  # digests, never the address


def test_app_counts_magic_link_requests_across_two_app_instances(engine, client):
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = client.app.state.settings.model_copy(update={"magic_link_rate_limit": 2})
    with TestClient(create_app(engine, settings=settings)) as one, \
            TestClient(create_app(engine, settings=settings)) as two:
        answers = [c.post("/api/v1/residents/magic-link", json={"email": "nobody@example.org"}).status_code
                   for c in (one, two, one)]
    assert answers == [202, 202, 429]


def test_tracking_page_escapes_what_residents_wrote(client):
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    body = client.post("/api/v1/reports", json={"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "graffiti",
                                                "description": nasty, "contact": {"email": "who@example.org"}}).json()
    page = client.get(f"/reports/{body['ref']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "who@example.org" not in page.text
    assert "Graffiti" in page.text and body["ref"] in page.text and "Received" in page.text
    assert client.get("/reports/RC-0000-0000").status_code == 404
    by_ref = client.get(f"/api/v1/reports/by-ref/{body['ref']}")
    assert by_ref.status_code == 200 and by_ref.json()["id"] == body["id"]
