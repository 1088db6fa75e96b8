"""Issue 14, finding 8: an anonymous upload cannot make the server decode big images at full size, nor many at
once. The process's peak memory (VmHWM, reset through /proc/self/clear_refs) and CPU time are measured around
real requests; the server runs in this process."""

import resource
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from dispatch import photos
from dispatch.storage import LocalStorage
from tests import photo_files

FORM = {"category": "pothole", "description": "Trou", "lat": "45.7578", "lon": "4.8320"}


@pytest.fixture
def storage(client, tmp_path: Path) -> LocalStorage:
    store = LocalStorage(tmp_path / "photos")
    client.app.state.photo_storage = store
    return store


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


@contextmanager
def measured() -> Iterator[dict[str, float]]:
    """Peak memory growth (MB) above the resident set at the start, and CPU seconds, of what runs inside."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM to the current resident set
    start_rss, start = _status_kb("VmRSS"), resource.getrusage(resource.RUSAGE_SELF)
    figures: dict[str, float] = {}
    yield figures
    end = resource.getrusage(resource.RUSAGE_SELF)
    figures["peak_mb"] = (_status_kb("VmHWM") - start_rss) / 1024
    figures["cpu_s"] = end.ru_utime + end.ru_stime - start.ru_utime - start.ru_stime


def send(client, *files):
    return client.post("/api/v1/reports", data=FORM, files=[("photos", f) for f in files])


def test_the_reviewed_7999_square_png_is_refused_from_its_header(client, storage):
    bomb = photo_files.png_bomb(7999)  # 64 Mpx, a few dozen kB: 830 MB and 6 s before the fix
    assert len(bomb) < 200_000
    with measured() as cost:
        answer = send(client, ("bomb.png", bomb, "image/png"))
    assert answer.status_code == 422 and answer.json()["code"] == "photo.too_many_pixels", answer.text
    assert "7999 x 7999" in answer.json()["detail_en"]
    assert cost["peak_mb"] < 30 and cost["cpu_s"] < 1, cost
    assert not storage.root.exists() or not list(storage.root.rglob("*.jpg"))


def test_the_pixel_cap_is_what_a_phone_takes(client):
    # 48 MP (iPhone 8064 x 6048) and 50 MP Android sensors (8192 x 6144) pass; 108 and 200 MP modes do not.
    cap = client.app.state.settings.photo_max_pixels
    assert 8192 * 6144 <= cap < 12000 * 9000


def test_pngs_just_under_the_cap_are_decoded_in_bounded_memory_and_time(client, storage):
    # 51.8 Mpx each, 1 byte a pixel decoded: the full-size decode is the only big allocation, one at a time.
    big = photo_files.png_bomb(7200)
    with measured() as cost:
        answer = send(client, *[(f"big{i}.png", big, "image/png") for i in range(3)])
    assert answer.status_code == 201, answer.text
    # Before: 577 MB for one such photo (grey -> RGB copy at full size, another copy, then resize).
    assert cost["peak_mb"] < 120, cost
    assert cost["cpu_s"] < 4, cost
    stored = sorted(storage.root.rglob("display.jpg"))
    assert stored and all(p.stat().st_size > 0 for p in stored)


def test_a_48_megapixel_phone_jpeg_is_decoded_at_reduced_scale(client, storage):
    photo = photo_files.phone_jpeg(orientation=6, gps=True, size=(8064, 6048))
    with measured() as cost:
        answer = send(client, ("IMG_4800.jpg", photo, "image/jpeg"))
    assert answer.status_code == 201, answer.text
    # Decoded whole it is 146 MB of RGB; libjpeg's 1/4 scale gives 2016 x 1512, 9 MB.
    assert cost["peak_mb"] < 60, cost
    display = client.get(answer.json()["photos"][0]["display"])
    image = Image.open(BytesIO(display.content))
    assert image.size == (1200, 1600)  # upright (orientation 6) and 1600 px on its long side


def test_when_every_decode_slot_is_taken_an_upload_gets_503_with_retry_after(client, storage):
    client.app.state.settings = settings = client.app.state.settings.model_copy(update={"photo_decode_wait_s": 0.2})
    slots = photos.decode_slots(settings.photo_decode_slots)
    with ExitStack() as taken:
        for _ in range(settings.photo_decode_slots):  # as many uploads as slots, decoding right now
            taken.enter_context(slots.hold(1))
        busy = send(client, ("IMG.jpg", photo_files.phone_jpeg(), "image/jpeg"))
    assert busy.status_code == 503, busy.text
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.json()["code"] == "photo.busy" and busy.headers["Retry-After"] == "1"
    assert busy.json()["detail_fr"] != busy.json()["detail_en"]
    assert not storage.root.exists() or not list(storage.root.rglob("*.jpg"))
    # Slots are given back, on success and on error alike.
    assert send(client, ("IMG.jpg", photo_files.phone_jpeg(), "image/jpeg")).status_code == 201
    assert send(client, ("bad.jpg", photo_files.truncated_jpeg(), "image/jpeg")).status_code == 422
    assert send(client, ("IMG.jpg", photo_files.phone_jpeg(gps=False), "image/jpeg")).status_code == 201
