"""The navigation's queue counts: right, capped, and read from each queue's own partial index alone (migration
1703), so that a million reports cost a thousand index entries per queue instead of a thousand table rows."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from core.users import Principal
from dispatch import queues
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
        statement = queues.queue_clause(name, AGENT).compile(dialect=postgresql.dialect(),
                                                              compile_kwargs={"literal_binds": True})
        expected[name] = min(queues.COUNT_CAP, session.scalar(text(f"SELECT count(*) FROM reports WHERE {statement}")))
    assert all(expected.values())
    assert queues.counts(session=session, principal=AGENT) == expected


@pytest.mark.parametrize("queue", sorted(INDEXED))
def test_each_count_is_an_index_only_scan_of_its_queue_index(session, queue):
    # The test database is small enough for the planner to prefer the table: take that choice away, and the
    # queue's predicate must then match an index that answers without reading the table.
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_bitmapscan = off"))
    names, statement = queues.counts_statement(AGENT)
    sql = str(statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    plan = "\n".join(session.scalars(text(f"EXPLAIN {sql}")))
    scans = re.findall(r"(Index Only Scan|Index Scan|Seq Scan|Bitmap Heap Scan) (?:using (\w+) )?on reports", plan)
    assert len(scans) == len(names), plan
    assert ("Index Only Scan", INDEXED[queue]) == scans[names.index(queue)], plan
