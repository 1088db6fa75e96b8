"""What a client posts comes back as posted: description, attributes, media_url; what staff hid never does.

Also: status notes from the public history, the updates extension, and the worker's optional safe fetch of
a media_url (public addresses only, photo checked, never in the request path).
"""

import io
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from defusedxml import ElementTree as SafeET
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.pgcluster import free_port
from core.settings import get_settings
from core.users import Principal
from dispatch import egress, media, moderation, outbox
from dispatch.models import Report, ReportPhoto
from tests.open311.test_behaviour import V2, jpeg, post

AS_TYPED = "  Trou  profond\r\ndevant le n°12 <attention> & « danger »\n\n"
AGENT = Principal(kind="staff", id=1, role="admin", name="Agent")


def read(client: TestClient, ref: str, fmt: str) -> dict[str, str | None]:
    answer = client.get(f"{V2}/requests/{ref}.{fmt}")
    assert answer.status_code == 200, answer.text
    if fmt == "json":
        return dict(answer.json()[0])
    request = SafeET.fromstring(answer.content).find("request")
    return {child.tag: child.text for child in request}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_description_comes_back_byte_for_byte(client: TestClient, open311_key: str, fmt: str) -> None:
    ref = post(client, open311_key, fmt="json", description=AS_TYPED)
    assert read(client, ref, fmt)["description"] == AS_TYPED
    by_xml_post = client.post(f"{V2}/requests.xml", content=(
        "<service_request><api_key>" + open311_key + "</api_key><service_code>pothole</service_code>"
        "<lat>45.7578</lat><long>4.832</long><description>  deux  espaces&#13;\nfin </description>"
        "</service_request>").encode(), headers={"Content-Type": "text/xml"})
    xml_ref = SafeET.fromstring(by_xml_post.content).findtext("request/service_request_id")
    assert read(client, xml_ref, fmt)["description"] == "  deux  espaces\r\nfin "


def test_attributes_are_stored_and_returned_never_folded(client: TestClient, session: Session,
                                                         open311_key: str) -> None:
    ref = post(client, open311_key, "illegal_dumping", description="Dépôt sauvage",
               **{"attribute[volume]": "medium", "attribute[unasked]": "dropped"})
    multi = client.post(f"{V2}/requests.json", data={
        "api_key": open311_key, "service_code": "illegal_dumping", "lat": "45.7578", "long": "4.832",
        "attribute[kinds][]": ["green", "rubble"]})
    (item,) = client.get(f"{V2}/requests/{ref}.json").json()
    assert item["description"] == "Dépôt sauvage" and item["attributes"] == {"volume": "medium"}
    stored = session.execute(text("SELECT attributes FROM reports WHERE ref = :r"), {"r": ref}).scalar_one()
    assert stored == {"volume": ["medium"]}
    other = multi.json()[0]["service_request_id"]
    assert client.get(f"{V2}/requests/{other}.json").json()[0]["attributes"] == {"kinds": ["green", "rubble"]}
    xml = SafeET.fromstring(client.get(f"{V2}/requests/{other}.xml").content)
    assert [e.text for e in xml.find("request/attributes/kinds")] == ["green", "rubble"]
    bad = client.post(f"{V2}/requests.json", data={
        "api_key": open311_key, "service_code": "illegal_dumping", "lat": "45.7578", "long": "4.832",
        "attribute[volume]": "enormous"})
    assert bad.status_code == 400


def test_media_url_is_kept_as_given(client: TestClient, open311_key: str) -> None:
    url = "HTTPS://Photos.Example.org/a%20b/IMG.JPG?x=1&y=%C3%A9"
    ref = post(client, open311_key, media_url=url)
    assert read(client, ref, "json")["media_url"] == url and read(client, ref, "xml")["media_url"] == url
    for unsafe in ("javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd"):
        answer = client.post(f"{V2}/requests.json", data={"api_key": open311_key, "service_code": "pothole",
                                                         "lat": "45.75", "long": "4.83", "media_url": unsafe})
        assert answer.status_code == 400, unsafe


def test_what_staff_hid_is_in_no_open311_answer(client: TestClient, session: Session, open311_key: str) -> None:
    words = "Le voisin Jean Dupont a encore garé sa voiture ici"
    with_photo = client.post(f"{V2}/requests.json", data={
        "api_key": open311_key, "service_code": "pothole", "lat": "45.7578", "long": "4.832", "description": words},
        files={"media": ("photo.jpg", jpeg(), "image/jpeg")})
    ref = with_photo.json()[0]["service_request_id"]
    report = session.scalar(select(Report).where(Report.ref == ref))
    photo = session.scalar(select(ReportPhoto).where(ReportPhoto.report_id == report.id))
    shown = client.get(f"{V2}/requests/{ref}.json").json()[0]
    assert shown["description"] == words and photo.photo_hash in shown["media_url"]
    moderation.set_description_hidden(session=session, report_id=report.id, actor=AGENT, hidden=True, version=None)
    moderation.set_photo_hidden(session=session, report_id=report.id, actor=AGENT, photo_id=photo.id, hidden=True,
                                version=None)
    session.flush()
    bodies = [client.get(f"{V2}/{path}").text for path in (
        "requests.json", "requests.xml", f"requests/{ref}.json", f"requests/{ref}.xml",
        "servicerequestupdates.json", "servicerequestupdates.xml")]
    for body in bodies:
        assert "Jean Dupont" not in body and photo.photo_hash not in body
    assert ref in bodies[0] and ref in bodies[2]
    hidden = client.get(f"{V2}/requests/{ref}.json").json()[0]
    assert hidden["description"] is None and hidden["media_url"] is None


