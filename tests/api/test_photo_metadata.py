"""Issue 14, finding 5: no metadata of any accepted format survives into the stored copies (JPEG COM and APPn,
PNG tEXt/zTXt/iTXt/eXIf/iCCP, WebP EXIF/XMP/ICCP, HEIC EXIF/XMP/ICC): checked on the stored bytes, segment
by segment, and on what the photo URL serves."""

import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from dispatch.storage import LocalStorage
from tests import photo_files

# What a bare JPEG is made of: start of image, the JFIF header, quantisation and Huffman tables, the frame
# header, restart interval, start of scan. Anything else (APP1-15, COM) is metadata.
STRUCTURE = {0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA}
FILES = {
    "jpeg": ("IMG_0001.jpg", "image/jpeg", photo_files.jpeg_with_every_segment),
    "png": ("capture.png", "image/png", photo_files.png_with_every_chunk),
    "webp": ("photo.webp", "image/webp", photo_files.webp_with_metadata),
    "heic": ("IMG_0002.heic", "image/heic", photo_files.heic_with_metadata),
}


@pytest.fixture
def storage(client, tmp_path: Path) -> LocalStorage:
    store = LocalStorage(tmp_path / "photos")
    client.app.state.photo_storage = store
    return store


def assert_bare_jpeg(data: bytes, secret: str, where: str) -> None:
    segments = photo_files.jpeg_segments(data)
    for marker, payload in segments:
        if marker == 0xE0:
            assert payload.startswith(b"JFIF\x00"), f"{where}: an APP0 that is not JFIF"
        else:
            assert marker in STRUCTURE, f"{where}: metadata segment 0xFF{marker:02X} kept: {payload[:40]!r}"
    assert secret.encode() not in data, f"{where}: the secret is in the bytes"
    image = Image.open(io.BytesIO(data))
    assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density"}, f"{where}: {image.info}"
    assert len(image.getexif()) == 0


@pytest.mark.parametrize("kind", list(FILES))
def test_every_metadata_block_is_gone_from_the_stored_and_served_copies(client, storage, kind):
    secret = f"Owner{uuid.uuid4().hex[:10]}"
    name, content_type, make = FILES[kind]
    original = make(secret)
    assert secret.encode() in original  # the search below is not vacuous
    response = client.post("/api/v1/reports", data={"category": "pothole", "description": "Trou",
                                                    "lat": "45.7578", "lon": "4.8320"},
                           files=[("photos", (name, original, content_type))])
    assert response.status_code == 201, response.text
    links = response.json()["photos"][0]
    stored = sorted(p for p in storage.root.rglob("*.jpg"))
    assert {p.name for p in stored} == {"display.jpg", "thumb.jpg"}
    for path in stored:
        assert_bare_jpeg(path.read_bytes(), secret, f"{kind} stored {path.name}")
    for size in ("display", "thumb"):
        served = client.get(links[size])
        assert served.status_code == 200
        assert_bare_jpeg(served.content, secret, f"{kind} served {size}")


def test_the_jpeg_comment_and_a_png_text_named_comment_are_what_pillow_would_carry_over():
    """Why the copies are rebuilt from bare pixels: Pillow's JPEG writer copies info['comment'] by itself."""
    secret = "KeepMeOut"
    for make in (photo_files.jpeg_with_every_segment, photo_files.png_with_every_chunk):
        image = Image.open(io.BytesIO(make(secret)))
        image.load()
        naive = io.BytesIO()
        image.convert("RGB").save(naive, "JPEG")
        assert secret.encode() in naive.getvalue()
