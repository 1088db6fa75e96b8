"""The disk for photos is full: a clear error, no half report, no stray file."""

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dispatch.models import Report
from dispatch.storage import LocalStorage
from tests.photo_files import phone_jpeg


@pytest.fixture
def full_disk(tmp_path: Path):
    """A real, tiny filesystem (tmpfs) that fills up: the same ENOSPC a full disk gives."""
    mountpoint = tmp_path / "photos"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True, check=False)
    assert mounted.returncode == 0, f"cannot mount a tmpfs for this test (needs root): {mounted.stderr}"
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)


def test_a_full_photo_disk_gives_a_clear_error_and_leaves_nothing_behind(client, session, full_disk):
    client.app.state.photo_storage = LocalStorage(full_disk)
    before = session.scalar(select(func.count()).select_from(Report))
    photo = phone_jpeg(size=(1600, 1200))
    answer = client.post("/api/v1/reports", data={"category": "pothole", "description": "disque plein",
                                                 "lat": "45.7578", "lon": "4.8320"},
                         files=[("photos", ("trou.jpg", photo, "image/jpeg"))])
    assert answer.status_code == 507, answer.text
    problem = answer.json()
    assert problem["code"] == "photo.storage_full"
    assert "rien n'a été enregistré" in problem["detail_fr"] and "nothing was recorded" in problem["detail_en"]
    assert session.scalar(select(func.count()).select_from(Report)) == before
    assert [p for p in full_disk.rglob("*") if p.is_file()] == []
