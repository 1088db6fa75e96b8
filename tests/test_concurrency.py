"""Two staff move one ticket at the same moment on two real connections: one wins, one gets 409."""

import threading
import time

from sqlalchemy import delete, select, text
from sqlalchemy.orm import sessionmaker

from core.errors import StaleVersion
from dispatch import workflow
from dispatch.models import Report, ReportEvent
from dispatch.outbox import OutboxMessage
from tests.factories import actor, make_ticket


def test_two_concurrent_transitions_one_wins_one_conflicts(engine):
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        ticket = make_ticket(s, state="triaged")
        s.commit()
        ticket_id, version = ticket.id, ticket.version
    try:
        first, second = factory(), factory()
        results: dict[str, object] = {}
        # The first staff member locks the ticket and keeps their transaction open...
        workflow.transition(session=first, report_id=ticket_id, to="assigned", actor=actor("crew", ticket),
                            version=version, note="je prends")
        second_pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def other() -> None:
            try:
                workflow.transition(session=second, report_id=ticket_id, to="scheduled",
                                    actor=actor("service_staff", ticket), version=version)
                second.commit()
                results["second"] = "moved"
            except StaleVersion as exc:
                second.rollback()
                results["second"] = exc

        thread = threading.Thread(target=other)
        thread.start()
        # ...until the second is really waiting on the row lock (seen by PostgreSQL, not guessed by a sleep).
        with engine.connect() as watch:
            deadline = time.monotonic() + 10
            while watch.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                {"pid": second_pid}).scalar() != "Lock":
                assert time.monotonic() < deadline, "the second transition never waited for the lock"
                time.sleep(0.01)
        first.commit()
        thread.join(10)
        first.close()
        second.close()

        conflict = results["second"]
        assert isinstance(conflict, StaleVersion) and conflict.status == 409
        assert conflict.extra["current_state"] == "assigned"
        with factory() as s:
            assert s.get(Report, ticket_id).state == "assigned"
            moves = s.scalars(select(ReportEvent).where(ReportEvent.report_id == ticket_id,
                                                        ReportEvent.action == "transition")).all()
            assert [(m.from_state, m.to_state) for m in moves] == [("triaged", "assigned")]
    finally:
        with factory() as s:
            s.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'on'"))
            s.execute(delete(OutboxMessage).where(OutboxMessage.report_id == ticket_id))
            s.execute(delete(ReportEvent).where(ReportEvent.report_id == ticket_id))
            s.execute(delete(Report).where(Report.id == ticket_id))
            s.commit()
