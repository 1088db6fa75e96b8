"""The navigation's queue counts: right, capped, and read from each queue's own partial index alone (migration
1703), so that a million reports cost a thousand index entries per queue instead of a thousand table rows."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql

from core.users import Principal
from dispatch import queues
from dispatch.models import Report
from tests.factories import make_ticket

AGENT = Principal(kind="staff", id=1, role="agent", name="Desk")
INDEXED = {"triage": "ix_reports_queue_triage", "overdue": "ix_reports_queue_overdue",
           "resolved": "ix_reports_queue_resolved", "waiting": "ix_reports_state"}


def test_counts_are_those_of_each_queue(session):
    now = datetime.now(UTC)
    make_ticket(session)
    make_ticket(session, state="triaged", due_at=now - timedelta(days=2))
    make_ticket(session, state="waiting_resident")
    make_ticket(session, state="resolved", resolved_at=now - timedelta(days=1))
    expected = {}
    for name in ("triage", "overdue", "waiting", "resolved"):
        every = session.scalar(select(func.count()).select_from(Report).where(queues.queue_clause(name, AGENT)))
        expected[name] = min(queues.COUNT_CAP, every)
    assert all(expected.values())
    assert queues.counts(session=session, principal=AGENT) == expected


@pytest.mark.parametrize("queue", sorted(INDEXED))
def test_each_count_is_an_index_only_scan_of_its_queue_index(session, queue):
    # The test database is small enough for the planner to prefer the table, or the dashboard's index that
    # covers every column (filtering each entry): take those away, rolled back with the test, and the queue's
    # predicate must then be proved by an index that answers alone, with no filter left to check.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    session.execute(text("DROP INDEX ix_reports_figures"))
    names, statement = queues.counts_statement(AGENT)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
    counts = plan.split("InitPlan")[1:]
    assert len(counts) == len(names), plan
    mine = counts[names.index(queue)]
    assert f"Index Only Scan using {INDEXED[queue]} on reports" in mine, plan
    assert "Filter:" not in mine, plan
