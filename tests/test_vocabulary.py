"""One vocabulary: no second copy of a state set in Python or SQL, and every overdue definition agrees."""

import ast
import itertools
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from dispatch import vocabulary
from dispatch.models import Report
from dispatch.sqlfiles import SQL_DIR as DISPATCH_SQL
from dispatch.vocabulary import State
from maps.filters import ReportFilter
from maps.queries import SQL_DIR as MAPS_SQL
from maps.service import figure_rows
from tests.factories import make_ticket

ROOT = Path(__file__).resolve().parents[1]
STATE_NAMES = {str(s) for s in State}
# Where the vocabulary is allowed to be spelt out: its own module, history (migrations) and tests.
ALLOWED = {ROOT / "dispatch" / "vocabulary.py"}
SKIPPED_DIRS = {"tests", "migrations", ".venv", ".data", "build", "node_modules", "mobile_pwa", "mutants"}


def _sources(suffix: str) -> list[Path]:
    return [p for p in ROOT.rglob(f"*{suffix}")
            if not SKIPPED_DIRS & set(p.relative_to(ROOT).parts) and p not in ALLOWED]


def _literal_state_sets(path: Path) -> list[str]:
    """Tuples, lists and sets of two or more state names written out in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            names = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in STATE_NAMES]
            if len(names) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {names}")
    return found


def test_no_python_module_keeps_its_own_state_set() -> None:
    copies = [hit for path in _sources(".py") for hit in _literal_state_sets(path)]
    assert copies == [], "state sets belong to dispatch/vocabulary.py:\n" + "\n".join(copies)


def test_no_sql_file_spells_a_state_out() -> None:
    # A state compared or listed ('resolved' as a JSON key or a row label is not a state set).
    names = "|".join(sorted(STATE_NAMES))
    quoted = re.compile(r"state\s*(?:=|<>|!=|(?:NOT\s+)?IN\s*\()[^)]*?'(?:" + names + r")'", re.IGNORECASE)
    copies = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in _sources(".sql")
              for m in quoted.finditer(path.read_text())]
    assert copies == [], "SQL reads the vocabulary's placeholders (@OPEN_STATES@, ...):\n" + "\n".join(copies)


def test_every_placeholder_in_sql_is_known() -> None:
    used = {m for p in [*DISPATCH_SQL.glob("*.sql"), *MAPS_SQL.glob("*.sql")]
            for m in re.findall(r"@[A-Z_]+@", p.read_text())}
    assert used <= set(vocabulary.SQL_PLACEHOLDERS), used - set(vocabulary.SQL_PLACEHOLDERS)
    assert "@" not in vocabulary.render_sql(" ".join(sorted(used)))


def test_the_sets_mean_what_they_say() -> None:
    assert set(State) == vocabulary.OPEN | vocabulary.DONE and not vocabulary.OPEN & vocabulary.DONE
    assert vocabulary.WORKING <= vocabulary.OPEN and vocabulary.TRIAGE <= vocabulary.OPEN
    assert State.REJECTED not in vocabulary.PUBLIC and vocabulary.DONE <= vocabulary.PUBLIC
    assert set(vocabulary.LABELS) == set(vocabulary.DESCRIPTIONS) == set(State)
    assert set(vocabulary.OUTCOME_LABELS) == set(vocabulary.Outcome)
    # One name per state and language: two states never share a label.
    for lang in (0, 1):
        names = [pair[lang] for pair in vocabulary.LABELS.values()]
        assert len(names) == len(set(names))


def _states_in(predicate: str) -> set[str]:
    return set(re.findall(r"'([a-z_]+)'", predicate))


# Each partial index on a state set, with the vocabulary set its predicate must hold.
INDEXED_SETS = {
    "ix_reports_open_category_l93": vocabulary.PUBLIC_OPEN,
    "ix_reports_due_open": vocabulary.OPEN,
    "ix_reports_crew_open_l93": vocabulary.WORKING,
    "ix_reports_triage": vocabulary.TRIAGE,
    # The queues' count indexes (migration 1703): triage's predicate also says open (TRIAGE is within OPEN).
    "ix_reports_queue_triage": vocabulary.TRIAGE | vocabulary.OPEN,
    "ix_reports_queue_overdue": vocabulary.OPEN,
    "ix_reports_queue_resolved": vocabulary.DONE,
}


def test_partial_indexes_and_constraints_hold_the_vocabulary(session: Session) -> None:
    rows = dict(session.execute(text(
        "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'reports'::regclass AND i.indpred IS NOT NULL"
    )).all())
    for name, states in INDEXED_SETS.items():
        assert _states_in(rows[name]) == {str(s) for s in states}, (name, rows[name])
    stated = {name for name, pred in rows.items() if "state" in pred}
    assert stated == set(INDEXED_SETS), f"a new partial index on states must be listed here: {stated}"
    check = session.execute(text("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                 "WHERE conname = 'ck_reports_state'")).scalar_one()
    assert _states_in(check) == STATE_NAMES


def test_the_dashboard_covering_index_has_every_column_overdue_reads(session: Session) -> None:
    definition = session.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_reports_figures'")
                                 ).scalar_one()
    for column in ("state", "due_at", "paused_at"):
        assert column in definition


@pytest.mark.parametrize("state", sorted(STATE_NAMES))
def test_the_three_overdue_definitions_agree(session: Session, state: str) -> None:
    """Python (`is_overdue`), SQLAlchemy (`overdue_clause`) and SQL (`@OVERDUE@`, the dashboard) on every case."""
    now = session.execute(select(func.now())).scalar_one()
    cases = list(itertools.product((None, now - timedelta(days=2), now + timedelta(days=2)), (None, now)))
    ids = []
    for due_at, paused_at in cases:
        report = make_ticket(session, state=state)
        session.execute(update(Report).where(Report.id == report.id).values(due_at=due_at, paused_at=paused_at))
        ids.append(report.id)
    session.flush()
    reports = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_(ids))
                                                .execution_options(populate_existing=True))}
    python = {i for i in ids if vocabulary.is_overdue(state=reports[i].state, due_at=reports[i].due_at,
                                                        paused_at=reports[i].paused_at, now=now)}
    orm = set(session.scalars(select(Report.id).where(Report.id.in_(ids), vocabulary.overdue_clause(Report))))
    overdue_sql = vocabulary.render_sql("SELECT r.id FROM reports r WHERE r.id = ANY(:ids) AND @OVERDUE@")
    raw = set(session.scalars(text(overdue_sql), {"ids": ids}))
    assert python == orm == raw
    expected = 1 if state in vocabulary.OPEN else 0  # only (past due, not paused) is overdue
    assert len(python) == expected


def _dashboard_overdue(session: Session) -> int:
    rows = figure_rows(session=session, filters=ReportFilter(category="pothole"))
    return int(next(row for row in rows if row["kind"] == "total")["overdue"])


def test_the_dashboard_counts_overdue_by_the_same_rule(session: Session) -> None:
    now = session.execute(select(func.now())).scalar_one()
    before = _dashboard_overdue(session)
    late = make_ticket(session, state="triaged")
    paused = make_ticket(session, state="waiting_resident")
    rejected = make_ticket(session, state="rejected")
    session.execute(update(Report).where(Report.id.in_([late.id, paused.id, rejected.id]))
                    .values(due_at=now - timedelta(days=1)))
    session.execute(update(Report).where(Report.id == paused.id).values(paused_at=now))
    # The late one and the rejected one (still the resident's problem); the paused clock is not late.
    assert _dashboard_overdue(session) - before == 2


def test_the_app_names_the_states_from_the_vocabulary(client: TestClient) -> None:
    served = client.get("/pwa/app/states.js")
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/javascript")
    labels = json.loads(served.text.split("STATE_LABELS = ", 1)[1].rstrip().rstrip(";"))
    assert labels == {lang: {f"state.{s}": vocabulary.label(s, lang) for s in State} for lang in ("fr", "en")}
    # Kept offline with the rest of the shell, and no file of the app keeps a second copy of the names.
    assert "/pwa/app/states.js" in client.get("/sw.js").text
    copies = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in (ROOT / "mobile_pwa").rglob("*.js")
              for m in re.finditer(r'"state\.\w+"\s*:', p.read_text(encoding="utf-8"))]
    assert copies == [], "the app reads the states' names from states.js:\n" + "\n".join(copies)
