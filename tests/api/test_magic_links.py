"""Magic links: one use each, dead after erasure, a few per address, a rate bucket of their own; one mailbox each."""

import pytest
from sqlalchemy import select

from core.settings import get_settings
from dispatch import magic_links, mailer, outbox
from dispatch.models import Resident
from tests.residents_support import app_report, deliver, magic_token, open_link

EMAIL = "lea.links@example.org"


def test_a_link_opens_once(client, session, smtp_server):
    app_report(client, {"email": EMAIL})
    assert client.post("/api/v1/residents/magic-link", json={"email": EMAIL}).status_code == 202
    token = magic_token(session, smtp_server, EMAIL)
    bearer = open_link(client, token)
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    replay = client.post("/api/v1/residents/session", json={"token": token})
    assert replay.status_code == 401 and replay.json()["code"] == "resident.invalid_token"
    # Nor does the link's token open /me by itself, as it did when it was a reusable bearer.
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_links_and_sessions_die_with_erasure(client, session, smtp_server):
    app_report(client, {"email": EMAIL})
    bearer = open_link(client, magic_links.issue_link(session=session, email=EMAIL))
    unused = magic_links.issue_link(session=session, email=EMAIL)
    assert client.delete("/api/v1/me", headers=bearer).status_code == 200
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert client.post("/api/v1/residents/session", json={"token": unused}).status_code == 401
    assert session.scalars(select(magic_links.ResidentToken)).all() == []


def test_signing_out_ends_the_session(client, session):
    app_report(client, {"email": EMAIL})
    bearer = open_link(client, magic_links.issue_link(session=session, email=EMAIL))
    assert client.delete("/api/v1/me/session", headers=bearer).status_code == 204
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_links_are_limited_per_address_whatever_the_client(client, session, smtp_server):
    app_report(client, {"email": EMAIL})
    limit = get_settings().magic_link_per_address
    for _ in range(limit + 3):
        # The answer never changes, so nobody learns the address is known or its quota spent.
        assert client.post("/api/v1/residents/magic-link", json={"email": EMAIL}).status_code == 202
    deliver(session, smtp_server)
    assert len(smtp_server.to(EMAIL)) == limit


def test_links_have_a_rate_bucket_of_their_own(client, session):
    settings = get_settings()
    client.app.state.intake_limiter.limit = 1
    app_report(client, {"email": EMAIL})
    assert client.post("/api/v1/reports", json={"lat": 45.7578, "lon": 4.832, "category": "pothole"}
                       ).status_code == 429
    # Intake spent its bucket: asking for links still works, up to the links' own bucket.
    for _ in range(settings.magic_link_rate_limit):
        assert client.post("/api/v1/residents/magic-link", json={"email": "x@example.org"}).status_code == 202
    refused = client.post("/api/v1/residents/magic-link", json={"email": "x@example.org"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "link" in refused.json()["detail"]


@pytest.mark.parametrize("address", ["victim,attacker@example.net", "victim@example.org,attacker@example.net",
                                     "victim;attacker@example.net", '"victim,attacker"@example.net',
                                     "Victim <victim@example.org>", "victim@example.org\nBcc: attacker@example.net",
                                     "victim attacker@example.net"])
def test_an_address_reaching_two_mailboxes_is_refused_everywhere(client, session, address):
    """Finding 16: `victim,attacker@…` was one address to our validator and two recipients to SMTP."""
    filed = client.post("/api/v1/reports", json={"lat": 45.7578, "lon": 4.832, "category": "pothole",
                                                 "contact": {"email": address}})
    assert filed.status_code == 422, filed.text
    assert filed.json()["code"] == "resident.invalid_contact"
    assert client.post("/api/v1/residents/magic-link", json={"email": address}).status_code == 422
    assert session.scalars(select(Resident).where(Resident.email.contains("attacker"))).all() == []


def test_the_mailer_never_sends_one_message_to_two_recipients(session):
    """The last line of defence: whatever reaches the outbox, one message goes to one mailbox."""
    for to in ("victim,attacker@example.net", "victim@example.org, attacker@example.net"):
        message = outbox.OutboxMessage(id=1, kind="email", payload={"to": to, "subject": "s", "text": "t"})
        with pytest.raises(ValueError, match="one recipient"):
            mailer.build(message, mailer.SmtpConfig(host="127.0.0.1", port=1, mail_from="a@ruecommune.example"))
