"""Reporters hear of their ticket by email, through the outbox, over a real SMTP server on loopback."""

import re
from datetime import timedelta
from functools import partial

import pytest

from core.errors import DomainError
from dispatch import deadlines, mailer, outbox, photos, residents, workflow
from dispatch.schemas import ContactDetails
from dispatch.storage import LocalStorage
from dispatch.workflow import Outcome, OutcomeInput
from tests.factories import actor, make_ticket
from tests.photo_files import phone_jpeg


def reporter(session, report, email, language="fr", consent=True):
    resident = residents.find_or_create(
        session=session, contact=ContactDetails(email=email, language=language, consent_updates=consent),
        channel="app")
    residents.attach_reporter(session=session, report_id=report.id, resident_id=resident.id, role="original",
                              contact_consent=consent, channel="app")
    return resident


def deliver_all(session, handlers, now=None):
    sent = []
    while (row := outbox.deliver_one(session=session, handlers=handlers, now=now)) is not None:
        sent.append(row)
    return sent


def resolve(session, report, crew):
    return workflow.transition(session=session, report_id=report.id, to="resolved", actor=crew,
                               version=session.get(type(report), report.id).version,
                               outcome=OutcomeInput(Outcome.FIXED), note="Trou rebouché", note_public=True)


def test_the_resolution_email_arrives_once_with_the_after_photo_even_after_an_smtp_outage(
        session, smtp_server, tmp_path):
    report = make_ticket(session, state="in_progress")
    reporter(session, report, "marie@example.org", language="en")
    reporter(session, report, "paul@example.org", language="fr")
    reporter(session, report, "silent@example.org", consent=False)
    after = photos.attach(session=session, report=report, upload=photos.Upload(phone_jpeg()), kind="after",
                          storage=LocalStorage(tmp_path))
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}

    smtp_server.stop()
    resolve(session, report, actor("crew", report))
    failed = deliver_all(session, handlers)
    assert [r.status for r in failed] == ["pending", "pending"]
    assert smtp_server.messages == []
    smtp_server.start()
    delivered = deliver_all(session, handlers, now=max(r.next_attempt_at for r in failed))
    assert [r.status for r in delivered] == ["sent", "sent"]
    assert deliver_all(session, handlers, now=max(r.next_attempt_at for r in failed) + timedelta(hours=1)) == []

    assert sorted(m["To"] for m in smtp_server.messages) == ["marie@example.org", "paul@example.org"]
    english, french = smtp_server.to("marie@example.org")[0], smtp_server.to("paul@example.org")[0]
    assert english["Subject"] == f"[Rue Commune] {report.ref}: resolved"
    assert french["Subject"] == f"[Rue Commune] {report.ref} : résolu"
    body = english.get_content()
    assert "is resolved: fixed" in body and "Trou rebouché" in body
    assert f"/photos/{after.photo_hash}/display.jpg" in body
    assert f"/reports/{report.ref}" in body
    assert "Votre signalement" in french.get_content() and "réparé" in french.get_content()


def test_triage_tells_the_due_date_and_a_rolled_back_move_sends_nothing(session):
    report = make_ticket(session)
    reporter(session, report, "marie@example.org", language="en")
    savepoint = session.begin_nested()
    workflow.transition(session=session, report_id=report.id, to="triaged", actor=actor("agent"), version=1)
    assert len(outbox.pending(session=session, report_id=report.id)) == 1
    savepoint.rollback()
    assert outbox.pending(session=session, report_id=report.id) == []
    moved = workflow.transition(session=session, report_id=report.id, to="triaged", actor=actor("agent"), version=1)
    [mail] = outbox.pending(session=session, report_id=report.id)
    assert f"Expected by: {deadlines.local_date(moved.due_at).isoformat()}." in mail.payload["text"]
    # Private moves and moves residents do not care about send nothing.
    workflow.transition(session=session, report_id=report.id, to="assigned", actor=actor("crew", report),
                        version=moved.version)
    assert len(outbox.pending(session=session, report_id=report.id)) == 1


def test_the_link_in_the_email_reopens_in_time_and_takes_feedback(session, client):
    report = make_ticket(session, state="in_progress")
    reporter(session, report, "marie@example.org", language="en")
    resolve(session, report, actor("crew", report))
    [mail] = outbox.pending(session=session, report_id=report.id)
    r, t = re.search(r"respond\?r=(\w+)&t=([\w=-]+)", mail.payload["text"]).groups()
    session.commit()

    forged = client.post(f"/api/v1/tracking/{report.ref}/reopen", json={"r": r, "t": t[:-2] + "AA", "reason": "x"})
    assert forged.status_code == 403
    page = client.get(f"/reports/{report.ref}/respond", params={"r": r, "t": t})
    assert page.status_code == 200 and 'name="reason"' in page.text
    rated = client.post(f"/api/v1/tracking/{report.ref}/feedback", json={"r": r, "t": t, "satisfaction": 2,
                                                                          "comment": "Mal rebouché"})
    assert rated.status_code == 200
    reopened = client.post(f"/api/v1/tracking/{report.ref}/reopen",
                           json={"r": r, "t": t, "reason": "Le trou est revenu"})
    assert reopened.status_code == 200, reopened.text
    body = reopened.json()
    assert body["state"] == "reopened" and body["due_at"] is not None
    # The resident's view of the history: public lines only, and never who acted; the public note of the
    # resolution, never the reason typed in the form (a note is internal unless its author says otherwise).
    assert [e["note"] for e in body["history"] if e["note"]] == ["Trou rebouché"]
    assert body["history"][-1]["to_state"] == "reopened"
    assert all(set(e) == {"at", "action", "from_state", "to_state", "note"} for e in body["history"])
    assert "feedback" not in [e["action"] for e in body["history"]]
    session.refresh(report)
    assert (report.satisfaction, report.outcome) == (2, None)


def test_reopening_is_refused_after_the_delay_and_the_ticket_is_then_closed(session):
    report = make_ticket(session, state="in_progress")
    resolved = resolve(session, report, actor("crew", report))
    later = resolved.resolved_at + timedelta(days=15)
    with pytest.raises(DomainError) as raised:
        workflow.transition(session=session, report_id=report.id, to="reopened",
                            actor=actor("resident"), version=None, note="revenu", now=later)
    assert raised.value.code == "ticket.reopen_expired"
    assert workflow.close_expired(session=session, now=later) == [report.id]
    session.refresh(report)
    assert (report.state, report.outcome) == ("closed", "fixed")


def test_a_resident_link_with_a_mangled_token_is_refused_not_an_error(session):
    from dispatch import notifications

    report = make_ticket(session)
    good = notifications.resident_token(report.id, "r1")
    assert notifications.check_resident_token(report.id, "r1", good)
    assert not notifications.check_resident_token(report.id, "r2", good)
    assert not notifications.check_resident_token(report.id, "r1", "\udcff")  # what a broken URL decodes to
