"""Account takeover: a stranger who knows only a resident's email or phone gets nothing of theirs, by any way in.

Every way a resident record is reached (magic link, export, erasure, follow, intake by email, by phone,
agent lookup) is tried by someone who knows the victim's email or phone and nothing else; each test
then checks that the answers carry nothing of the victim's and that the victim's record, consents and
reports are exactly as they were.
"""

import json
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from core import users
from dispatch.models import ReportReporter, Resident, ResidentConsent
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL
from tests.residents_support import app_report, deliver, open_link, session_for, signed_in


@dataclass
class Victim:
    id: int
    name: str
    email: str
    phone: str  # E.164, as stored
    typed_phone: str  # as a person types it
    report: dict
    secrets: tuple[str, ...]


@pytest.fixture
def victim(client, session, smtp_server) -> Victim:
    """Jeanne: a report in Lyon, her email proven by the magic link, her phone proven too, consents all yes."""
    tag = uuid.uuid4().hex[:8]
    digits = str(uuid.uuid4().int)[:8]
    name, email, typed_phone = f"Jeanne Vx{tag}", f"jeanne.{tag}@example.org", f"06{digits}"
    report = app_report(client, {"name": name, "email": email, "phone": typed_phone, "consent_updates": True,
                                 "consent_remember": True}, description=f"Secret de Jeanne {tag}")
    signed_in(client, session, smtp_server, email)
    resident = session.scalars(select(Resident).where(Resident.email == email, Resident.email_verified_at.is_not(
        None))).one()
    # A phone checked by the relations centre (caller ID): the strongest record a stranger could aim at.
    session.execute(text("UPDATE residents SET phone_verified_at = now() WHERE id = :id"), {"id": resident.id})
    session.commit()
    return Victim(id=resident.id, name=name, email=email, phone=f"+336{digits}", typed_phone=typed_phone,
                  report=report, secrets=(f"Vx{tag}", email, digits, report["ref"], f"Secret de Jeanne {tag}"))


def snapshot(session, victim: Victim) -> dict:
    """Everything of the victim's that a takeover would change: the record, every consent line, every report."""
    session.expire_all()
    record = session.get(Resident, victim.id)
    assert record is not None, "the victim's record is gone"
    return {
        "record": (record.name, record.email, record.email_verified_at, record.phone, record.phone_verified_at,
                   record.language, record.merged_into_id),
        "consents": sorted(session.execute(select(ResidentConsent.data_kind, ResidentConsent.purpose,
                                                  ResidentConsent.granted, ResidentConsent.id)
                                           .where(ResidentConsent.resident_id == victim.id)).all()),
        "reports": sorted(session.scalars(select(ReportReporter.report_id)
                                          .where(ReportReporter.resident_id == victim.id)).all()),
    }


def assert_nothing_of(victim: Victim, *answers, knows: str = "") -> None:
    """None of the victim's data in the answers, beyond the one detail the stranger knew and typed."""
    known = {"email": victim.secrets[1], "phone": victim.secrets[2]}.get(knows)
    for answer in answers:
        body = json.dumps(answer) if isinstance(answer, dict) else answer.text
        leaked = [s for s in victim.secrets if s.lower() in body.lower() and s != known]
        assert not leaked, f"the stranger read {leaked} in {body[:300]}"


def stranger_session(client, session, smtp_server, email, contact):
    """A stranger files a report with their own address (and whatever else) and opens their own link."""
    app_report(client, {"email": email, **contact}, description="rien à voir")
    return signed_in(client, session, smtp_server, email)


def test_magic_link_for_the_victims_address_goes_to_the_victim_only(client, session, smtp_server, victim):
    before = snapshot(session, victim)
    asked = client.post("/api/v1/residents/magic-link", json={"email": victim.email})
    assert asked.status_code == 202
    assert_nothing_of(victim, asked)
    deliver(session, smtp_server)
    assert smtp_server.to("mallory@example.net") == []
    # An address that is the victim's plus a second recipient is refused, not sent to both (finding 16).
    local = victim.email.split("@")[0]
    for forged in (f"{local},mallory@example.net", f"{victim.email},mallory@example.net",
                   f"mallory@example.net,{victim.email}",
                   f"{victim.email};mallory@example.net", f'"{victim.email}"@example.net'):
        refused = client.post("/api/v1/residents/magic-link", json={"email": forged})
        assert refused.status_code == 422, forged
    deliver(session, smtp_server)
    assert smtp_server.to("mallory@example.net") == []
    assert snapshot(session, victim) == before


