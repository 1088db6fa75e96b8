"""The ticket page and its forms over HTTP: what it shows per scope, each action's effect in the database and
the outbox, stale submits that lose nothing, presence of another agent."""

import re

from sqlalchemy import select, text

from dispatch.models import Report, ReportEvent, ReportReporter
from dispatch.outbox import OutboxMessage
from tests.api.test_backoffice_shell import csrf_of
from tests.conftest import BELLECOUR


def filed(client, email: str, language: str = "fr", where=BELLECOUR, name="Jeanne Martin",
          description="Nid-de-poule devant le 12") -> dict:
    """A report filed through the public API by a resident who agreed to hear about it."""
    answer = client.post("/api/v1/reports", json={
        "lat": where[0], "lon": where[1], "category": "pothole", "description": description,
        "contact": {"name": name, "email": email, "language": language, "consent_updates": True}})
    assert answer.status_code == 201, answer.text
    return answer.json()


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def post_form(agent, path: str, page: str, **fields):
    return agent.post(path, data={"csrf_token": csrf_of(page), "version": version_of(page), **fields},
                      follow_redirects=False)


def emails(session, report_id: int) -> list[dict]:
    return [m.payload for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.report_id == report_id, OutboxMessage.kind == "email").order_by(OutboxMessage.id))]


def test_the_page_shows_the_ticket_its_residents_and_history_in_scope(client, staff_client, session):
    report = filed(client, "jeanne@example.org")
    agent = staff_client("agent", language="en")
    page = agent.get(f"/staff/tickets/{report['ref']}")
    assert page.status_code == 200, page.text
    body = page.text
    for expected in (report["ref"], "Nid-de-poule devant le 12", "Jeanne Martin", "jeanne@example.org",
                     "agrees to be told", "Complete history", "Move to &#39;"):
        assert expected in body, expected
    # A commune agent of another commune gets nothing of it.
    other = staff_client("commune_staff", commune_code="69266").get(f"/staff/tickets/{report['ref']}?lang=en")
    assert other.status_code == 403 and "jeanne@example.org" not in other.text
    # A service's supervisor reads it, contacts included; a crew member has no back office.
    roads = staff_client("service_staff", service_code="voirie").get(f"/staff/tickets/{report['ref']}").text
    assert "jeanne@example.org" in roads
    assert staff_client("crew", service_code="voirie").get(f"/staff/tickets/{report['ref']}").status_code == 403


def test_triage_transfer_and_answer_with_a_template_in_english(client, staff_client, session):
    report = filed(client, "john@example.org", language="en", name="John Smith")
    agent = staff_client("agent", language="fr")
    path = f"/staff/tickets/{report['ref']}"
    moved = post_form(agent, f"{path}/move", agent.get(path).text, to="triaged")
    assert moved.status_code == 303 and "done=moved" in moved.headers["location"]
    moved_to = post_form(agent, f"{path}/transfer", agent.get(path).text, service="eau",
                         reason="Fuite d'eau sous la chaussée")
    assert moved_to.status_code == 303
    ticket = session.get(Report, report["id"])
    session.refresh(ticket)
    assert (ticket.state, ticket.service_code) == ("triaged", "eau")
    line = session.scalars(select(ReportEvent).where(ReportEvent.report_id == ticket.id,
                                                     ReportEvent.action == "transferred")).one()
    assert line.note == "Fuite d'eau sous la chaussée" and line.public is False
    # The template, filled in English for the English-speaking resident, edited, then sent.
    loaded = agent.get(f"{path}?template=acknowledged").text
    assert "Message en anglais (1 destinataires)" in loaded
    draft = re.search(r'name="text_en" lang="en" rows="8">([^<]*)</textarea>', loaded).group(1)
    assert f"Your report {report['ref']}" in draft and "{ref}" not in draft
    sent = post_form(agent, f"{path}/answer", loaded, text_en=draft.replace("&#39;", "'") + "\nP.S. Thanks!",
                     template="acknowledged")
    assert sent.status_code == 303, sent.text
    answered = [m for m in emails(session, ticket.id) if "answer from the relations centre" in m["subject"]]
    assert len(answered) == 1 and answered[0]["to"] == "john@example.org" and answered[0]["lang"] == "en"
    assert f"Your report {report['ref']}" in answered[0]["text"] and "P.S. Thanks!" in answered[0]["text"]


