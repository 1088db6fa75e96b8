"""The README's compose stack on a real engine, through its proxy (acceptance items 1 and 5 of issue 21)."""

import io
import uuid

import pytest
from PIL import Image

from tests.deploy.stack import containers, inside_get, proxy, psql, sh, unique_email, wait_for

pytestmark = pytest.mark.deploy
LYON = {"lat": "45.7578", "lon": "4.8320"}  # place Bellecour


def a_photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 90, 40)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def test_health_and_ready_answer_through_the_proxy_and_ready_knows_the_replica():
    with proxy() as http:
        assert http.get("/health").json() == {"status": "ok"}
        ready = http.get("/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["replica"]["available"] is True


def test_the_proxy_compresses_keeps_the_request_id_hides_metrics_and_answers_problems():
    with proxy() as http:
        page = http.get("/api/v1/categories", headers={"Accept-Encoding": "gzip", "X-Request-ID": "ci-req-42"})
        assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
        assert page.headers["x-request-id"] == "ci-req-42"
        assert http.get("/metrics").status_code == 404
        # Larger than the app's own multipart limit (5 x 20 MiB + 1 MiB): the proxy's problem answer.
        big = http.post("/api/v1/reports", content=b"x" * (102 * 1024 * 1024),
                        headers={"Content-Type": "application/octet-stream"})
        assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"


def test_report_with_photo_lands_on_primary_reaches_replica_and_every_replica_serves_its_photo():
    email = unique_email()
    form = {"category": "pothole", "description": f"Nid-de-poule {uuid.uuid4().hex[:6]}", **LYON,
            "contact_email": email, "consent_updates": "true"}
    with proxy() as http:
        filed = http.post("/api/v1/reports", data=form, files=[("photos", ("p.jpg", a_photo(), "image/jpeg"))],
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert filed.status_code == 201, filed.text
    body = filed.json()
    ref = body["ref"]
    assert psql("db", "SELECT count(*) FROM reports WHERE ref = :'ref'", ref=ref) == "1"
    wait_for("the report on the replica",
             lambda: psql("db-replica", "SELECT count(*) FROM reports WHERE ref = :'ref'", ref=ref) == "1", 30)
    photo = body["photos"][0]["display"]
    replicas = containers("api")
    assert len(replicas) == 3
    for name in replicas:
        status, length = inside_get(name, photo)
        assert status == 200 and length > 1000, name
    with proxy() as http:
        assert http.get(photo).headers["content-type"] == "image/jpeg"


def test_a_sign_in_email_reaches_the_smtp_sink_exactly_once():
    email = unique_email()
    with proxy() as http:
        filed = http.post("/api/v1/reports", json={"category": "graffiti", "lat": 45.76, "lon": 4.835,
                                                    "contact": {"email": email, "consent_updates": True}})
        assert filed.status_code == 201, filed.text
        asked = http.post("/api/v1/residents/magic-link", json={"email": email})
        assert asked.status_code == 202, asked.text
    sink = containers("mail-sink")[0]

    def delivered() -> int:
        return int(sh(sink, f"grep -l -i '^To: {email}' /var/mail/sink/Maildir/new/* 2>/dev/null | wc -l").strip())

    wait_for("the email in the sink", delivered, 60)
    # Every worker has had more rounds since: a second copy would be there by now.
    wait_for("the outbox row marked sent",
             lambda: psql("db", "SELECT count(*) FROM outbox WHERE payload->>'to' = :'email' AND sent_at IS NOT NULL",
                          email=email) == "1", 30)
    assert delivered() == 1


def test_the_api_runs_as_an_unprivileged_user():
    for name in containers("api") + containers("worker"):
        assert sh(name, "id -u").strip() == "10001", name
