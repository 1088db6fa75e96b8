"""Residents' data rights: export shows everything, erasure leaves no trace anywhere; retention runs alone."""

import logging
import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from core.logging import JsonFormatter
from core.settings import get_settings
from dispatch import privacy
from dispatch.models import Report, ReportEvent, ReportReporter, Resident
from tests.conftest import BELLECOUR, VILLEURBANNE_TOWN_HALL
from tests.residents_support import session_for, signed_in


def markers():
    tag = uuid.uuid4().hex[:10]
    digits = "".join(random.choice("0123456789") for _ in range(8))
    return {"name": f"Zéphyrin Qx{tag}", "email": f"qx{tag}@example.org", "phone": f"06{digits}",
            "needles": [f"Qx{tag}", f"qx{tag}", digits]}


def file_report(client, person, where=BELLECOUR):
    answer = client.post("/api/v1/reports", json={
        "lat": where[0], "lon": where[1], "category": "pothole", "description": "Trou profond",
        "contact": {"name": person["name"], "email": person["email"], "phone": person["phone"],
                    "consent_updates": True, "consent_remember": True}})
    assert answer.status_code == 201, answer.text
    return answer.json()


def traces(session, needles):
    """Every table whose rows, read as text, contain one of the needles."""
    tables = session.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'")).scalars()
    found = {}
    for table in tables:
        for needle in needles:
            hits = session.execute(text(f'SELECT count(*) FROM "{table}" t WHERE t::text ILIKE :n'),  # noqa: S608
                                   {"n": f"%{needle}%"}).scalar()
            if hits:
                found[(table, needle)] = hits
    return found


def test_erasure_leaves_no_trace_in_any_table_file_log_or_export(client, session, staff_client, smtp_server,
                                                                 caplog):
    caplog.set_level(logging.DEBUG)
    person = markers()
    first = file_report(client, person)
    second = file_report(client, person, where=VILLEURBANNE_TOWN_HALL)
    # The resident opens the emailed link once: the address is proven, and both reports typed with it are theirs.
    signed_in(client, session, smtp_server, person["email"])
    resident_id = session.scalars(select(ReportReporter.resident_id)
                                  .where(ReportReporter.report_id == first["id"])).one()
    assert traces(session, person["needles"])  # the data really was there

    agent = staff_client("agent")
    exported = agent.get(f"/api/v1/agent/residents/{resident_id}/data")
    assert exported.status_code == 200
    assert person["email"] in exported.text and {r["ref"] for r in exported.json()["reports"]} == {
        first["ref"], second["ref"]}

    erased = agent.post(f"/api/v1/agent/residents/{resident_id}/erase")
    assert erased.status_code == 200, erased.text
    assert sorted(erased.json()["reports"]) == sorted([first["id"], second["id"]])

    assert traces(session, person["needles"]) == {}
    assert session.get(Resident, resident_id) is None
    # The reports stay, and their history says what happened, without the data.
    for report in (first, second):
        assert session.get(Report, report["id"]) is not None
        actions = session.scalars(select(ReportEvent.action).where(ReportEvent.report_id == report["id"])).all()
        assert "reporter_erased" in actions
    assert agent.get(f"/api/v1/agent/residents/{resident_id}/data").status_code == 404
    photo_dir = get_settings().photo_dir
    if photo_dir.exists():
        for path in photo_dir.rglob("*"):
            if path.is_file():
                assert not any(n.encode() in path.read_bytes() for n in person["needles"]), path
    formatter = JsonFormatter()
    for record in caplog.records:
        line = formatter.format(record)
        assert not any(n in line for n in person["needles"]), line
    for public in (f"/reports/{first['ref']}", "/map", f"/api/v1/reports/by-ref/{first['ref']}",
                   "/open311/v2/requests.json"):
        body = client.get(public).text
        assert not any(n in body for n in person["needles"]), public


def test_a_resident_exports_and_erases_their_own_data_with_the_magic_link(client, session, smtp_server):
    person = markers()
    file_report(client, person)
    bearer = session_for(client, session, person["email"])
    mine = client.get("/api/v1/me/data", headers=bearer)
    assert mine.status_code == 200 and mine.json()["records"][0]["email"] == person["email"]
    gone = client.delete("/api/v1/me", headers=bearer)
    assert gone.status_code == 200
    assert traces(session, person["needles"]) == {}
    assert client.get("/api/v1/me/data", headers=bearer).status_code == 401


def test_retention_anonymises_idle_reporters_and_deletes_old_rejected_reports(client, session):
    person = markers()
    kept = file_report(client, person)
    old = file_report(client, markers())
    long_ago = datetime.now(UTC) - timedelta(days=800)
    session.execute(text("UPDATE reports SET state = 'rejected', updated_at = :t WHERE id = :id"),
                    {"t": long_ago, "id": old["id"]})
    session.execute(text("UPDATE reports SET state = 'closed', updated_at = :t WHERE id = :id"),
                    {"t": long_ago, "id": kept["id"]})
    session.execute(text("UPDATE residents SET updated_at = :t"), {"t": long_ago})
    plan = privacy.apply_retention(session=session, anonymise_after_days=365, delete_rejected_after_days=365,
                                   dry_run=True)
    assert plan["rejected_reports_deleted"] >= 1 and plan["residents_anonymised"] >= 2
    assert session.get(Report, old["id"]) is not None  # a dry run changes nothing
    privacy.apply_retention(session=session, anonymise_after_days=365, delete_rejected_after_days=365)
    session.expire_all()
    assert session.get(Report, old["id"]) is None
    assert session.get(Report, kept["id"]) is not None
    assert traces(session, person["needles"]) == {}
