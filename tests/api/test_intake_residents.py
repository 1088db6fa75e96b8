"""Tell us once: one resident record whatever the channel, agents who see earlier reports, magic links."""

import re
from functools import partial

from sqlalchemy import select

from dispatch import mailer, outbox, residents
from dispatch.models import Report, ReportEvent, ReportReporter, Resident, ResidentConsent
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL
from tests.factories import told

APP_CONTACT = {"name": "Jeanne Martin", "email": "Jeanne.Martin@Example.org", "phone": "06 12 34 56 78",
               "language": "fr", "consent_updates": True, "consent_remember": True}


def app_report(client, contact=None, where=BELLECOUR, description="Nid-de-poule rue de la République"):
    response = client.post("/api/v1/reports", json={
        "lat": where[0], "lon": where[1], "category": "pothole", "description": description,
        "contact": contact or APP_CONTACT})
    assert response.status_code == 201, response.text
    return response.json()


def magic_token(session, smtp_server, address):
    """Deliver the queued magic-link email through real SMTP and read the token out of it."""
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    while outbox.deliver_one(session=session, handlers=handlers) is not None:
        pass
    mails = smtp_server.to(address)
    assert mails, "no magic-link email arrived"
    body = mails[-1].get_content()
    return re.search(r"#token=([\w\-.]+)", body).group(1)


def test_app_report_records_the_resident_consents_and_no_personal_data_in_public(client, session):
    body = app_report(client)
    assert "Jeanne" not in str(body) and "example.org" not in str(body) and "612345678" not in str(body)
    reporter = session.scalars(select(ReportReporter).where(ReportReporter.report_id == body["id"])).one()
    resident = session.get(Resident, reporter.resident_id)
    assert (resident.email, resident.phone) == ("jeanne.martin@example.org", "+33612345678")
    assert resident.email_verified_at is None  # typed in the app: not proven yet
    assert reporter.role == "original" and reporter.contact_consent is True
    consents = session.scalars(select(ResidentConsent).where(ResidentConsent.resident_id == resident.id)).all()
    assert {(c.data_kind, c.purpose, c.granted) for c in consents} == {
        ("email", "report_updates", True), ("phone", "report_updates", True),
        ("name", "remember_me", True), ("email", "remember_me", True), ("phone", "remember_me", True)}
    assert told(session, body["id"]) == [
        ("jeanne.martin@example.org", "fr")]
    page = client.get(f"/reports/{body['ref']}")
    assert page.status_code == 200
    for secret in ("Jeanne", "Martin", "example.org", "06 12", "+336"):
        assert secret not in page.text


def test_agent_phone_entry_joins_the_app_resident_and_sees_earlier_reports(client, session, staff_client,
                                                                              smtp_server):
    first = app_report(client)
    # The resident opens the magic link once: their email is now verified.
    assert client.post("/api/v1/residents/magic-link", json={"email": "jeanne.martin@example.org"}).status_code == 202
    token = magic_token(session, smtp_server, "jeanne.martin@example.org")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["resident"]["email_verified"] is True

    agent = staff_client("agent")
    # The caller gives her email on the phone; the agent finds her record and everything she filed before.
    cards = agent.get("/api/v1/agent/residents", params={"email": "JEANNE.martin@example.org"}).json()
    assert len(cards) == 1
    card = cards[0]
    assert card["resident"]["phone"] == "+33612345678" and card["resident"]["name"] == "Jeanne Martin"
    assert [r["ref"] for r in card["reports"]] == [first["ref"]]
    assert card["resident"]["consents"] == {"report_updates": True, "remember_me": True}

    entered = agent.post("/api/v1/agent/reports", json={
        "lat": VILLEURBANNE_TOWN_HALL[0], "lon": VILLEURBANNE_TOWN_HALL[1], "category": "broken_streetlight",
        "description": "Lampadaire éteint", "channel": "phone",
        "contact": {"email": "jeanne.martin@example.org", "consent_updates": True}})
    assert entered.status_code == 201, entered.text
    second = entered.json()
    assert second["channel"] == "phone"
    report = session.get(Report, second["id"])
    assert report.entered_by_staff_id == agent.staff["id"]
    created = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)).one()
    assert (created.actor_kind, created.actor_id, created.role, created.channel) == (
        "staff", f"staff:{agent.staff['id']}", "agent", "phone")
    joined = {r.resident_id for r in session.scalars(select(ReportReporter).where(
        ReportReporter.report_id.in_([first["id"], second["id"]])))}
    assert len(joined) == 1
    assert session.scalar(select(Resident.id).where(Resident.email == "jeanne.martin@example.org")
                          .where(Resident.merged_into_id.is_(None))) == joined.pop()
    again = agent.get("/api/v1/agent/residents", params={"phone": "+33 6 12 34 56 78"}).json()
    assert {r["ref"] for r in again[0]["reports"]} == {first["ref"], second["ref"]}
    mine = client.get("/api/v1/me/reports", headers={"Authorization": f"Bearer {token}"}).json()
    assert {r["ref"] for r in mine} == {first["ref"], second["ref"]}


