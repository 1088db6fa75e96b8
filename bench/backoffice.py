"""Back-office benchmark on 1,000,000 reports: the filtered triage queue page against raw SQL and the HTTP floor.

For the triage queue filtered by category and commune (the first page of 50, oldest first): the bare
psycopg2 SQL for the same rows; the same plus everything else the page reads (the navigation's capped
counts, the late flags, who has each ticket open, saved selections, the filters' choices); the service
function; and the HTTP page on a live uvicorn, signed in as an agent. The target: the page within 1.5 x
(raw + HTTP floor) and under 300 ms. Medians of several runs, printed with the machine's load average.
`python -m bench backoffice` (BENCH_REPORTS, BENCH_RUNS to change the size and the repetitions).
"""

import os
import re
import uuid
from collections.abc import Callable

import httpx
import psycopg2
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.generate import dsn, ensure
from bench.setup import serve
from bench.timing import Side, compare, load_average, report
from core import users
from dispatch import queues, vocabulary
from dispatch.queues import QueueFilter

REPORTS = int(os.environ.get("BENCH_REPORTS", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "15"))
ROW_REF = re.compile(rb'<tr data-ref="([^"]+)"')
PASSWORD = "bench password 123"

# The vocabulary's placeholders (@TRIAGE_STATES@...) become the same literals the platform's SQL carries.
RAW_ROWS = vocabulary.render_sql("""
SELECT r.* FROM reports r
WHERE (r.state IN (@TRIAGE_STATES@) OR r.service_code IS NULL)
  AND r.state IN (@OPEN_STATES@)
  AND r.category_code = %(category)s AND r.commune_code = %(commune)s
ORDER BY r.created_at, r.id LIMIT 51
""")
# What else the page reads, in the fewest plain statements: the capped counts of the agent's queues.
RAW_COUNTS = [vocabulary.render_sql(query) for query in (
    """SELECT count(*) FROM (SELECT 1 FROM reports r WHERE (r.state IN (@TRIAGE_STATES@)
        OR r.service_code IS NULL) AND r.state IN (@OPEN_STATES@) LIMIT 1000) x""",
    "SELECT count(*) FROM (SELECT 1 FROM reports r WHERE @OVERDUE@ LIMIT 1000) x",
    "SELECT count(*) FROM (SELECT 1 FROM reports WHERE state = 'waiting_resident' LIMIT 1000) x",
    """SELECT count(*) FROM (SELECT 1 FROM reports WHERE state IN (@DONE_STATES@)
        AND resolved_at IS NOT NULL AND resolved_at > now() - interval '30 days' LIMIT 1000) x""",
)]
BUSIEST = vocabulary.render_sql("""SELECT commune_code, category_code, count(*) FROM reports
WHERE state IN (@TRIAGE_STATES@) GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1""")


def main() -> None:
    url = ensure(REPORTS)
    raw = psycopg2.connect(dsn(url))
    raw.autocommit = True
    cur = raw.cursor()
    cur.execute("VACUUM ANALYZE reports")
    cur.execute("SET jit = off")
    # The busiest commune and category of the triage queue: the heaviest realistic filter.
    cur.execute(BUSIEST)
    commune, category, matching = cur.fetchone()
    params = {"category": category, "commune": commune}

    def rows() -> object:
        cur.execute(RAW_ROWS, params)
        ref = [column[0] for column in cur.description or ()].index("ref")
        return [row[ref] for row in cur.fetchall()[:50]]

    def rows_and_counts() -> object:
        found = rows()
        for query in RAW_COUNTS:
            cur.execute(query)
            cur.fetchall()
        return found

    engine = create_engine(url)
    email = f"bench-agent-{uuid.uuid4().hex[:8]}@bench.example"
    with Session(engine) as session:
        user = users.create(session=session, email=email, name="Bench Agent", role="agent", password=PASSWORD)
        session.commit()
        me = users.principal_of(user)
    filters = QueueFilter(category=category, commune=commune)

    def service_call() -> object:
        with Session(engine) as session:
            page = queues.list_(session=session, principal=me, queue="triage", filters=filters)
            queues.counts(session=session, principal=me)
            return [r.ref for r in page.rows]

    base, server, thread = serve(url)
    http = httpx.Client(base_url=base, timeout=60)
    http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).raise_for_status()
    path = f"/staff/queues/triage?category={category}&commune={commune}&lang=fr"

    def get(target: str) -> Callable[[], bytes]:
        def call() -> bytes:
            answer = http.get(target)
            answer.raise_for_status()
            return answer.content
        return call

    def refs_of(page: object) -> list[str]:
        return [ref.decode() for ref in ROW_REF.findall(page)]  # type: ignore[arg-type]

    same = lambda answer: answer  # noqa: E731  (the sides' answers are lists of references already)
    sides = [
        Side("HTTP floor (static file)", get("/favicon.ico")),
        Side("raw SQL, the page's 50 rows", rows, same),
        Side("raw SQL, the rows and the navigation's counts", rows_and_counts, same),
        Side("service (queues.list_ + queues.counts)", service_call, same),
        Side("HTTP page /staff/queues/triage, filtered", get(path), refs_of),
    ]
    assert refs_of(get(path)()), "the bench page lists no ticket"
    timings = compare(sides, runs=RUNS, warm=2)
    print(f"  {REPORTS:,} reports; triage queue filtered by category {category} and commune {commune} "
          f"({matching:,} in the queue before the scope); sides alternated, medians of {RUNS} runs; the same "
          f"50 tickets from every side", flush=True)
    print(f"  {load_average()}")
    report(timings)
    floor, raw_rows, raw_all, _, http_ms = (timings[side.label].median for side in sides)
    target = 1.5 * (raw_all + floor)
    print(f"  page / (raw rows + floor)        {http_ms / (raw_rows + floor):5.2f}")
    print(f"  page / (raw rows+counts + floor) {http_ms / (raw_all + floor):5.2f}  (target 1.5: "
          f"{'met' if http_ms <= target else 'NOT met'}); under 300 ms: {'yes' if http_ms < 300 else 'NO'}",
          flush=True)
    http.close()
    server.should_exit = True
    thread.join(timeout=10)
    raw.close()
    engine.dispose()


if __name__ == "__main__":
    main()
