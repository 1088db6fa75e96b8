"""The crew API: idempotent, versioned actions; "fixed" needs an after photo; the route; supervisors."""

import uuid

from dispatch import outbox
from tests.factories import BELLECOUR, make_ticket
from tests.photo_files import phone_jpeg


def key():
    return {"Idempotency-Key": f"crew-{uuid.uuid4()}"}


def test_claim_replayed_with_its_key_changes_nothing_and_a_stale_version_is_409(staff_client, session):
    ticket = make_ticket(session, state="triaged")
    read = ticket.version
    crew = staff_client("crew", service_code="voirie")
    same = key()
    first = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/claim", json={"version": read}, headers=same)
    assert first.status_code == 200, first.text
    assert (first.json()["state"], first.json()["assignee_id"], first.json()["version"]) == (
        "assigned", crew.staff["id"], read + 1)
    again = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/claim", json={"version": read}, headers=same)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replay"] == "true"
    history = crew.get(f"/api/v1/tickets/{ticket.id}/history").json()
    assert [e["to_state"] for e in history].count("assigned") == 1
    # The same action with a new key but the old version: the crew is told what changed meanwhile.
    stale = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/start", json={"version": read}, headers=key())
    assert stale.status_code == 409 and stale.json()["code"] == "ticket.stale_version"
    assert stale.json()["changes"][0]["to_state"] == "assigned"
    other = staff_client("crew", service_code="voirie")
    taken = other.post(f"/api/v1/crews/me/tickets/{ticket.id}/claim", json={"version": read + 1}, headers=key())
    assert taken.status_code == 409 and taken.json()["code"] == "ticket.taken"


def test_resolving_fixed_needs_an_after_photo_which_the_resident_is_sent(staff_client, session):
    from dispatch import residents
    from dispatch.schemas import ContactDetails

    ticket = make_ticket(session, state="triaged")
    resident = residents.find_or_create(session=session, channel="app", contact=ContactDetails(
        email="marie@example.org", language="fr", consent_updates=True))
    residents.attach_reporter(session=session, report_id=ticket.id, resident_id=resident.id, role="original",
                              contact_consent=True, channel="app")
    session.commit()
    crew = staff_client("crew", service_code="voirie")
    version = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/claim", json={"version": ticket.version},
                        headers=key()).json()["version"]
    version = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/start", json={"version": version},
                        headers=key()).json()["version"]
    bare = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/resolve", data={"version": version, "outcome": "fixed"},
                     headers=key())
    assert bare.status_code == 422 and bare.json()["code"] == "ticket.after_photo_required"
    done = crew.post(f"/api/v1/crews/me/tickets/{ticket.id}/resolve",
                     data={"version": version, "outcome": "fixed", "note": "Rebouché"},
                     files={"photo": ("after.jpg", phone_jpeg(), "image/jpeg")}, headers=key())
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["outcome"]) == ("resolved", "fixed")
    mails = [m for m in outbox.pending(session=session, report_id=ticket.id) if m.payload["to"] == "marie@example.org"]
    assert any("/photos/" in m.payload["text"] and "résolu" in m.payload["subject"] for m in mails)


def test_only_the_holder_works_on_a_ticket_and_hand_back_frees_it(staff_client, session):
    ticket = make_ticket(session, state="triaged")
    holder, other = staff_client("crew", service_code="voirie"), staff_client("crew", service_code="voirie")
    version = holder.post(f"/api/v1/crews/me/tickets/{ticket.id}/claim", json={"version": ticket.version},
                          headers=key()).json()["version"]
    refused = other.post(f"/api/v1/crews/me/tickets/{ticket.id}/start", json={"version": version}, headers=key())
    assert refused.status_code == 409 and refused.json()["code"] == "ticket.not_yours"
    back = holder.post(f"/api/v1/crews/me/tickets/{ticket.id}/hand-back",
                       json={"version": version, "note": "Besoin d'une nacelle"}, headers=key())
    assert back.status_code == 200 and (back.json()["state"], back.json()["assignee_id"]) == ("triaged", None)
    assert other.post(f"/api/v1/crews/me/tickets/{ticket.id}/claim", json={"version": back.json()["version"]},
                      headers=key()).status_code == 200


def test_nearby_endpoint_route_and_supervisor_reassign(staff_client, session):
    crew = staff_client("crew", service_code="voirie")
    supervisor = staff_client("service_staff", service_code="voirie")
    waste_crew = staff_client("crew", service_code="proprete")
    tickets = [make_ticket(session, BELLECOUR[0] + 0.001 * i, BELLECOUR[1] - 0.0015 * i, state="triaged")
               for i in range(1, 5)]
    answer = crew.get("/api/v1/crews/me/tickets/nearby", params={"lat": BELLECOUR[0], "lon": BELLECOUR[1],
                                                                  "radius": 2000})
    # The PWA keeps its own dated copy; no cache may hand an old list back as fresh.
    assert answer.headers["Cache-Control"] == "no-store"
    assert crew.get("/api/v1/auth/me").headers["Cache-Control"] == "no-store"
    near = answer.json()
    ours = [t for t in near if t["id"] in {x.id for x in tickets}]
    assert [t["id"] for t in ours] == [x.id for x in tickets]  # farther along the line, farther away
    assert all(t["distance_m"] > 0 and t["age_days"] >= 0 for t in ours)
    for ticket in tickets:
        answer = supervisor.post(f"/api/v1/crews/team/tickets/{ticket.id}/assign",
                                 json={"crew_id": crew.staff["id"], "version": ticket.version})
        assert answer.status_code == 200, answer.text
    wrong = supervisor.post(f"/api/v1/crews/team/tickets/{tickets[0].id}/assign",
                            json={"crew_id": waste_crew.staff["id"], "version": tickets[0].version})
    assert wrong.status_code == 403
    assert crew.post(f"/api/v1/crews/team/tickets/{tickets[0].id}/assign",
                     json={"crew_id": crew.staff["id"], "version": 1}).status_code == 403
    team = supervisor.get("/api/v1/crews/team/tickets").json()
    assert {f["properties"]["id"] for f in team["features"]} >= {t.id for t in tickets}
    plan = crew.get("/api/v1/crews/me/route", params={"lat": BELLECOUR[0], "lon": BELLECOUR[1]}).json()
    stops = [f["properties"]["id"] for f in plan["features"] if f["properties"]["kind"] == "stop"]
    assert stops == [t.id for t in tickets]
    line = next(f for f in plan["features"] if f["properties"]["kind"] == "route")
    assert line["geometry"]["type"] == "LineString" and len(line["geometry"]["coordinates"]) == 5
    assert line["properties"]["distance_m"] <= line["properties"]["nearest_neighbour_m"]