def test_export_through_a_shared_phone_gives_the_stranger_only_their_own_data(client, session, smtp_server, victim):
    """Finding 1's chain: the victim's phone typed beside the stranger's own address, then /me/data."""
    before = snapshot(session, victim)
    bearer = stranger_session(client, session, smtp_server, "mallory@example.net",
                              {"phone": victim.typed_phone, "name": "Mallory"})
    exported = client.get("/api/v1/me/data", headers=bearer)
    assert exported.status_code == 200
    assert_nothing_of(victim, exported, client.get("/api/v1/me", headers=bearer), knows="phone")
    assert [r["email"] for r in exported.json()["records"]] == ["mallory@example.net"]
    assert snapshot(session, victim) == before


def test_export_through_an_unverified_record_that_shares_the_victims_phone(client, session, smtp_server, victim):
    """The issue's exact chain: {victim email, phone X} then {attacker email, phone X}, link, /me/data."""
    before = snapshot(session, victim)
    shared = "07 11 22 33 44"
    app_report(client, {"email": victim.email, "phone": shared}, description="un")
    bearer = stranger_session(client, session, smtp_server, "mallory@example.net", {"phone": shared})
    exported = client.get("/api/v1/me/data", headers=bearer)
    assert exported.status_code == 200
    assert_nothing_of(victim, exported)
    assert snapshot(session, victim) == before


def test_erasure_by_a_stranger_sharing_the_victims_phone_erases_only_the_stranger(client, session, smtp_server,
                                                                                 victim):
    before = snapshot(session, victim)
    bearer = stranger_session(client, session, smtp_server, "mallory@example.net", {"phone": victim.typed_phone})
    app_report(client, {"email": "mallory@example.net", "phone": victim.typed_phone}, description="deux")
    erased = client.delete("/api/v1/me", headers=bearer)
    assert erased.status_code == 200, erased.text
    assert victim.report["id"] not in erased.json()["reports"]
    assert snapshot(session, victim) == before
    # And the victim still gets in with her own link.
    mine = client.get("/api/v1/me/reports", headers=session_for(client, session, victim.email))
    assert victim.report["ref"] in {r["ref"] for r in mine.json()}


def test_intake_with_the_victims_email_neither_joins_nor_changes_her_record(client, session, staff_client, victim):
    before = snapshot(session, victim)
    filed = app_report(client, {"email": victim.email.upper(), "phone": "07 99 99 99 99", "name": "Mallory",
                                "consent_updates": False, "consent_remember": False}, description="faux")
    assert_nothing_of(victim, filed)
    holder = session.scalars(select(ReportReporter.resident_id).where(ReportReporter.report_id == filed["id"])).one()
    assert holder != victim.id
    assert snapshot(session, victim) == before
    card = staff_client("agent").get(f"/api/v1/agent/residents/{victim.id}").json()
    assert filed["ref"] not in {r["ref"] for r in card["reports"]}
    assert card["resident"]["consents"] == {"report_updates": True, "remember_me": True}


def test_intake_with_the_victims_phone_neither_joins_nor_changes_her_record(client, session, victim):
    before = snapshot(session, victim)
    for contact in ({"phone": victim.typed_phone}, {"phone": victim.phone, "email": "mallory@example.net"},
                    {"phone": victim.typed_phone, "consent_updates": False, "consent_remember": False}):
        filed = app_report(client, contact, description="faux")
        assert_nothing_of(victim, filed)
        holder = session.scalars(select(ReportReporter.resident_id)
                                 .where(ReportReporter.report_id == filed["id"])).one()
        assert holder != victim.id
    assert snapshot(session, victim) == before


