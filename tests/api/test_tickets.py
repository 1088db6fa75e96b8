"""The ticket API: moves with versions (409 saying what changed), the triage queue, transfer, re-categorise."""

from datetime import UTC

from tests.factories import VILLEURBANNE, make_ticket


def test_a_stale_move_is_a_409_problem_that_says_what_changed(staff_client, session):
    ticket = make_ticket(session, state="triaged")
    read = ticket.version  # what both staff members read before acting
    crew = staff_client("crew", service_code="voirie")
    staff = staff_client("service_staff", service_code="voirie")
    moved = crew.post(f"/api/v1/tickets/{ticket.id}/transition",
                      json={"to": "assigned", "version": read, "note": "en route"})
    assert moved.status_code == 200 and moved.json()["version"] == read + 1
    stale = staff.post(f"/api/v1/tickets/{ticket.id}/transition", json={"to": "scheduled", "version": read})
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    problem = stale.json()
    assert problem["code"] == "ticket.stale_version"
    assert (problem["current_state"], problem["current_version"]) == ("assigned", read + 1)
    assert problem["changes"][0]["to_state"] == "assigned" and problem["changes"][0]["note"] == "en route"
    history = staff.get(f"/api/v1/tickets/{ticket.id}/history").json()
    assert [(e["action"], e["to_state"]) for e in history] == [("created", "new"), ("transition", "assigned")]


def test_a_move_outside_the_table_is_a_409_naming_the_allowed_ones(staff_client, session):
    ticket = make_ticket(session, state="new")
    answer = staff_client("agent").post(f"/api/v1/tickets/{ticket.id}/transition",
                                        json={"to": "in_progress", "version": ticket.version})
    assert answer.status_code == 409 and answer.json()["code"] == "ticket.invalid_transition"
    assert set(answer.json()["allowed"]) == {"triaged", "waiting_resident", "resolved"}


def test_triage_queue_oldest_first_then_reject_and_reroute(staff_client, session):
    agent = staff_client("agent")
    roads = staff_client("service_staff", service_code="voirie")
    first, second = make_ticket(session), make_ticket(session, *VILLEURBANNE)
    queue = [t["id"] for t in agent.get("/api/v1/triage").json()]
    assert queue.index(first.id) < queue.index(second.id)
    triaged = agent.post(f"/api/v1/tickets/{first.id}/transition", json={"to": "triaged", "version": 1}).json()
    assert first.id not in [t["id"] for t in agent.get("/api/v1/triage").json()]
    assert triaged["due_at"] is not None and triaged["moves"]
    rejected = roads.post(f"/api/v1/tickets/{first.id}/transition",
                          json={"to": "rejected", "version": triaged["version"], "note": "C'est un regard d'égout"})
    assert rejected.status_code == 200
    assert first.id in [t["id"] for t in agent.get("/api/v1/triage").json()]
    moved = agent.post(f"/api/v1/tickets/{first.id}/transfer",
                       json={"service": "eau", "reason": "Regard d'égout", "version": rejected.json()["version"]})
    assert moved.status_code == 200
    assert (moved.json()["service_code"], moved.json()["state"]) == ("eau", "triaged")
    # The roads service no longer sees it; the water service does.
    assert roads.get(f"/api/v1/tickets/{first.id}").status_code == 403
    assert staff_client("service_staff", service_code="eau").get(f"/api/v1/tickets/{first.id}").status_code == 200


def test_recategorise_routes_again(staff_client, session):
    ticket = make_ticket(session, category="pothole")
    answer = staff_client("agent").post(f"/api/v1/tickets/{ticket.id}/recategorise",
                                        json={"category": "overflowing_bin", "version": ticket.version})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["category"], body["service_code"]) == ("overflowing_bin", "proprete")
    assert body["sector_code"] in ("proprete-N", "proprete-S")


def test_overdue_filter_and_flag(staff_client, session):
    from datetime import datetime

    late = make_ticket(session, state="assigned", due_at=datetime(2026, 1, 5, tzinfo=UTC))
    agent = staff_client("agent")
    listed = agent.get("/api/v1/tickets", params={"overdue": "true", "limit": 500}).json()
    assert late.id in [t["id"] for t in listed] and all(t["overdue"] for t in listed)
