"""The resident on the line (dispatch.callers): found by name, email or phone within the scope, every earlier
request shown together, and the acknowledgement every intake queues."""

import pytest
from sqlalchemy import select

from core.errors import NotFound
from dispatch import callers
from dispatch.outbox import OutboxMessage
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL
from tests.factories import actor
from tests.residents_support import app_report

REMEMBER = {"consent_updates": True, "consent_remember": True}


@pytest.mark.parametrize(("typed", "kind"), [
    ("jeanne@example.org", "email"), ("06 12 34 56 78", "phone"), ("+33.6.12.34.56.78", "phone"),
    ("Jeanne Martin", "name"), ("06 Jeanne", "name")])
def test_what_the_agent_typed(typed, kind):
    assert callers.kind_of(typed) == kind


def test_two_app_reports_typed_with_one_phone_are_one_caller(client, session):
    first = app_report(client, {"name": "Jeanne Martin", "phone": "06 10 20 30 40", **REMEMBER})
    second = app_report(client, {"name": "Jeanne Martin", "phone": "0610203040", **REMEMBER}, description="deux")
    app_report(client, {"name": "Jeanne Martin", "phone": "06 10 20 30 41"}, description="no remember me")
    [caller] = callers.find(session=session, staff=actor("agent"), query="06.10.20.30.40")
    assert [r.ref for r in caller.reports] == [second["ref"], first["ref"]]  # newest first
    assert len(caller.records) == 2 and caller.resident.id == min(caller.records)
    assert caller.consents == {"report_updates": True, "remember_me": True}
    # By name, each record stands alone (two people may share a name); accents and case do not matter.
    named = callers.find(session=session, staff=actor("agent"), query="jeanne MARTÍN")
    assert {c.resident.id for c in named} >= set(caller.records)
    assert all(len(c.records) == 1 for c in named)
    assert callers.find(session=session, staff=actor("agent"), query="%") == []


def test_a_commune_agent_finds_and_opens_only_their_communes_residents(client, session):
    lyon = app_report(client, {"name": "Léo Lyon", "email": "leo@example.org", **REMEMBER})
    app_report(client, {"name": "Léo Lyon", "email": "leo@example.org", **REMEMBER}, where=VILLEURBANNE_TOWN_HALL,
               description="à Villeurbanne")
    villeurbanne = actor("commune_staff", commune_code="69266")
    lyon_staff = actor("commune_staff", commune_code="69123")
    [seen] = callers.find(session=session, staff=lyon_staff, query="leo@example.org")
    assert [r.ref for r in seen.reports] == [lyon["ref"]]  # only Lyon's requests, though both records are his
    [other] = callers.find(session=session, staff=villeurbanne, query="leo@example.org")
    assert all(r.commune_code == "69266" for r in other.reports) and lyon["ref"] not in {r.ref for r in other.reports}
    # A record with nothing in Villeurbanne is neither found nor opened there.
    lyon_only = [i for i in seen.records if i not in other.records]
    assert lyon_only
    with pytest.raises(NotFound):
        callers.get_or_raise(session=session, staff=villeurbanne, resident_id=lyon_only[0])
    assert callers.get_or_raise(session=session, staff=lyon_staff, resident_id=lyon_only[0]).resident.id == \
        lyon_only[0]


def test_every_intake_acknowledges_whoever_agreed_to_hear(client, session):
    told = app_report(client, {"email": "told@example.org", "consent_updates": True})
    silent = app_report(client, {"email": "silent@example.org", "consent_updates": False}, where=BELLECOUR)
    acks = {m.report_id: m.payload for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.report_id.in_([told["id"], silent["id"]]), OutboxMessage.kind == "email"))}
    assert set(acks) == {told["id"]}
    assert acks[told["id"]]["to"] == "told@example.org" and told["ref"] in acks[told["id"]]["subject"]
    assert "signalement reçu" in acks[told["id"]]["subject"]