def test_open311_intake_with_the_victims_contacts_does_not_reach_her(client, session, victim):
    _key, clear = users.create_api_key(session=session, name="Partner app", role="partner")
    session.commit()
    before = snapshot(session, victim)
    answer = client.post("/open311/v2/requests.json", data={
        "api_key": clear, "service_code": "pothole", "lat": BELLECOUR[0], "long": BELLECOUR[1], "description": "faux",
        "email": victim.email, "phone": victim.typed_phone, "first_name": "Mallory"})
    assert answer.status_code in (200, 201), answer.text
    assert_nothing_of(victim, answer)
    assert snapshot(session, victim) == before


def test_following_a_report_with_the_victims_contacts_does_not_reach_her(client, session, victim):
    before = snapshot(session, victim)
    target = app_report(client, {"email": "someone@example.net"}, description="un autre trou")
    for contact in ({"email": victim.email, "consent_updates": False, "consent_remember": False},
                    {"phone": victim.typed_phone}):
        followed = client.post(f"/api/v1/reports/by-ref/{target['ref']}/follow", json={"contact": contact})
        assert followed.status_code == 201, followed.text
        assert_nothing_of(victim, followed)
    assert snapshot(session, victim) == before
    followers = session.scalars(select(ReportReporter.resident_id).where(ReportReporter.report_id == target["id"],
                                                                         ReportReporter.role == "follower")).all()
    assert victim.id not in followers


def test_agent_lookup_by_the_strangers_details_never_finds_the_victim(client, session, staff_client, victim):
    before = snapshot(session, victim)
    # The stranger types the victim's email beside their own phone, then calls from that phone.
    app_report(client, {"email": victim.email, "phone": "07 12 12 12 12", "consent_remember": True})
    agent = staff_client("agent")
    found = agent.get("/api/v1/agent/residents", params={"phone": "07 12 12 12 12"})
    assert found.status_code == 200
    assert victim.id not in {c["resident"]["id"] for c in found.json()}
    assert_nothing_of(victim, found, knows="email")
    assert snapshot(session, victim) == before


def test_commune_agent_cannot_widen_their_scope_by_writing(client, session, staff_client, victim):
    """Finding 2: a Villeurbanne agent attaches a report to a Lyon resident, then reads her card."""
    before = snapshot(session, victim)
    villeurbanne = staff_client("commune_staff", commune_code="69266")
    where = {"lat": VILLEURBANNE_TOWN_HALL[0], "lon": VILLEURBANNE_TOWN_HALL[1], "category": "graffiti",
             "channel": "commune_office"}
    by_id = villeurbanne.post("/api/v1/agent/reports", json={**where, "resident_id": victim.id})
    assert by_id.status_code == 403
    by_email = villeurbanne.post("/api/v1/agent/reports", json={
        **where, "contact": {"email": victim.email}, "email_verified": True})
    assert by_email.status_code == 403
    by_phone = villeurbanne.post("/api/v1/agent/reports", json={
        **where, "contact": {"phone": victim.typed_phone}, "phone_verified": True})
    assert by_phone.status_code == 403
    # What they may still do (type the details as given) opens nothing either.
    typed = villeurbanne.post("/api/v1/agent/reports", json={
        **where, "contact": {"email": victim.email, "phone": victim.typed_phone, "consent_remember": False}})
    assert typed.status_code == 201, typed.text
    card = villeurbanne.get(f"/api/v1/agent/residents/{victim.id}")
    assert card.status_code == 403
    assert_nothing_of(victim, by_id, by_email, by_phone, typed, card,
                      villeurbanne.get("/api/v1/agent/residents", params={"email": victim.email}),
                      villeurbanne.get("/api/v1/agent/residents", params={"phone": victim.typed_phone}))
    assert snapshot(session, victim) == before


def test_commune_agent_cannot_read_a_resident_through_a_report_they_entered_themselves(client, session,
                                                                                      staff_client, victim):
    """Scope follows what others recorded: a relations-centre agent files for Jeanne in Villeurbanne; the
    Villeurbanne agent who entered nothing sees her, but one who widens by their own entry does not."""
    agent = staff_client("agent")
    where = {"lat": VILLEURBANNE_TOWN_HALL[0], "lon": VILLEURBANNE_TOWN_HALL[1], "category": "graffiti"}
    villeurbanne = staff_client("commune_staff", commune_code="69266")
    assert villeurbanne.get(f"/api/v1/agent/residents/{victim.id}").status_code == 403
    filed = agent.post("/api/v1/agent/reports", json={**where, "channel": "phone", "resident_id": victim.id})
    assert filed.status_code == 201, filed.text
    card = villeurbanne.get(f"/api/v1/agent/residents/{victim.id}")
    assert card.status_code == 200
    assert [r["ref"] for r in card.json()["reports"]] == [filed.json()["ref"]]  # her Lyon report stays hidden


