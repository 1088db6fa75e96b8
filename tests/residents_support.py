"""Residents in tests: file an app report, receive the magic link by real SMTP, open it for a session."""

import re
from functools import partial

from dispatch import magic_links, mailer, outbox
from tests.conftest import BELLECOUR


def app_report(client, contact, where=BELLECOUR, description="Nid-de-poule rue de la République",
               category="pothole"):
    response = client.post("/api/v1/reports", json={
        "lat": where[0], "lon": where[1], "category": category, "description": description, "contact": contact})
    assert response.status_code == 201, response.text
    return response.json()


def deliver(session, smtp_server):
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    while outbox.deliver_one(session=session, handlers=handlers) is not None:
        pass


def magic_token(session, smtp_server, address):
    """Deliver the queued magic-link email through real SMTP and read the one-time token out of it."""
    deliver(session, smtp_server)
    mails = smtp_server.to(address)
    assert mails, "no magic-link email arrived"
    return re.search(r"#token=([\w\-.]+)", mails[-1].get_content()).group(1)


def open_link(client, token):
    """What the PWA does with the link: spend the token for a session; the bearer header for /me."""
    opened = client.post("/api/v1/residents/session", json={"token": token})
    assert opened.status_code == 201, opened.text
    return {"Authorization": f"Bearer {opened.json()['token']}"}


def signed_in(client, session, smtp_server, address):
    """Ask for the link like a resident, read it from the mailbox, open it: the session's headers."""
    asked = client.post("/api/v1/residents/magic-link", json={"email": address})
    assert asked.status_code == 202, asked.text
    return open_link(client, magic_token(session, smtp_server, address))


def session_for(client, session, address):
    """A session for an address without the mailbox (the link's token straight from the service)."""
    return open_link(client, magic_links.issue_link(session=session, email=address))