def test_a_stale_submit_says_what_changed_and_keeps_what_was_typed(client, staff_client, session):
    report = filed(client, "jeanne@example.org")
    first, second = staff_client("agent", language="en"), staff_client("agent", language="en")
    path = f"/staff/tickets/{report['ref']}"
    first_page = first.get(path).text
    second_page = second.get(path).text
    # The second agent sees the first has it open.
    assert f"{first.staff['name']} has had it open since" in second_page
    assert post_form(first, f"{path}/move", first_page, to="triaged").status_code == 303
    stale = post_form(second, f"{path}/transfer", second_page, service="eau", reason="Une fuite, pas un trou")
    assert stale.status_code == 409
    assert "This ticket changed since you opened it: nothing was saved" in stale.text
    assert "Received → Acknowledged" in stale.text or "New → Triaged" in stale.text
    assert "Une fuite, pas un trou</textarea>" in stale.text
    ticket = session.get(Report, report["id"])
    session.refresh(ticket)
    assert ticket.service_code == "voirie"
    # The re-rendered form carries the new version: sending it again goes through.
    again = post_form(second, f"{path}/transfer", stale.text, service="eau", reason="Une fuite, pas un trou")
    assert again.status_code == 303


def test_a_merge_keeps_every_reporter_and_emails_each_once(client, staff_client, session):
    kept = filed(client, "first@example.org")
    duplicate = filed(client, "second@example.org", language="en", name="Second Person",
                      description="Same hole")
    follower = client.post(f"/api/v1/reports/{duplicate['ref']}/follow", json={
        "contact": {"email": "third@example.org", "consent_updates": True}})
    agent = staff_client("agent")
    path = f"/staff/tickets/{duplicate['ref']}"
    page = agent.get(path).text
    assert post_form(agent, f"{path}/merge", page, into=kept["ref"]).status_code == 303
    again = post_form(agent, f"{path}/merge", page, into=kept["ref"])
    assert again.status_code in (409, 422)  # already merged: nothing more happens
    people = set(session.scalars(text("SELECT lower(r.email) FROM report_reporters rr JOIN residents r "
                                      "ON r.id = rr.resident_id WHERE rr.report_id = :id"), {"id": kept["id"]}))
    expected = {"first@example.org", "second@example.org"} | (
        {"third@example.org"} if follower.status_code in (200, 201) else set())
    assert expected <= people
    told = [m["to"] for m in emails(session, kept["id"]) if "now follows" in m["subject"] or "suit désormais" in
            m["subject"]]
    assert sorted(told) == sorted(expected - {"first@example.org"})
    assert session.get(Report, duplicate["id"]).merged_into_id == kept["id"]
    assert session.scalars(select(ReportReporter.role).where(ReportReporter.report_id == kept["id"])).all()


def test_bulk_transfer_and_close_as_duplicate_one_history_line_per_ticket(client, staff_client, session):
    original = filed(client, "a@example.org")
    others = [filed(client, f"b{i}@example.org", description=f"Encore le trou {i}") for i in range(3)]
    agent = staff_client("agent", language="en")
    page = agent.get("/staff/queues/triage").text
    moved = agent.post("/staff/bulk", data={
        "csrf_token": csrf_of(page), "action": "transfer", "service": "eau", "reason": "Fuite",
        "ref": [o["ref"] for o in others[:2]], "back": "/staff/queues/triage?q=trou"}, follow_redirects=False)
    assert moved.status_code == 303 and "bulk_done=2" in moved.headers["location"]
    assert "2 tickets done." in agent.get(moved.headers["location"]).text
    for ticket in others[:2]:
        lines = session.scalars(select(ReportEvent.action).where(ReportEvent.report_id == ticket["id"],
                                                                 ReportEvent.action == "transferred")).all()
        assert lines == ["transferred"]
    closed = agent.post("/staff/bulk", data={
        "csrf_token": csrf_of(page), "action": "close_duplicate", "target": original["ref"],
        "ref": [others[2]["ref"], original["ref"]], "back": "/staff/queues/triage"}, follow_redirects=False)
    location = closed.headers["location"]
    assert "bulk_done=1" in location and f"refused={original['ref']}" in location  # not a duplicate of itself
    ticket = session.get(Report, others[2]["id"])
    session.refresh(ticket)
    assert (ticket.state, ticket.outcome, ticket.duplicate_of_id) == ("resolved", "duplicate", original["id"])
    # A commune agent cannot act on tickets outside their commune, even by forging the form.
    outsider = staff_client("commune_staff", commune_code="69266")
    forged = outsider.post("/staff/bulk", data={
        "csrf_token": csrf_of(outsider.get("/staff/queues/commune").text), "action": "transfer", "service": "eau",
        "reason": "x", "ref": [original["ref"]]}, follow_redirects=False)
    assert "bulk_done=0" in forged.headers["location"]


