"""Photos: sniff the real type, refuse bombs, read EXIF GPS, orient, strip metadata, resize, store by hash."""

import hashlib
import io
import logging
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.errors import (
    PhotosBusy,
    PhotoTooLarge,
    PhotoTooManyPixels,
    PhotoUnreadable,
    PhotoUnsupportedType,
    TooManyPhotos,
)
from core.settings import Settings, get_settings
from dispatch.models import Photo, Report, ReportEvent, ReportPhoto
from dispatch.storage import PhotoStorage, get_storage

log = logging.getLogger(__name__)
pillow_heif.register_heif_opener()

SIZES = ("display", "thumb")
# Pillow's name of each type we accept; anything else (SVG, GIF, PDF, TIFF...) is refused before decoding.
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
GPS_IFD = 0x8825
# EXIF orientation -> the move that makes the pixels upright (what ImageOps.exif_transpose does), applied
# after the image has been shrunk so it never costs a full-size copy.
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}
# Modes Image.reduce() works in; others (palette, bilevel, 16-bit) are converted first.
REDUCIBLE = {"L", "LA", "La", "PA", "RGB", "RGBA", "RGBa", "CMYK", "I", "F"}
_PENDING = "ruecommune.pending_photo_keys"
_DOOMED = "ruecommune.doomed_photo_keys"


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes, and the name and type the client claimed (never trusted)."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class ProcessedPhoto:
    """What is kept of an upload: two metadata-free JPEGs, and the GPS position it carried, if any."""

    hash: str
    display: bytes
    display_size: tuple[int, int]
    thumb: bytes
    source_type: str
    source_bytes: int
    gps: tuple[float, float] | None


def sniff(head: bytes) -> str | None:
    """The real type from the first bytes: jpeg, png, webp, heic, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "heic"
    return None


def _rational(value: Any) -> float:
    return float(value[0]) / float(value[1]) if isinstance(value, tuple) else float(value)


def read_gps(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from EXIF GPSInfo, or None when absent, zero or nonsensical."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None
        lat = sum(_rational(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_rational(v) / 60**i for i, v in enumerate(gps[4]))
    except (TypeError, ValueError, ZeroDivisionError, KeyError, IndexError):
        return None
    if str(gps.get(1, "N")).upper().startswith("S"):
        lat = -lat
    if str(gps.get(3, "E")).upper().startswith("W"):
        lon = -lon
    # (0, 0) is what some cameras write when they have no fix.
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return (lat, lon)


def _pixels_only(image: Image.Image) -> Image.Image:
    """The same pixels in a new image with an empty `info`: nothing the upload carried can follow them.

    Pillow's JPEG writer copies `info["comment"]` into a COM segment by itself (a JPEG comment, or a PNG text
    chunk named "comment"), and `info` holds every other text, XMP, ICC and EXIF block that was read."""
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile=, comment=: the stored copy carries pixels and nothing else.
    _pixels_only(image).save(out, "JPEG", quality=82)
    return out.getvalue()


class DecodeSlots:
    """At most `count` photos decoded at once in this process: each can take up to ~200 MB for a moment."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._slots = threading.BoundedSemaphore(count)

    @contextmanager
    def hold(self, wait_s: float) -> Iterator[None]:
        """A slot for one decode; PhotosBusy (503, Retry-After) when none frees up within wait_s seconds."""
        if not self._slots.acquire(timeout=wait_s):
            retry = max(1, round(wait_s))
            raise PhotosBusy(
                "The server is busy processing other photos: nothing was recorded. "
                f"Please send the report again in {retry} s.",
                "Le serveur traite déjà d'autres photos : rien n'a été enregistré. "
                f"Renvoyez le signalement dans {retry} s.",
                retry_after=retry, headers={"Retry-After": str(retry)},
            )
        try:
            yield
        finally:
            self._slots.release()


@lru_cache
def decode_slots(count: int) -> DecodeSlots:
    """The process-wide slots for this many concurrent decodes (one set per configured count)."""
    return DecodeSlots(count)


