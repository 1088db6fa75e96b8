"""No public page, feed, tile or export carries personal data: unique markers planted in every personal field
(resident name, email, phone; the agent's name and email; a staff note marked private; internal notes written
on public moves; the comment, EXIF and XMP of the resident's photo) are searched for in every public answer,
the photo files included, in the dashboard's figures and exports, which officials read, and (for what staff
wrote) in every email the resident receives."""

import uuid
from functools import partial

import mapbox_vector_tile

from core import users
from dispatch import intake, mailer, outbox
from dispatch import photos as photo_service
from dispatch.models import ReportEvent
from dispatch.schemas import AgentReportIntake, ContactDetails
from dispatch.storage import LocalStorage
from tests import photo_files
from tests.maps.factory import BELLECOUR


def _move(desk, report_id, to, **extra):
    """One move through the staff API, on the ticket's current version."""
    version = desk.get(f"/api/v1/tickets/{report_id}").json()["version"]
    answer = desk.post(f"/api/v1/tickets/{report_id}/transition", json={"to": to, "version": version, **extra})
    assert answer.status_code == 200, answer.text


def test_no_personal_data_in_any_public_answer(client, session, staff_client, smtp_server, tmp_path):
    mark = uuid.uuid4().hex[:10]
    digits = str(10_000_000 + uuid.uuid4().int % 89_999_999)
    markers = {
        "resident name": f"Resident{mark}", "resident email": f"resident{mark}@mail.example",
        "resident phone": f"+33 6 {digits[0:2]} {digits[2:4]} {digits[4:6]} {digits[6:8]}",
        "agent name": f"Agent{mark}",
        "agent email": f"agent{mark}@staff.example", "private note": f"PrivateNote{mark}",
        # Notes on public moves, written without saying they are public: internal by default (issue 14, #4).
        "internal triage note": f"rappelé Mme Dupont au 06 InternalTriage{mark}",
        "internal resolution note": f"InternalResolution{mark}",
        "photo comment and metadata": f"PhotoOwner{mark}",
    }
    # The resident's phone wrote their name in the photo's JPEG comment, EXIF and XMP.
    client.app.state.photo_storage = storage = LocalStorage(tmp_path / "photos")
    photo = photo_service.process(photo_service.Upload(
        data=photo_files.jpeg_with_every_segment(markers["photo comment and metadata"]), filename="IMG.jpg"))
    agent = users.create(session=session, email=markers["agent email"], name=markers["agent name"], role="agent",
                         password="a long enough password")
    report = intake.submit(session=session, channel="phone", staff=users.principal_of(agent), data=AgentReportIntake(
        lat=BELLECOUR[0], lon=BELLECOUR[1], category="pothole", description="Trou profond", channel="phone",
        contact=ContactDetails(name=markers["resident name"], email=markers["resident email"],
                               phone=markers["resident phone"], consent_updates=True, consent_remember=True)),
        processed=[photo], storage=storage)
    session.add(ReportEvent(report_id=report.id, action="note", actor_kind="staff", actor_id=str(agent.id),
                            role="agent", note=markers["private note"], public=False))
    session.flush()
    # The life of the ticket through the staff API: two moves with internal notes, one with a public note.
    desk = staff_client("admin")
    public_note = f"PublicNote{mark}"
    _move(desk, report.id, "triaged", note=markers["internal triage note"])
    _move(desk, report.id, "scheduled", note=public_note, note_public=True)
    _move(desk, report.id, "resolved", note=markers["internal resolution note"], outcome="fixed")
    history = desk.get(f"/api/v1/tickets/{report.id}/history").json()
    # Staff keep both kinds in the history, each saying whether residents read it.
    assert {(e["note"], e["note_public"]) for e in history if e["action"] == "transition"} == {
        (markers["internal triage note"], False), (public_note, True), (markers["internal resolution note"], False)}

    public = ["/map", "/map?lang=en", "/map/list", "/map/list?lang=en", f"/map/list?commune={report.commune_code}",
              "/api/v1/map/reports", "/api/v1/map/reports?limit=1", "/api/v1/map/reports.csv",
              "/api/v1/map/communes", f"/reports/{report.ref}", f"/api/v1/tracking/{report.ref}",
              "/open311/v2/requests.json", "/open311/v2/requests.xml",
              photo_service.url(photo.hash, "display"), photo_service.url(photo.hash, "thumb")]
    answers = {path: client.get(path) for path in public}
    tile = client.get("/tiles/reports/14/8411/5844.pbf")
    assert report.ref in str(mapbox_vector_tile.decode(tile.content))
    answers["tile"] = tile
    official = staff_client("official")
    for path in ("/dashboard", "/api/v1/dashboard/summary", "/api/v1/dashboard/heatmap",
                 "/api/v1/dashboard/heatmap.geojson", "/api/v1/dashboard/heatmap.csv", "/api/v1/dashboard/communes",
                 "/api/v1/dashboard/communes.geojson", "/api/v1/dashboard/communes.csv",
                 "/api/v1/dashboard/months.csv", "/api/v1/dashboard/channels.csv"):
        answers[path] = official.get(path)

    assert all(a.status_code == 200 for a in answers.values()), {p: a.status_code for p, a in answers.items()}
    # the report itself is there, so the search is not vacuous
    assert report.ref in answers["/api/v1/map/reports"].text and report.ref in answers["/map/list"].text
    assert report.ref in answers[f"/reports/{report.ref}"].text
    assert public_note in answers[f"/api/v1/tracking/{report.ref}"].text
    assert photo_service.url(photo.hash, "display") in answers[f"/reports/{report.ref}"].text
    for path, answer in answers.items():
        body = answer.content.decode("utf-8", errors="replace")
        for field, marker in markers.items():
            assert marker.lower() not in body.lower(), f"{field} leaked in {path}"
        assert digits not in body.replace(" ", ""), f"resident phone leaked in {path}"

    # Every email the resident was sent: the public note reached them, no internal note nor staff name did.
    handlers = {"email": partial(mailer.send, config=smtp_server.config())}
    while outbox.deliver_one(session=session, handlers=handlers) is not None:
        pass
    mails = smtp_server.to(markers["resident email"])
    # The acknowledgement at intake, then triaged, scheduled and resolved.
    assert len(mails) == 4, [m["Subject"] for m in mails]
    assert any(public_note in m.get_content() for m in mails)
    for mail in mails:
        text = mail.as_string() + mail.get_content()
        for field in ("agent name", "agent email", "private note", "internal triage note", "internal resolution note"):
            assert markers[field].lower() not in text.lower(), f"{field} leaked in the email {mail['Subject']}"
