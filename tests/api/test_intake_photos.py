"""Intake with real photo files: EXIF GPS and orientation, HEIC, PNG, WebP, and every file that must be refused."""

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from dispatch.models import Photo, Report, ReportPhoto
from dispatch.storage import LocalStorage
from tests import photo_files
from tests.conftest import BELLECOUR


@pytest.fixture
def storage(client, tmp_path: Path) -> LocalStorage:
    store = LocalStorage(tmp_path / "photos")
    client.app.state.photo_storage = store
    return store


def stored_files(storage: LocalStorage) -> list[Path]:
    return sorted(p for p in storage.root.rglob("*") if p.is_file()) if storage.root.exists() else []


def report_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Report))


def send(client, files, data=None, headers=None):
    form = {"category": "pothole", "description": "Trou devant la fontaine", **(data or {})}
    return client.post("/api/v1/reports", data=form, files=[("photos", f) for f in files], headers=headers or {})


def assert_problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["detail_fr"] and body["detail_en"] and body["detail_fr"] != body["detail_en"]
    return body


def test_phone_jpeg_gives_its_location_and_is_stored_upright_without_any_metadata(client, session, storage):
    original = photo_files.phone_jpeg(orientation=6)
    response = send(client, [("IMG_0001.jpg", original, "image/jpeg")])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["location_source"] == "exif"
    assert (round(body["lat"], 4), round(body["lon"], 4)) == photo_files.BELLECOUR_DEG
    assert (body["commune_code"], body["zone_code"]) == ("69123", "69382")
    assert len(body["photos"]) == 1
    files = stored_files(storage)
    assert {f.name for f in files} == {"display.jpg", "thumb.jpg"}
    for link in ("display", "thumb"):
        served = client.get(body["photos"][0][link])
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        image = Image.open(io.BytesIO(served.content))
        image.load()
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0, dict(image.getexif())
        assert "exif" not in image.info and "icc_profile" not in image.info and "xmp" not in image.info
        for secret in (b"Exif", b"PhoneMaker", b"Jeanne Owner", b"Secret Edition", b"CameraApp"):
            assert secret not in served.content
        # Stored 800 x 600 with orientation 6: upright it is portrait, the sensor's top (red) now on the right.
        width, height = image.size
        assert height > width
        right, left = image.getpixel((width - 5, height // 2)), image.getpixel((5, height // 2))
        assert right[0] > 150 and right[2] < 100, right
        assert left[2] > 150 and left[0] < 100, left
    assert Image.open(files[0]).size[0] <= 1600


def test_device_location_wins_over_exif(client, storage):
    body = send(client, [("a.jpg", photo_files.phone_jpeg(), "image/jpeg")],
                data={"lat": "45.7666", "lon": "4.8795"}).json()
    assert body["location_source"] == "device"
    assert body["commune_code"] == "69266"


def test_heic_png_and_webp_are_accepted_and_stored_as_plain_jpeg(client, storage):
    for name, data, declared in (("IMG_2.HEIC", photo_files.heic_photo(), "image/heic"),
                                 ("plan.png", photo_files.png_photo(), "image/png"),
                                 ("shot.webp", photo_files.webp_photo(), "image/webp")):
        response = send(client, [(name, data, declared)], data={"lat": BELLECOUR[0], "lon": BELLECOUR[1]})
        assert response.status_code == 201, (name, response.text)
        link = response.json()["photos"][0]["display"]
        image = Image.open(io.BytesIO(client.get(link).content))
        assert image.format == "JPEG" and len(image.getexif()) == 0
    # The PNG's transparent corner comes out white, not black.
    png_body = send(client, [("p2.png", photo_files.png_photo(), "image/png")],
                    data={"lat": BELLECOUR[0], "lon": BELLECOUR[1], "description": "autre"}).json()
    corner = Image.open(io.BytesIO(client.get(png_body["photos"][0]["display"]).content)).getpixel((5, 5))
    assert min(corner) > 240


def test_heic_gps_is_read_too(client, storage):
    body = send(client, [("IMG_3.HEIC", photo_files.heic_photo(), "image/heic")]).json()
    assert body["location_source"] == "exif"
    assert (round(body["lat"], 4), round(body["lon"], 4)) == photo_files.BELLECOUR_DEG


@pytest.mark.parametrize(("name", "make", "declared", "status", "code"), [
    ("broken.jpg", photo_files.truncated_jpeg, "image/jpeg", 422, "photo.unreadable"),
    ("holiday.jpg", photo_files.fake_jpeg, "image/jpeg", 415, "photo.unsupported_type"),
    ("noise.jpg", photo_files.jpeg_magic_then_garbage, "image/jpeg", 422, "photo.unreadable"),
    ("bomb.png", photo_files.png_bomb, "image/png", 422, "photo.too_many_pixels"),
    ("logo.svg", photo_files.svg_file, "image/svg+xml", 415, "photo.unsupported_type"),
    ("logo.jpg", photo_files.svg_file, "image/jpeg", 415, "photo.unsupported_type"),
])
def test_bad_files_are_refused_with_a_clear_problem_and_leave_nothing(client, session, storage, name, make,
                                                                       declared, status, code):
    before = report_count(session)
    good = ("ok.jpg", photo_files.phone_jpeg(), "image/jpeg")
    # The good photo first: it must not be stored either when its companion is refused.
    response = send(client, [good, (name, make(), declared)], headers={"Accept-Language": "fr"})
    body = assert_problem(response, status, code)
    assert name in body["detail_en"]
    assert body["title"] == body["title_fr"]
    assert report_count(session) == before
    assert stored_files(storage) == []
    assert session.scalar(select(func.count()).select_from(Photo)) == 0


def test_a_30_mb_upload_is_refused_with_413(client, session, storage):
    before = report_count(session)
    response = send(client, [("big.jpg", photo_files.huge_upload(30), "image/jpeg")])
    body = assert_problem(response, 413, "photo.too_large")
    assert "20 MB" in body["detail_en"] and "20 Mo" in body["detail_fr"]
    assert report_count(session) == before and stored_files(storage) == []


def test_six_photos_are_too_many(client, storage):
    photo = photo_files.phone_jpeg()
    response = send(client, [(f"p{i}.jpg", photo, "image/jpeg") for i in range(6)])
    assert_problem(response, 422, "report.too_many_photos")
    assert stored_files(storage) == []


def test_no_location_and_no_gps_is_refused(client, storage):
    response = send(client, [("nogps.jpg", photo_files.phone_jpeg(gps=False), "image/jpeg")])
    assert_problem(response, 422, "report.missing_location")
    assert stored_files(storage) == []


def test_failure_after_validation_leaves_no_file_and_no_report(client, session, storage):
    """The photo is fine but the place is outside the territory: nothing at all remains."""
    before = report_count(session)
    response = send(client, [("ok.jpg", photo_files.phone_jpeg(), "image/jpeg")],
                    data={"lat": "48.8566", "lon": "2.3522"})
    assert_problem(response, 422, "report.outside_territory")
    assert report_count(session) == before and stored_files(storage) == []


def test_rollback_after_files_were_written_removes_them(session, tmp_path):
    """Files are written last, but a transaction can still fail after them (commit, idempotency row...)."""
    from dispatch import intake, photos
    from dispatch.schemas import ReportIntake

    store = LocalStorage(tmp_path / "p")
    processed = photos.process_all([photos.Upload(photo_files.phone_jpeg())])
    report = intake.submit(session=session, data=ReportIntake(category="pothole"), processed=processed,
                           storage=store)
    assert report.location_source == "exif"
    assert len(stored_files(store)) == 2
    session.rollback()
    assert stored_files(store) == []
    assert session.scalar(select(func.count()).select_from(ReportPhoto)) == 0


def test_same_photo_twice_is_stored_once(client, storage):
    photo = ("same.jpg", photo_files.phone_jpeg(), "image/jpeg")
    first = send(client, [photo]).json()
    second = send(client, [photo], data={"description": "encore"}).json()
    assert first["photos"][0]["display"] == second["photos"][0]["display"]
    assert len(stored_files(storage)) == 2


def test_unknown_photo_urls_are_404_problems(client, storage):
    assert client.get("/photos/" + "0" * 64 + "/display.jpg").status_code == 404
    assert client.get("/photos/../../etc/passwd/display.jpg").status_code == 404
    assert client.get("/photos/" + "a" * 64 + "/original.jpg").status_code == 404


def test_attach_an_after_photo(session, tmp_path):
    from dispatch import intake, photos
    from dispatch.models import ReportEvent
    from dispatch.schemas import ReportIntake

    store = LocalStorage(tmp_path / "p")
    report = intake.submit(session=session, data=ReportIntake(lat=BELLECOUR[0], lon=BELLECOUR[1],
                                                              category="pothole"), storage=store)
    photos.attach(session=session, report=report, upload=photos.Upload(photo_files.png_photo()), kind="after",
                  actor_kind="staff", actor_id="7", role="crew", storage=store)
    assert [link["kind"] for link in photos.links(session=session, report_id=report.id)] == ["after"]
    event = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                      ReportEvent.action == "photo_added")).one()
    assert event.data["kind"] == "after" and event.role == "crew"
