"""Issue 14, finding 6: a report deleted by the retention rule takes its photos with it (rows, and files on local
and S3 storage once committed), so their URLs answer 404; a photo another report still shows stays."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from dispatch import photos, privacy
from dispatch.models import Photo, Report
from dispatch.storage import LocalStorage
from tests import photo_files


@pytest.fixture(params=["local", "s3"])
def storage(request, client, tmp_path: Path):
    store = LocalStorage(tmp_path / "photos") if request.param == "local" else request.getfixturevalue("s3")
    client.app.state.photo_storage = store
    return store


def file_report(client, *images: bytes) -> dict:
    answer = client.post("/api/v1/reports", data={"category": "pothole", "lat": "45.7578", "lon": "4.8320"},
                         files=[("photos", (f"IMG_{i}.jpg", data, "image/jpeg")) for i, data in enumerate(images)])
    assert answer.status_code == 201, answer.text
    return answer.json()


def hashes(report: dict) -> list[str]:
    return [link["display"].split("/")[2] for link in report["photos"]]


def retire(session, report: dict) -> None:
    """The report was rejected long ago: the retention rule deletes it."""
    session.execute(text("UPDATE reports SET state = 'rejected', updated_at = :t WHERE id = :id"),
                    {"t": datetime.now(UTC) - timedelta(days=800), "id": report["id"]})


def test_retention_deletes_the_photos_of_the_reports_it_deletes(client, session, storage):
    own, shared = photo_files.phone_jpeg(orientation=6), photo_files.phone_jpeg(orientation=1)
    rejected = file_report(client, own, shared)
    kept = file_report(client, shared)  # the same file sent again: one photo, two reports
    own_hash, shared_hash = hashes(rejected)
    assert hashes(kept) == [shared_hash]
    for link in rejected["photos"]:
        assert client.get(link["display"]).status_code == client.get(link["thumb"]).status_code == 200
    retire(session, rejected)

    result = privacy.apply_retention(session=session, anonymise_after_days=365, delete_rejected_after_days=365,
                                     storage=storage)
    # Rows go with the report, in the same transaction; files wait for the commit.
    assert result["rejected_reports_deleted"] == 1 and result["photos_deleted"] == 1
    assert session.get(Photo, own_hash) is None and session.get(Photo, shared_hash) is not None
    assert storage.get(photos.key(own_hash, "display")) is not None
    session.commit()

    for size in photos.SIZES:
        assert storage.get(photos.key(own_hash, size)) is None
        assert storage.get(photos.key(shared_hash, size)) is not None
    assert session.get(Report, rejected["id"]) is None
    own_links, shared_links = rejected["photos"]
    for size in ("display", "thumb"):
        gone = client.get(own_links[size])
        assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"
        assert client.get(shared_links[size]).status_code == 200
    assert session.scalars(select(Photo.hash).where(Photo.hash == own_hash)).all() == []


def test_a_retention_run_that_rolls_back_keeps_every_file(client, session, storage):
    rejected = file_report(client, photo_files.phone_jpeg())
    [photo_hash] = hashes(rejected)
    retire(session, rejected)
    session.commit()
    privacy.apply_retention(session=session, anonymise_after_days=365, delete_rejected_after_days=365,
                            storage=storage)
    session.rollback()
    assert storage.get(photos.key(photo_hash, "display")) is not None
    assert client.get(rejected["photos"][0]["display"]).status_code == 200


def test_a_photo_file_without_its_row_is_not_served(client, session, storage):
    # A deleted photo whose file could not be removed (storage down at that moment) stays unreachable.
    report = file_report(client, photo_files.phone_jpeg())
    [photo_hash] = hashes(report)
    session.execute(text("DELETE FROM report_photos WHERE photo_hash = :h"), {"h": photo_hash})
    session.execute(text("DELETE FROM photos WHERE hash = :h"), {"h": photo_hash})
    assert storage.get(photos.key(photo_hash, "display")) is not None
    assert client.get(report["photos"][0]["display"]).status_code == 404