def test_status_notes_and_updates_come_from_the_public_history(client: TestClient, session: Session,
                                                               open311_key: str) -> None:
    ref = post(client, open311_key)
    report = session.scalar(select(Report).where(Report.ref == ref))
    moderation.add_note(session=session, report_id=report.id, actor=AGENT, note="Interne : voir avec la mairie")
    assert "[new]" in client.get(f"{V2}/requests/{ref}.json").json()[0]["status_notes"]
    moderation.add_note(session=session, report_id=report.id, actor=AGENT, note="Équipe prévue jeudi", public=True)
    moderation.add_note(session=session, report_id=report.id, actor=AGENT, note="Interne encore")
    session.flush()
    assert client.get(f"{V2}/requests/{ref}.json").json()[0]["status_notes"] == "Équipe prévue jeudi"
    updates = client.get(f"{V2}/servicerequestupdates.json", params={"service_request_id": ref}).json()
    assert [u["description"] for u in updates][-1] == "Équipe prévue jeudi"
    assert all(u["service_request_id"] == ref and u["status"] == "open" for u in updates)
    assert not any("Interne" in (u["description"] or "") for u in updates)
    xml = SafeET.fromstring(client.get(f"{V2}/servicerequestupdates.xml", params={"service_request_id": ref}).content)
    assert xml.tag == "service_request_updates" and xml.find("request_update/update_id") is not None


class ImageServer:
    """A loopback HTTP server answering one path with a photo, another with HTML."""

    def __init__(self) -> None:
        photo = io.BytesIO()
        Image.new("RGB", (80, 60), (10, 120, 200)).save(photo, "PNG")
        bodies = {"/photo.png": ("image/png", photo.getvalue()), "/page": ("text/html", b"<html></html>")}
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                kind, body = bodies.get(self.path, ("text/plain", b"no"))
                self.send_response(200 if self.path in bodies else 404)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    server = ImageServer()
    yield server
    server.close()


@pytest.fixture
def media_fetch_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RUECOMMUNE_OPEN311_MEDIA_FETCH", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("RUECOMMUNE_OPEN311_MEDIA_FETCH")
    get_settings.cache_clear()


def deliver(session: Session, allowed: tuple[egress.IPNetwork, ...]) -> outbox.OutboxMessage | None:
    return outbox.deliver_one(session=session, handlers={media.KIND: partial(media.fetch, allowed=allowed)})


def test_the_worker_fetches_a_media_url_safely(client: TestClient, session: Session, open311_key: str,
                                               image_server: ImageServer, media_fetch_on: None) -> None:
    url = image_server.url("/photo.png")
    ref = post(client, open311_key, media_url=url)
    assert image_server.hits == []  # nothing fetched in the request path
    report = session.scalar(select(Report).where(Report.ref == ref))
    refused = deliver(session, ())  # loopback is no public address
    assert refused is not None and refused.status == "pending" and "refused" in (refused.last_error or "")
    assert image_server.hits == []
    session.execute(text("UPDATE outbox SET next_attempt_at = now() WHERE id = :i"), {"i": refused.id})
    sent = deliver(session, egress.parse_networks("127.0.0.0/8"))
    assert sent is not None and sent.status == "sent", sent and sent.last_error
    (photo,) = session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report.id))
    assert photo.added_by == "system:media_url" and image_server.hits == ["/photo.png"]
    assert client.get(f"{V2}/requests/{ref}.json").json()[0]["media_url"] == url  # still the client's URL
    moderation.set_photo_hidden(session=session, report_id=report.id, actor=AGENT, photo_id=photo.id, hidden=True,
                                version=None)
    session.flush()
    assert client.get(f"{V2}/requests/{ref}.json").json()[0]["media_url"] is None

    not_a_photo = post(client, open311_key, media_url=image_server.url("/page"))
    failed = deliver(session, egress.parse_networks("127.0.0.0/8"))
    assert failed is not None and "not an image" in (failed.last_error or ""), not_a_photo


def test_without_the_setting_nothing_is_queued(client: TestClient, session: Session, open311_key: str) -> None:
    ref = post(client, open311_key, media_url="https://photos.example.org/x.jpg")
    report = session.scalar(select(Report).where(Report.ref == ref))
    assert outbox.pending(session=session, report_id=report.id, kind=media.KIND) == []