def test_agent_verified_phone_joins_the_record_without_an_email(client, session, staff_client):
    first = app_report(client, contact={"phone": "0699887766", "consent_updates": True})
    agent = staff_client("agent")
    second = agent.post("/api/v1/agent/reports", json={
        "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "graffiti", "channel": "counter",
        "contact": {"phone": "06 99 88 77 66"}, "phone_verified": True}).json()
    holders = {r.resident_id for r in session.scalars(select(ReportReporter).where(
        ReportReporter.report_id.in_([first["id"], second["id"]])))}
    assert len(holders) == 1


def test_a_verified_email_is_found_again_but_unverified_input_never_rewrites_it(client, session):
    first = app_report(client)
    jeanne = residents.verify_email(session=session, email="jeanne.martin@example.org")
    # Whoever types Jeanne's verified email files into her record (she sees it in "my reports"), but an
    # unproven phone number typed with it does not replace hers, and they learn nothing about her.
    other = app_report(client, contact={"email": "jeanne.martin@example.org", "phone": "0700000000",
                                        "name": "Someone Else"}, description="autre")
    assert "Jeanne" not in str(other) and "0612" not in str(other)
    owner = session.scalars(select(ReportReporter).where(ReportReporter.report_id == other["id"])).one()
    assert owner.resident_id == jeanne.id
    session.refresh(jeanne)
    assert (jeanne.phone, jeanne.name) == ("+33612345678", "Jeanne Martin")
    assert {r.ref for r in residents.reports_of(session=session, resident_id=jeanne.id)} == {first["ref"],
                                                                                            other["ref"]}


def test_verifying_an_email_absorbs_the_unverified_twins(client, session):
    one = app_report(client, contact={"email": "paul@example.org", "consent_updates": True})
    two = app_report(client, contact={"email": "paul@example.org", "phone": "0611111111"}, description="deux")
    keeper = residents.verify_email(session=session, email="paul@example.org")
    assert {r.ref for r in residents.reports_of(session=session, resident_id=keeper.id)} == {one["ref"], two["ref"]}
    assert keeper.phone == "+33611111111"


def test_resident_updates_details_once_and_every_channel_sees_it(client, session, staff_client, smtp_server):
    app_report(client)
    client.post("/api/v1/residents/magic-link", json={"email": "jeanne.martin@example.org", "language": "en"})
    token = magic_token(session, smtp_server, "jeanne.martin@example.org")
    mail = smtp_server.to("jeanne.martin@example.org")[-1]
    assert mail["Subject"] == "Your reports on Rue Commune"
    changed = client.patch("/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                           json={"phone": "07 22 33 44 55", "language": "en", "consent_updates": False})
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone"] == "+33722334455" and changed.json()["consents"]["report_updates"] is False
    card = staff_client("agent").get("/api/v1/agent/residents", params={"email": "jeanne.martin@example.org"}).json()
    assert card[0]["resident"]["phone"] == "+33722334455" and card[0]["resident"]["language"] == "en"


def test_magic_link_answers_the_same_for_unknown_addresses_and_bad_tokens_are_refused(client, session,
                                                                                       smtp_server):
    answer = client.post("/api/v1/residents/magic-link", json={"email": "nobody@example.org"})
    assert answer.status_code == 202
    assert outbox.pending(session=session, kind="email") == []
    token = residents.issue_token(email="jeanne.martin@example.org")
    body, signature = token.split(".")
    forged = f"{body}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"  # first char: all 6 bits count
    expired = residents.issue_token(email="jeanne.martin@example.org", ttl_s=-10)
    for bad in (forged, expired, "nonsense", ""):
        response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401
        assert response.json()["code"] == "resident.invalid_token"


def test_commune_staff_cannot_read_a_resident_of_another_commune(client, session, staff_client):
    body = app_report(client)  # in Lyon
    resident_id = session.scalars(select(ReportReporter.resident_id)
                                  .where(ReportReporter.report_id == body["id"])).one()
    villeurbanne = staff_client("commune_staff", commune_code="69266")
    assert villeurbanne.get(f"/api/v1/agent/residents/{resident_id}").status_code == 403
    assert villeurbanne.get("/api/v1/agent/residents", params={"email": "jeanne.martin@example.org"}).json() == []
    lyon = staff_client("commune_staff", commune_code="69123")
    assert lyon.get(f"/api/v1/agent/residents/{resident_id}").status_code == 200
    crew = staff_client("crew", service_code="voirie")
    assert crew.get(f"/api/v1/agent/residents/{resident_id}").status_code == 403
    assert client.get(f"/api/v1/agent/residents/{resident_id}").status_code == 401
