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


# Reference geodata that no resident's input reaches; its hex geometries hold any 8-digit run now and then.
GEODATA = ("spatial_ref_sys", "zones", "zone_pieces")


def traces(session, needles):
    """Every table whose rows, read as text, contain one of the needles."""
    tables = session.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL(:skip)"),
        {"skip": list(GEODATA)}).scalars()
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


def test_erasure_takes_feedback_photos_and_the_person_out_of_staff_notes(client, session, staff_client, tmp_path):
    """Finding 17: the feedback comment (exported first), the photos they sent, their name in staff notes."""
    from dispatch import notifications, workflow
    from dispatch.models import Photo, ReportPhoto
    from dispatch.outbox import OutboxMessage
    from dispatch.storage import LocalStorage
    from dispatch.workflow import Outcome, OutcomeInput
    from tests.factories import actor
    from tests.photo_files import phone_jpeg

    storage = LocalStorage(tmp_path / "photos")
    client.app.state.photo_storage = storage
    person = markers()
    surname = person["name"].split()[-1]
    filed = client.post("/api/v1/reports", data={
        "lat": str(BELLECOUR[0]), "lon": str(BELLECOUR[1]), "category": "pothole", "description": "Trou",
        "contact_name": person["name"], "contact_email": person["email"], "contact_phone": person["phone"],
        "consent_updates": "true"}, files=[("photos", ("trou.jpg", phone_jpeg(gps=False), "image/jpeg"))])
    assert filed.status_code == 201, filed.text
    report_id = filed.json()["id"]
    [photo_hash] = session.scalars(select(ReportPhoto.photo_hash).where(ReportPhoto.report_id == report_id)).all()
    assert [p for p in storage.root.rglob("*") if p.is_file()]
    # A neighbour follows the report; a staff note naming the resident goes to them by email.
    follow = client.post(f"/api/v1/reports/by-ref/{filed.json()['ref']}/follow",
                         json={"contact": {"email": "voisin@example.org", "consent_updates": True}})
    assert follow.status_code == 201
    crew = actor("crew", session.get(Report, report_id))
    spoken = f"Rappelé Mme {surname} au {person['phone'][:2]} {person['phone'][2:4]} {person['phone'][4:6]} " \
             f"{person['phone'][6:8]} {person['phone'][8:]}, écrit à {person['email'].upper()}"
    workflow.transition(session=session, report_id=report_id, to="triaged", actor=actor("agent"), version=None,
                        note=spoken, public=True, note_public=True)
    workflow.transition(session=session, report_id=report_id, to="resolved", actor=crew, version=None,
                        outcome=OutcomeInput(Outcome.FIXED), note="Trou rebouché")
    record = session.scalars(select(ReportReporter.resident_id).where(ReportReporter.report_id == report_id,
                                                                      ReportReporter.role == "original")).one()
    key = f"r{record}"
    session.commit()
    rated = client.post(f"/api/v1/tracking/{filed.json()['ref']}/feedback", json={
        "r": key, "t": notifications.resident_token(report_id, key), "satisfaction": 2,
        "comment": f"Merci, signé {person['name']}: mal rebouché"})
    assert rated.status_code == 200, rated.text
    to_neighbour = [m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report_id))
                    if m.payload.get("to") == "voisin@example.org"]
    assert any(surname in m.payload["text"] for m in to_neighbour)  # the note did reach the neighbour

    bearer = session_for(client, session, person["email"])
    exported = client.get("/api/v1/me/data", headers=bearer).json()
    assert [(f["satisfaction"], f["comment"]) for f in exported["feedback"] if f["action"] == "feedback"] == [
        (2, f"Merci, signé {person['name']}: mal rebouché")]

    erased = client.delete("/api/v1/me", headers=bearer)
    assert erased.status_code == 200, erased.text
    assert erased.json()["photos"] == 1 and erased.json()["feedback"] == 1
    assert traces(session, person["needles"]) == {}
    session.expire_all()
    # The note stays, meaning intact, without the person; the neighbour's message likewise.
    notes = session.scalars(select(ReportEvent.note).where(ReportEvent.report_id == report_id,
                                                           ReportEvent.note.like("Rappelé Mme%"))).all()
    assert notes == ["Rappelé Mme [effacé / erased] au [effacé / erased], écrit à [effacé / erased]"]
    kept = [m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report_id))
            if m.payload.get("to") == "voisin@example.org"]
    assert kept and not any(surname in m.payload["text"] for m in kept)
    # The score stays for the figures; the comment and the photo go, files included.
    report = session.get(Report, report_id)
    assert (report.satisfaction, report.satisfaction_comment) == (2, None)
    assert session.get(Photo, photo_hash) is None
    assert [p for p in storage.root.rglob("*") if p.is_file()] == []
    assert client.get(f"/photos/{photo_hash}/display.jpg").status_code == 404