def test_asking_pauses_the_clock_and_the_answer_comes_back_into_the_history(client, staff_client, session):
    report = filed(client, "john@example.org", language="en", name="John Smith")
    agent = staff_client("agent", language="en")
    path = f"/staff/tickets/{report['ref']}"
    asked = post_form(agent, f"{path}/ask", agent.get(path).text, text_en="Which side of the street is it?")
    assert asked.status_code == 303, asked.text
    ticket = session.get(Report, report["id"])
    session.refresh(ticket)
    assert ticket.state == "waiting_resident" and ticket.paused_at is not None
    question = [m for m in emails(session, ticket.id) if "a question about your report" in m["subject"]]
    assert len(question) == 1 and "Which side of the street is it?" in question[0]["text"]
    link = re.search(r"Answer here: (\S+)", question[0]["text"]).group(1)
    r, t = re.search(r"\?r=([^&]+)&t=(\S+)", link).groups()
    form = client.get(f"/reports/{report['ref']}/respond", params={"r": r, "t": t},
                      headers={"Accept-Language": "en"})
    assert "The service asked you a question" in form.text
    replied = client.post(f"/reports/{report['ref']}/respond", data={"r": r, "t": t, "action": "answer",
                                                                      "reason": "The north side, by the bakery"})
    assert replied.status_code == 200, replied.text
    session.refresh(ticket)
    assert ticket.state == "triaged" and ticket.paused_at is None
    assert "The north side, by the bakery" in agent.get(path).text


def test_hidden_description_and_photo_leave_the_public_views_not_the_staff_page(client, staff_client, session):
    from dispatch.models import Photo, ReportPhoto

    report = filed(client, "jeanne@example.org", description="Mon voisin M. Dupont a cassé le banc")
    session.merge(Photo(hash="a" * 64, width=10, height=10, source_type="image/jpeg", source_bytes=10))
    session.flush()
    session.add(ReportPhoto(report_id=report["id"], photo_hash="a" * 64, kind="before", position=1))
    session.commit()
    agent = staff_client("agent")
    path = f"/staff/tickets/{report['ref']}"
    page = agent.get(path).text
    assert post_form(agent, f"{path}/description", page, hidden="yes").status_code == 303
    photo_id = re.search(rf'action="{path}/photos/(\d+)"', agent.get(path).text).group(1)
    assert post_form(agent, f"{path}/photos/{photo_id}", agent.get(path).text, hidden="yes").status_code == 303
    public = client.get(f"/reports/{report['ref']}").text
    assert "Dupont" not in public and "a" * 64 not in public
    listed = client.get("/map/list?lang=fr").text
    assert "Dupont" not in listed
    staff_page = agent.get(path).text
    assert "Dupont" in staff_page and "a" * 64 in staff_page and "masqué au public" in staff_page
    lines = session.scalars(select(ReportEvent.action).where(ReportEvent.report_id == report["id"])).all()
    assert "description_hidden" in lines and "photo_hidden" in lines


def test_the_heartbeat_keeps_a_view_alive_and_an_expired_one_is_not_shown(client, staff_client, session):
    report = filed(client, "jeanne@example.org")
    first, second = staff_client("agent", language="en"), staff_client("agent", language="en")
    path = f"/staff/tickets/{report['ref']}"
    first.get(path)
    # Twenty minutes later without a heartbeat, nobody is shown as having it open.
    session.execute(text("UPDATE ticket_views SET seen_at = now() - interval '20 minutes', "
                         "opened_at = now() - interval '30 minutes' WHERE report_id = :id"), {"id": report["id"]})
    session.commit()
    assert "has had it open since" not in second.get(path).text.replace(second.staff["name"], "")
    assert first.post(f"{path}/presence").status_code == 204  # the page's script, with the CSRF header
    assert f"{first.staff['name']} has had it open since" in second.get(path).text
    # The heartbeat is the API's: without the CSRF header it is refused.
    del first.headers["X-CSRF-Token"]
    assert first.post(f"{path}/presence").status_code == 403
