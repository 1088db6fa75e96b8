"""Exports (issue 14, findings 9 and 12): CSV cells never run as formulas, rows stream, anonymous callers are capped."""

import csv
import io
import re
from pathlib import Path

from sqlalchemy import text

from api import exports
from core.settings import PROJECT_ROOT
from tests.maps.factory import BELLECOUR, make_report

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\tpadded", "\rcarriage"]
CSV_EXPORTS = ["/ogc/collections/reports/items?f=csv", "/api/v1/map/reports.csv"]
DASHBOARD_CSV = ["/api/v1/dashboard/communes.csv", "/api/v1/dashboard/heatmap.csv", "/api/v1/dashboard/months.csv",
                 "/api/v1/dashboard/channels.csv"]


def _rows(answer) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_a_cell_that_starts_like_a_formula_is_quoted_in_every_public_csv(client, session):
    for description in FORMULAS:
        make_report(session, BELLECOUR, description=description)
    for url in CSV_EXPORTS:
        cells = {row["description"] for row in _rows(client.get(url))}
        for formula in FORMULAS:
            assert "'" + formula in cells, (url, formula)
            assert formula not in cells, (url, formula)
        # Numbers are numbers, not text: a negative coordinate keeps its sign and no quote.
        row = _rows(client.get(url))[0]
        assert re.fullmatch(r"-?\d+(\.\d+)?", row["lat"]) and re.fullmatch(r"-?\d+(\.\d+)?", row["lon"])


def test_dashboard_csv_cells_are_quoted_too(staff_client, session):
    make_report(session, BELLECOUR)
    session.execute(text("UPDATE zones SET name = '=cmd|''/C calc''!A0' WHERE code = '69029'"))
    official = staff_client("official")
    names = {row["name"] for row in _rows(official.get("/api/v1/dashboard/communes.csv"))}
    assert "'=cmd|'/C calc'!A0" in names and "=cmd|'/C calc'!A0" not in names
    for url in DASHBOARD_CSV:
        answer = official.get(url)
        assert answer.status_code == 200 and "content-length" not in answer.headers, url  # streamed


def test_one_helper_writes_every_csv():
    """No HTTP layer module but api/exports.py writes CSV, so no new export can forget to defuse its cells."""
    writers = [path.relative_to(PROJECT_ROOT) for package in ("api", "maps")
               for path in Path(PROJECT_ROOT, package).rglob("*.py") if re.search(r"csv\.(writer|DictWriter)\(",
                                                                                   path.read_text())]
    assert writers == [Path("api/exports.py")]


def test_the_helper_defuses_each_owasp_start_and_leaves_the_rest():
    assert [exports.cell(v) for v in FORMULAS] == ["'" + v for v in FORMULAS]
    assert [exports.cell(v) for v in ("ok", "a=b", "", None, -4.5, 3)] == ["ok", "a=b", "", None, -4.5, 3]


def test_anonymous_callers_are_capped_with_a_problem_naming_the_cap(client, session, staff_client):
    for _ in range(4):
        make_report(session, BELLECOUR)
    session.commit()  # out of the savepoint a refused request rolls back
    client.app.state.settings = client.app.state.settings.model_copy(update={"export_anonymous_max_rows": 3})
    for url in ("/ogc/collections/reports/items?f=csv&limit=1000000", "/api/v1/map/reports.csv?limit=1000000"):
        refused = client.get(url)
        assert refused.status_code == 400, url
        assert refused.headers["content-type"] == "application/problem+json"
        body = refused.json()
        assert body["code"] == "export.too_large" and body["max_rows"] == 3 and "3" in body["detail_en"]
    # Without a limit, the cap is the default: never more rows than the cap.
    assert len(_rows(client.get("/ogc/collections/reports/items?f=csv"))) == 3
    assert len(_rows(client.get("/api/v1/map/reports.csv"))) == 3


def test_staff_may_ask_for_more_and_the_answer_streams(engine, session, staff_client):
    made = {make_report(session, BELLECOUR).ref for _ in range(5)}
    agent = staff_client("agent")
    agent.app.state.settings = agent.app.state.settings.model_copy(update={"export_anonymous_max_rows": 2})
    for url in ("/ogc/collections/reports/items?f=csv&limit=1000000", "/api/v1/map/reports.csv?limit=1000000"):
        answer = agent.get(url)
        assert "content-length" not in answer.headers and answer.headers.get("transfer-encoding") != "identity"
        assert made <= {row["ref"] for row in _rows(answer)}, url


def test_rows_are_written_a_batch_at_a_time():
    chunks = list(exports.lines(["a"], ([i] for i in range(2 * exports.BATCH_ROWS + 1))))
    assert len(chunks) == 3
    assert b"".join(chunks).count(b"\r\n") == 2 * exports.BATCH_ROWS + 2


def test_a_live_server_streams_the_csv_from_its_own_session_batch_by_batch(live_server, monkeypatch):
    """Over real connections (no test session): the read session stays open while the rows stream."""
    import httpx

    from tests.maps.factory import plant

    monkeypatch.setattr(exports, "BATCH_ROWS", 2)  # five rows: three batches from the server-side cursor
    made = {r.ref for r in plant(live_server.engine, *[{"description": f"streamed {i}"} for i in range(5)])}
    with httpx.stream("GET", live_server("/ogc/collections/reports/items?f=csv"), timeout=10) as answer:
        assert answer.status_code == 200 and answer.headers.get("transfer-encoding") == "chunked"
        body = b"".join(answer.iter_bytes()).decode()
    assert made <= {row["ref"] for row in csv.DictReader(io.StringIO(body))}