def _draft_box(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """The smallest size with the image's proportions whose long side is `longest`: JPEG draft mode then
    lets libjpeg decode at 1/2, 1/4 or 1/8 scale while staying at least that large."""
    width, height = size
    scale = longest / max(width, height, 1)
    return max(1, int(width * scale)), max(1, int(height * scale))


def _shrink(image: Image.Image, longest: int) -> Image.Image:
    """Box-reduce (an area average) by the largest whole factor that keeps the long side at least `longest`,
    before any full-size conversion or copy is made; thumbnail() then resamples the last step."""
    factor = max(image.size) // longest
    if factor < 2:
        return image
    if image.mode not in REDUCIBLE:
        image = image.convert("RGBA" if image.mode == "P" and "transparency" in image.info else
                              "L" if image.mode in ("1", "I;16", "I;16B", "I;16L") else "RGB")
    return image.reduce(factor)


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas on white rather than the black a bare convert() gives."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def process(upload: Upload, settings: Settings | None = None) -> ProcessedPhoto:
    """Check and transform one upload in memory; raises a DomainError naming what is wrong. Writes nothing."""
    settings = settings or get_settings()
    size = len(upload.data)
    name = upload.filename or "photo"
    if size > settings.photo_max_bytes:
        raise PhotoTooLarge(
            f"{name} is {size / 2**20:.1f} MB; the limit is {settings.photo_max_bytes / 2**20:.0f} MB per photo.",
            f"{name} fait {size / 2**20:.1f} Mo ; "
            f"la limite est de {settings.photo_max_bytes / 2**20:.0f} Mo par photo.",
            limit_bytes=settings.photo_max_bytes,
        )
    kind = sniff(upload.data[:32])
    if kind is None:
        raise PhotoUnsupportedType(
            f"{name} is not a JPEG, PNG, WebP or HEIC photo (whatever its name or declared type says).",
            f"{name} n'est pas une photo JPEG, PNG, WebP ou HEIC (quels que soient son nom ou son type déclaré).",
            accepted=["image/jpeg", "image/png", "image/webp", "image/heic"],
        )
    unreadable = PhotoUnreadable(
        f"{name} looks like a {kind.upper()} file but cannot be decoded (damaged or incomplete).",
        f"{name} ressemble à un fichier {kind.upper()} mais ne peut être décodé (abîmé ou incomplet).",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(upload.data), formats=[PIL_FORMATS[kind]])
            width, height = opened.size
            # Checked from the header, before a single pixel is decoded: a bomb never reaches memory.
            if width * height > settings.photo_max_pixels:
                raise _bomb(name, width, height, settings)
            gps = read_gps(opened)
            orientation = opened.getexif().get(ExifTags.Base.Orientation)
            # Decoding is the costly part (memory and CPU): a few at a time, the others wait or get a 503.
            with decode_slots(settings.photo_decode_slots).hold(settings.photo_decode_wait_s):
                if kind == "jpeg":
                    # libjpeg decodes at 1/2, 1/4 or 1/8 scale: a 48 MP photo never exists in memory at full size.
                    opened.draft("RGB", _draft_box(opened.size, settings.photo_display_px))
                opened.load()
                image = _shrink(opened, settings.photo_display_px)
                del opened  # the full-size pixels go as soon as the reduced copy exists
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(name, 0, 0, settings) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise unreadable from exc
    upright = image.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else image
    display = _flatten(upright)
    display.thumbnail((settings.photo_display_px, settings.photo_display_px), reducing_gap=2.0)
    thumb = display.copy()
    thumb.thumbnail((settings.photo_thumb_px, settings.photo_thumb_px), reducing_gap=2.0)
    display_bytes = _jpeg(display)
    return ProcessedPhoto(
        hash=hashlib.sha256(display_bytes).hexdigest(), display=display_bytes, display_size=display.size,
        thumb=_jpeg(thumb), source_type=kind, source_bytes=size, gps=gps,
    )


def _bomb(name: str, width: int, height: int, settings: Settings) -> PhotoTooManyPixels:
    dims = f" ({width} x {height})" if width else ""
    return PhotoTooManyPixels(
        f"{name}{dims} has more than {settings.photo_max_pixels:,} pixels: refused as a possible "
        "decompression bomb.",
        f"{name}{dims} dépasse {settings.photo_max_pixels:,} pixels : refusée (possible bombe de décompression).",
        limit_pixels=settings.photo_max_pixels,
    )


def process_all(uploads: Sequence[Upload], settings: Settings | None = None) -> list[ProcessedPhoto]:
    """Every upload checked and transformed, or the first error; nothing is written either way."""
    settings = settings or get_settings()
    if len(uploads) > settings.photo_max_count:
        raise TooManyPhotos(
            f"{len(uploads)} photos sent; at most {settings.photo_max_count} per report.",
            f"{len(uploads)} photos envoyées ; {settings.photo_max_count} au plus par signalement.",
            limit=settings.photo_max_count,
        )
    return [process(u, settings) for u in uploads]


def key(photo_hash: str, size: str) -> str:
    return f"{photo_hash[:2]}/{photo_hash}/{size}.jpg"


def url(photo_hash: str, size: str = "display") -> str:
    """The path that serves a stored copy (public: the copies carry no metadata)."""
    return f"/photos/{photo_hash}/{size}.jpg"


def store(*, session: Session, photo: ProcessedPhoto, storage: PhotoStorage | None = None) -> Photo:
    """Record the photo row, then write its files; files this transaction created vanish if it rolls back.

    The row is inserted first: a concurrent request storing the same photo waits on it, so it never sees
    a row whose files another failing request is about to remove.
    """
    storage = storage or get_storage()
    session.execute(insert(Photo).values(
        hash=photo.hash, width=photo.display_size[0], height=photo.display_size[1],
        source_type=photo.source_type, source_bytes=photo.source_bytes,
    ).on_conflict_do_nothing(index_elements=["hash"]))
    pending: list[tuple[PhotoStorage, str]] = session.info.setdefault(_PENDING, [])
    for size, data in (("display", photo.display), ("thumb", photo.thumb)):
        if storage.put(key(photo.hash, size), data):
            pending.append((storage, key(photo.hash, size)))
    row = session.get(Photo, photo.hash)
    assert row is not None
    return row


def discard_pending(session: Session) -> None:
    """Remove the files written by a transaction that will not commit (call it before rolling back)."""
    for storage, name in session.info.pop(_PENDING, []):
        try:
            storage.delete(name)
        except Exception:  # a failed cleanup must not hide the error that caused it
            log.exception("could not remove orphan photo file %s", name)


def forget_pending(session: Session) -> None:
    """After a commit the transaction's files are kept, and the files of the photos it deleted go
    (installed by dispatch.side_effects)."""
    session.info.pop(_PENDING, None)
    # Only now: a rollback must not leave rows without files. A file that cannot be removed is not served
    # either (the photo route needs the row).
    for storage, name in session.info.pop(_DOOMED, []):
        try:
            storage.delete(name)
        except Exception:
            log.exception("could not remove the file %s of a deleted photo", name)


def discard_on_rollback(session: Session, previous_transaction: Any) -> None:
    """After a whole transaction rolled back its files go (installed by dispatch.side_effects)."""
    # The backstop for a failure at COMMIT itself; request handlers call discard_pending earlier. A nested
    # savepoint rolled back inside a transaction that goes on must not take the transaction's files.
    if getattr(previous_transaction, "parent", None) is None:
        discard_pending(session)
    # Whichever level rolled back, some photo deletions may be undone: keep every file (an orphan file is
    # never served; a row without its file would be).
    session.info.pop(_DOOMED, None)


def delete_unused(*, session: Session, hashes: Sequence[str], storage: PhotoStorage | None = None) -> int:
    """Delete the photo rows among `hashes` no report uses any longer, and their files once committed.

    Call it once the report_photos links are gone (reports deleted); a photo another report still shows (the
    same file sent twice) stays. Returns the number of photos deleted."""
    if not hashes:
        return 0
    storage = storage or get_storage()
    still_used = select(ReportPhoto.photo_hash).where(ReportPhoto.photo_hash.in_(hashes))
    gone = list(session.scalars(delete(Photo).where(Photo.hash.in_(hashes), Photo.hash.not_in(still_used))
                                .returning(Photo.hash)))
    doomed: list[tuple[PhotoStorage, str]] = session.info.setdefault(_DOOMED, [])
    doomed += [(storage, key(h, size)) for h in gone for size in SIZES]
    return len(gone)


def attach(*, session: Session, report: Report, upload: Upload | ProcessedPhoto, kind: str = "before",
           actor_kind: str = "system", actor_id: str | None = None, role: str | None = None,
           storage: PhotoStorage | None = None, history: bool = True) -> ReportPhoto:
    """Attach a photo to a report (an "after" photo from a crew, for instance), with a history line."""
    processed = upload if isinstance(upload, ProcessedPhoto) else process(upload)
    store(session=session, photo=processed, storage=storage)
    position = session.scalar(
        select(ReportPhoto.position).where(ReportPhoto.report_id == report.id, ReportPhoto.kind == kind)
        .order_by(ReportPhoto.position.desc()).limit(1))
    link = session.scalar(select(ReportPhoto).where(
        ReportPhoto.report_id == report.id, ReportPhoto.photo_hash == processed.hash, ReportPhoto.kind == kind))
    if link is None:
        link = ReportPhoto(report_id=report.id, photo_hash=processed.hash, kind=kind,
                           position=0 if position is None else position + 1,
                           added_by=f"{actor_kind}:{actor_id}" if actor_id else actor_kind)
        session.add(link)
        if history:
            session.add(ReportEvent(report_id=report.id, action="photo_added", actor_kind=actor_kind,
                                    actor_id=actor_id, role=role, data={"photo": processed.hash, "kind": kind}))
        session.flush()
    return link


def for_report(*, session: Session, report_id: int) -> list[ReportPhoto]:
    return list(session.scalars(select(ReportPhoto).where(ReportPhoto.report_id == report_id)
                                .order_by(ReportPhoto.kind.desc(), ReportPhoto.position)))


def links(*, session: Session, report_id: int, public: bool = False) -> list[dict[str, str]]:
    """The URLs of a report's photos, before first, for pages and API answers; `public` leaves out the ones
    staff hid from the public (dispatch.moderation)."""
    return [{"kind": p.kind, "display": url(p.photo_hash, "display"), "thumb": url(p.photo_hash, "thumb")}
            for p in for_report(session=session, report_id=report_id) if not (public and p.hidden_at)]