def test_consents_change_only_through_the_resident_or_her_recorded_request(client, session, staff_client, victim):
    """Finding 3: intakes matching her contacts leave her consents alone; an agent records her request."""
    agent = staff_client("agent")
    base = {"lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "graffiti", "channel": "phone"}
    # An agent filing on her record with the intake's default (false) consents changes nothing of hers...
    filed = agent.post("/api/v1/agent/reports", json={**base, "resident_id": victim.id,
                                                      "contact": {"consent_updates": False,
                                                                  "consent_remember": False}})
    assert filed.status_code == 201, filed.text
    assert agent.get(f"/api/v1/agent/residents/{victim.id}").json()["resident"]["consents"] == {
        "report_updates": True, "remember_me": True}
    before = snapshot(session, victim)
    app_report(client, {"email": victim.email, "phone": victim.typed_phone, "consent_updates": False,
                        "consent_remember": False})
    assert snapshot(session, victim) == before
    # ...whereas her request, taken by phone, is recorded with the agent and the channel.
    recorded = agent.post(f"/api/v1/agent/residents/{victim.id}/consents",
                          json={"channel": "phone", "consent_updates": False})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["resident"]["consents"] == {"report_updates": False, "remember_me": True}
    lines = session.scalars(select(ResidentConsent).where(ResidentConsent.resident_id == victim.id,
                                                          ResidentConsent.purpose == "report_updates")
                            .order_by(ResidentConsent.id.desc())).first()
    assert (lines.granted, lines.channel, lines.recorded_by_staff_id) == (False, "phone", agent.staff["id"])
    # A commune agent outside her scope cannot record anything for her.
    villeurbanne = staff_client("commune_staff", commune_code="69266")
    assert villeurbanne.post(f"/api/v1/agent/residents/{victim.id}/consents",
                             json={"channel": "phone", "consent_remember": False}).status_code == 403


def test_dont_remember_me_is_enforced(client, session, staff_client):
    """Finding 3: a resident who declined "remember me" is not recognised on another channel."""
    app_report(client, {"phone": "06 55 44 33 22", "email": "discret@example.org", "consent_remember": False})
    agent = staff_client("agent")
    assert agent.get("/api/v1/agent/residents", params={"phone": "06 55 44 33 22"}).json() == []
    assert agent.get("/api/v1/agent/residents", params={"email": "discret@example.org"}).json() == []
    # A phone the relations centre checks does not join the declined record either: a record of its own.
    entered = agent.post("/api/v1/agent/reports", json={
        "lat": BELLECOUR[0], "lon": BELLECOUR[1], "category": "graffiti", "channel": "phone",
        "contact": {"phone": "06 55 44 33 22"}, "phone_verified": True})
    assert entered.status_code == 201
    holders = session.scalars(select(ReportReporter.resident_id).join(Resident, Resident.id ==
                                                                      ReportReporter.resident_id)
                              .where(Resident.phone == "+33655443322")).all()
    assert len(set(holders)) == 2
    # Having said yes, the same person is recognised.
    app_report(client, {"phone": "06 55 44 33 11", "consent_remember": True})
    assert len(agent.get("/api/v1/agent/residents", params={"phone": "06 55 44 33 11"}).json()) == 1


def test_the_victims_own_link_still_works_and_shows_only_hers(client, session, smtp_server, victim):
    before = snapshot(session, victim)
    bearer = open_link(client, _link_token(session, smtp_server, victim.email))
    me = client.get("/api/v1/me", headers=bearer)
    assert me.status_code == 200 and me.json()["resident"]["id"] == victim.id
    assert snapshot(session, victim) == before


def _link_token(session, smtp_server, address):
    from dispatch import magic_links

    return magic_links.issue_link(session=session, email=address)
