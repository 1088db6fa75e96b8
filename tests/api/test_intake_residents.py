"""Tell us once: one resident record whatever the channel, agents who see earlier reports, magic links."""

from sqlalchemy import select

from dispatch import magic_links, outbox, residents
from dispatch.models import Report, ReportEvent, ReportReporter, Resident, ResidentConsent
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL
from tests.factories import told
from tests.residents_support import app_report as _app_report
from tests.residents_support import magic_token, open_link, session_for

APP_CONTACT = {"name": "Jeanne Martin", "email": "Jeanne.Martin@Example.org", "phone": "06 12 34 56 78",
               "language": "fr", "consent_updates": True, "consent_remember": True}


def app_report(client, contact=None, where=BELLECOUR, description="Nid-de-poule rue de la République"):
    return _app_report(client, contact or APP_CONTACT, where=where, description=description)


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
    bearer = open_link(client, magic_token(session, smtp_server, "jeanne.martin@example.org"))
    me = client.get("/api/v1/me", headers=bearer)
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

    # Having checked with the caller, the agent files on the record found (an email typed alone would not
    # open it: typed details never join a record).
    entered = agent.post("/api/v1/agent/reports", json={
        "lat": VILLEURBANNE_TOWN_HALL[0], "lon": VILLEURBANNE_TOWN_HALL[1], "category": "broken_streetlight",
        "description": "Lampadaire éteint", "channel": "phone", "resident_id": card["resident"]["id"],
        "contact": {"consent_updates": True}})
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
    again = agent.get("/api/v1/agent/residents", params={"email": "jeanne.martin@example.org"}).json()
    assert {r["ref"] for r in again[0]["reports"]} == {first["ref"], second["ref"]}
    # Her phone was typed, never proven: it does not find her record (anyone may have typed it).
    assert agent.get("/api/v1/agent/residents", params={"phone": "+33 6 12 34 56 78"}).json() == []
    mine = client.get("/api/v1/me/reports", headers=bearer).json()
    assert {r["ref"] for r in mine} == {first["ref"], second["ref"]}


def test_agent_verified_phone_joins_the_record_without_an_email(client, session, staff_client):
    first = app_report(client, contact={"phone": "0699887766", "consent_updates": True, "consent_remember": True})
    agent = staff_client("agent")
    second = agent.post("/api/v1/agent/reports", json={
        "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "graffiti", "channel": "counter",
        "contact": {"phone": "06 99 88 77 66"}, "phone_verified": True}).json()
    holders = {r.resident_id for r in session.scalars(select(ReportReporter).where(
        ReportReporter.report_id.in_([first["id"], second["id"]])))}
    assert len(holders) == 1


def test_typed_details_never_join_a_verified_record_and_its_owner_sees_them_after_proving_the_address(
        client, session, smtp_server):
    first = app_report(client)
    bearer = session_for(client, session, "jeanne.martin@example.org")
    jeanne = residents.verify_email(session=session, email="jeanne.martin@example.org")
    # Whoever types Jeanne's verified email gets a record of their own for that report: her record, her
    # phone and her name stay as they were, and they learn nothing about her.
    other = app_report(client, contact={"email": "jeanne.martin@example.org", "phone": "0700000000",
                                        "name": "Someone Else"}, description="autre")
    assert "Jeanne" not in str(other) and "0612" not in str(other)
    owner = session.scalars(select(ReportReporter).where(ReportReporter.report_id == other["id"])).one()
    assert owner.resident_id != jeanne.id
    session.refresh(jeanne)
    assert (jeanne.phone, jeanne.name) == ("+33612345678", "Jeanne Martin")
    # Staff see her record's own reports; she, having proven the address, also sees the one typed with it.
    assert {r.ref for r in residents.reports_of(session=session, resident_id=jeanne.id)} == {first["ref"]}
    mine = client.get("/api/v1/me/reports", headers=bearer).json()
    assert {r["ref"] for r in mine} == {first["ref"], other["ref"]}


def test_proving_an_email_shows_its_twins_without_taking_their_other_details(client, session):
    one = app_report(client, contact={"email": "paul@example.org", "consent_updates": True})
    two = app_report(client, contact={"email": "paul@example.org", "phone": "0611111111"}, description="deux")
    keeper = residents.verify_email(session=session, email="paul@example.org")
    assert {r.ref for r in residents.reports_of(session=session, resident_id=keeper.id, owner=True)} == {
        one["ref"], two["ref"]}
    # The phone typed with the second report stays with that report: it never becomes the account's.
    assert keeper.phone is None


def test_resident_updates_details_once_and_every_channel_sees_it(client, session, staff_client, smtp_server):
    app_report(client)
    client.post("/api/v1/residents/magic-link", json={"email": "jeanne.martin@example.org", "language": "en"})
    bearer = open_link(client, magic_token(session, smtp_server, "jeanne.martin@example.org"))
    mail = smtp_server.to("jeanne.martin@example.org")[-1]
    assert mail["Subject"] == "Your reports on Rue Commune"
    changed = client.patch("/api/v1/me", headers=bearer,
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
    app_report(client)
    token = magic_links.issue_link(session=session, email="jeanne.martin@example.org")
    forged = ("B" if token[0] == "A" else "A") + token[1:]
    expired = magic_links.issue_link(session=session, email="jeanne.martin@example.org", ttl_s=-10)
    for bad in (forged, expired, "nonsense-token"):
        response = client.post("/api/v1/residents/session", json={"token": bad})
        assert response.status_code == 401
        assert response.json()["code"] == "resident.invalid_token"
    # A link's token is not a session: it opens nothing by itself, and nor does anything else.
    for bad in (token, "rcs_nonsense", ""):
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
