"""Photo storage: the local folder and an S3-compatible server (moto's, a real S3 HTTP API on loopback)."""

import io

import pytest
from PIL import Image

from dispatch.storage import LocalStorage
from tests import photo_files


def roundtrip(storage) -> None:
    assert storage.get("ab/abcd/display.jpg") is None
    assert not storage.exists("ab/abcd/display.jpg")
    assert storage.put("ab/abcd/display.jpg", b"first") is True
    assert storage.put("ab/abcd/display.jpg", b"first") is False  # content-addressed: already there
    assert storage.get("ab/abcd/display.jpg") == b"first"
    assert storage.exists("ab/abcd/display.jpg")
    storage.delete("ab/abcd/display.jpg")
    assert storage.get("ab/abcd/display.jpg") is None


def test_local_storage_roundtrip_and_refuses_paths_outside_its_folder(tmp_path):
    storage = LocalStorage(tmp_path / "photos")
    roundtrip(storage)
    with pytest.raises(ValueError):
        storage.put("../../escape.jpg", b"x")
    assert not (tmp_path / "escape.jpg").exists()
    assert [p for p in (tmp_path / "photos").rglob("*") if p.is_file()] == []


def test_s3_storage_roundtrip(s3):
    roundtrip(s3)


def test_intake_on_s3_storage_serves_the_photo_and_cleans_up_on_failure(client, s3):
    client.app.state.photo_storage = s3
    created = client.post("/api/v1/reports", data={"category": "pothole"},
                          files=[("photos", ("IMG.jpg", photo_files.phone_jpeg(), "image/jpeg"))])
    assert created.status_code == 201, created.text
    served = client.get(created.json()["photos"][0]["thumb"])
    assert served.status_code == 200
    thumb = Image.open(io.BytesIO(served.content))
    assert max(thumb.size) <= 320 and len(thumb.getexif()) == 0
    listed = s3.client.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert len(listed) == 2
    # A different photo in a request that fails after validation leaves no object behind.
    refused = client.post("/api/v1/reports", data={"category": "pothole", "lat": "48.8566", "lon": "2.3522"},
                          files=[("photos", ("p.png", photo_files.png_photo(), "image/png"))])
    assert refused.status_code == 422
    assert len(s3.client.list_objects_v2(Bucket=s3.bucket)["Contents"]) == 2


def test_rollback_after_the_objects_were_written_removes_them_from_s3(session, s3):
    from dispatch import intake, photos
    from dispatch.schemas import ReportIntake

    processed = photos.process_all([photos.Upload(photo_files.heic_photo())])
    intake.submit(session=session, data=ReportIntake(category="graffiti"), processed=processed, storage=s3)
    assert len(s3.client.list_objects_v2(Bucket=s3.bucket).get("Contents", [])) == 2
    session.rollback()
    assert s3.client.list_objects_v2(Bucket=s3.bucket).get("Contents", []) == []
