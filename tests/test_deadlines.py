"""Deadlines in working days: weekends, French public holidays (14 July), and the pause while waiting."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text
from sqlalchemy.orm import sessionmaker

from dispatch import deadlines, workflow
from dispatch.models import DeadlineRule, Report
from tests.factories import actor, make_ticket

PARIS = ZoneInfo("Europe/Paris")


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=PARIS)


def test_across_a_weekend():
    friday = at(2026, 7, 3)
    assert deadlines.add_working_days(friday, 1) == datetime(2026, 7, 6, 23, 59, 59, tzinfo=PARIS)  # Monday
    assert deadlines.add_working_days(at(2026, 7, 4), 1).date() == date(2026, 7, 6)  # filed on Saturday
    assert deadlines.add_working_days(friday, 5).date() == date(2026, 7, 10)


def test_across_14_july():
    monday = at(2026, 7, 13)
    assert not deadlines.is_working_day(date(2026, 7, 14))
    assert deadlines.add_working_days(monday, 1).date() == date(2026, 7, 15)
    # Friday 10 July + 3: Monday 13, (Tuesday 14 off), Wednesday 15, Thursday 16.
    assert deadlines.add_working_days(at(2026, 7, 10), 3).date() == date(2026, 7, 16)


def test_a_pause_costs_the_working_days_spent_waiting():
    # Waiting from Friday 10 July to Wednesday 15 July: Monday 13 and Wednesday 15 count, the weekend and the 14th not.
    assert deadlines.working_days_between(at(2026, 7, 10), at(2026, 7, 15)) == 2
    assert deadlines.working_days_between(at(2026, 7, 10, 9), at(2026, 7, 10, 17)) == 0


def test_deadline_per_category_and_commune(session):
    assert deadlines.working_days_for(session=session, category_code="pothole", commune_code="69123") == 10
    session.add(DeadlineRule(category_code="pothole", commune_code=None, working_days=8))
    session.add(DeadlineRule(category_code="pothole", commune_code="69266", working_days=4))
    session.flush()
    assert deadlines.working_days_for(session=session, category_code="pothole", commune_code="69123") == 8
    assert deadlines.working_days_for(session=session, category_code="pothole", commune_code="69266") == 4


def test_triage_sets_the_due_date_and_waiting_for_the_resident_pauses_it(session):
    report = make_ticket(session, category="fallen_tree", created_at=at(2026, 7, 10))  # one working day
    agent = actor("agent")

    def move(to, when, note=None):
        current = session.get(Report, report.id)
        return workflow.transition(session=session, report_id=report.id, to=to, actor=agent,
                                   version=current.version, note=note, now=when)

    triaged = move("triaged", at(2026, 7, 10, 11))
    assert triaged.due_at == datetime(2026, 7, 13, 23, 59, 59, tzinfo=PARIS)  # Friday + 1 = Monday
    waiting = move("waiting_resident", at(2026, 7, 10, 15), note="Quelle adresse exacte ?")
    assert waiting.paused_at == at(2026, 7, 10, 15)
    # Nothing is escalated while paused, even past the deadline.
    assert report.id not in workflow.escalate_overdue(session=session, now=at(2026, 7, 14))
    # The resident answers on Wednesday 15: Monday 13 and Wednesday 15 were spent waiting (14 July is off),
    # so the one working day left at the pause runs on Thursday 16.
    resumed = move("triaged", at(2026, 7, 15, 11))
    assert resumed.paused_at is None
    assert resumed.due_at == datetime(2026, 7, 16, 23, 59, 59, tzinfo=PARIS)


def test_overdue_tickets_are_escalated_once_and_listed_in_one_digest_a_day(session):
    from dispatch import notifications, outbox

    later = make_ticket(session, state="triaged", due_at=at(2026, 1, 6))  # entered first, due last
    late = make_ticket(session, state="assigned", due_at=at(2026, 1, 5))
    paused = make_ticket(session, state="waiting_resident", due_at=at(2026, 1, 5), paused_at=at(2026, 1, 2))
    done = make_ticket(session, state="resolved", due_at=at(2026, 1, 5))
    demo = make_ticket(session, state="assigned", due_at=at(2026, 1, 5), is_demo=True)
    escalated = workflow.escalate_overdue(session=session)
    assert {late.id, later.id} <= set(escalated) and not {paused.id, done.id, demo.id} & set(escalated)
    assert workflow.escalate_overdue(session=session) == []
    history = workflow.history(session=session, report_id=late.id, public_only=False)
    assert [e.action for e in history][-1] == "escalated" and not history[-1].public
    assert outbox.pending(session=session, report_id=late.id, kind="email") == []  # no email per ticket

    morning = datetime(2026, 1, 8, notifications.DIGEST_HOUR, 0, tzinfo=PARIS)  # 06:00 UTC in winter
    assert notifications.escalation_digests(session=session, now=at(2026, 1, 8, 3)) == 0  # not at night
    assert notifications.escalation_digests(session=session, now=morning - timedelta(minutes=1)) == 0
    assert notifications.escalation_digests(session=session, now=morning) >= 1
    digest = [m for m in outbox.pending(session=session, kind="email")
              if m.payload["to"] == "voirie@ruecommune.example" and "2026-01-08" in m.payload["subject"]]
    assert len(digest) == 1
    text = digest[0].payload["text"]
    assert late.ref in text and later.ref in text
    assert text.index(late.ref) < text.index(later.ref)  # the most overdue first
    assert demo.ref not in digest[0].payload["text"] and paused.ref not in digest[0].payload["text"]
    assert notifications.escalation_digests(session=session, now=at(2026, 1, 8, 17)) == 0  # once a day


def test_the_sweep_escalates_the_overdue_closes_the_expired_and_says_which(session):
    late = make_ticket(session, state="assigned", due_at=at(2026, 1, 5))
    expired = make_ticket(session, state="resolved", resolved_at=at(2026, 1, 5))
    recent = make_ticket(session, state="resolved")  # resolved just now: the resident may still reopen it
    done = workflow.sweep(session)
    assert (done.escalated, done.closed) == ([late.id], [expired.id])
    session.refresh(expired)
    session.refresh(recent)
    assert (expired.state, recent.state) == ("closed", "resolved")


def test_each_supervisor_of_the_service_gets_the_digest_in_their_language(session, monkeypatch):
    from core.settings import get_settings
    from core.users import StaffUser
    from dispatch import notifications, outbox

    monkeypatch.setenv("RUECOMMUNE_PUBLIC_BASE_URL", "https://ville.example/")  # a trailing slash, as typed
    get_settings.cache_clear()

    def staff(email, **fields):
        session.add(StaffUser(email=email, name=email, password_hash="x", active=fields.pop("active", True),
                              **fields))

    staff("lead-en@staff.example", role="service_staff", service_code="voirie", language="en")
    staff("gone@staff.example", role="service_staff", service_code="voirie", active=False)
    staff("other@staff.example", role="service_staff", service_code="proprete")
    staff("crew@staff.example", role="crew", service_code="voirie")
    late = make_ticket(session, state="assigned", due_at=at(2026, 1, 5))
    not_yet = make_ticket(session, state="assigned", due_at=at(2026, 1, 9))  # overdue by now, not on the 8th
    session.flush()
    try:
        assert notifications.escalation_digests(session=session, now=at(2026, 1, 8, 8)) >= 2
    finally:
        get_settings.cache_clear()
    digests = {m.payload["to"]: m.payload for m in outbox.pending(session=session, kind="email")
               if "2026-01-08" in m.payload["subject"]}
    assert {"voirie@ruecommune.example", "lead-en@staff.example"} <= set(digests)
    assert not {"gone@staff.example", "other@staff.example", "crew@staff.example"} & set(digests)
    assert (digests["lead-en@staff.example"]["lang"], digests["voirie@ruecommune.example"]["lang"]) == ("en", "fr")
    text = digests["lead-en@staff.example"]["text"]
    assert f"- {late.ref} (pothole, " in text and not_yet.ref not in text
    assert f"Confié à une équipe / Assigned to a crew - https://ville.example/staff/tickets/{late.ref}\n" in text


def test_closing_takes_the_oldest_expired_first_a_batch_at_a_time(session, monkeypatch):
    from dispatch.models import ReportEvent

    monkeypatch.setattr(workflow, "CLOSE_BATCH", 2)
    now = at(2026, 3, 1)
    limit = now - timedelta(days=workflow.get_settings().reopen_delay_days)
    # Entered newest first, so that an unordered batch would pick the wrong ones.
    newest, middle, oldest = (make_ticket(session, state="resolved", resolved_at=limit - timedelta(days=d))
                              for d in (1, 2, 3))
    on_the_limit = make_ticket(session, state="resolved", resolved_at=limit)  # not passed yet
    reopened = make_ticket(session, state="reopened", resolved_at=limit - timedelta(days=30))
    assert workflow.close_expired(session=session, now=now) == [oldest.id, middle.id]
    assert workflow.close_expired(session=session, now=now) == [newest.id]
    assert workflow.close_expired(session=session, now=now) == []
    for report in (newest, middle, oldest, on_the_limit, reopened):
        session.refresh(report)
    assert [r.state for r in (newest, middle, oldest, on_the_limit, reopened)] == [
        "closed", "closed", "closed", "resolved", "reopened"]
    closing = session.scalars(select(ReportEvent).where(ReportEvent.report_id == oldest.id)
                              .order_by(ReportEvent.id.desc())).first()
    assert (closing.to_state, closing.role, closing.channel) == ("closed", "system", "system")


def test_two_sweeps_at_once_skip_each_others_tickets_instead_of_waiting(engine):
    from dispatch.models import ReportEvent
    from dispatch.outbox import OutboxMessage

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        ticket_id = make_ticket(s, state="resolved", resolved_at=at(2026, 1, 5)).id
    first, second = factory(), factory()
    try:
        first.execute(select(Report.id).where(Report.id == ticket_id).with_for_update())  # the other sweep
        second.execute(text("SET LOCAL lock_timeout = '3s'"))  # waiting instead of skipping fails here
        assert ticket_id not in workflow.close_expired(session=second)
        second.rollback()
        first.rollback()
    finally:
        first.close()
        second.close()
        with factory() as s:
            s.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'on'"))
            s.execute(delete(OutboxMessage).where(OutboxMessage.report_id == ticket_id))
            s.execute(delete(ReportEvent).where(ReportEvent.report_id == ticket_id))
            s.execute(delete(Report).where(Report.id == ticket_id))
            s.commit()
