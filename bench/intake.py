"""Intake throughput with a 3-megapixel phone photo, against Pillow doing the same image work alone.

    python -m bench.intake [--requests 30] [--database-url URL]

Without --database-url a throwaway PostGIS cluster is started under .data/pg-bench-intake on a free port.
The product path is the whole thing: HTTP (uvicorn, loopback), multipart parsing, type sniffing, EXIF,
orientation, two resized JPEGs, content hash, two file writes, routing in PostGIS, the report, its history,
its reporter and its idempotency key, one transaction. The reference is the image work only, in one loop.
"""

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn
from PIL import ExifTags, Image, ImageOps
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.app import create_app
from api.ratelimit import RateLimiter
from core import migrate
from core.pgcluster import ManagedCluster, free_port, resolve_data_dir
from core.settings import PROJECT_ROOT, get_settings
from dispatch.storage import LocalStorage
from geo.demo import load_territory

WIDTH, HEIGHT = 2048, 1536  # 3.1 megapixels
BELLECOUR_DMS = ((45.0, 45.0, 28.08), (4.0, 49.0, 55.2))


def phone_photo(seed: int) -> bytes:
    """A 3 MP camera-like JPEG (gradients + noise) with EXIF GPS and orientation 6; distinct per seed."""
    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    noise = Image.effect_noise((WIDTH, HEIGHT), 30 + seed % 20)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    image.putpixel((seed % WIDTH, 0), (seed % 256, 0, 0))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "BenchPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[1], gps[2], gps[3], gps[4] = "N", BELLECOUR_DMS[0], "E", BELLECOUR_DMS[1]
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def pillow_alone(data: bytes, display_px: int, thumb_px: int) -> str:
    """The same image work as intake, with nothing around it: decode, orient, two sizes, two encodes, hash."""
    image = Image.open(io.BytesIO(data), formats=["JPEG"])
    image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    image.draft("RGB", (display_px, display_px))
    image.load()
    upright = ImageOps.exif_transpose(image).convert("RGB")
    display = upright.copy()
    display.thumbnail((display_px, display_px), reducing_gap=2.0)
    thumb = display.copy()
    thumb.thumbnail((thumb_px, thumb_px), reducing_gap=2.0)
    out = io.BytesIO()
    display.save(out, "JPEG", quality=82)
    small = io.BytesIO()
    thumb.save(small, "JPEG", quality=82)
    return hashlib.sha256(out.getvalue()).hexdigest()


def database(url: str | None) -> tuple[str, ManagedCluster | None]:
    if url:
        return url, None
    cluster = ManagedCluster(resolve_data_dir(PROJECT_ROOT / ".data" / "pg-bench-intake"), free_port())
    cluster.start()
    name = f"bench_intake_{uuid.uuid4().hex[:8]}"
    cluster.ensure_database(name)
    return cluster.url(name), cluster


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv or [])
    settings = get_settings()
    n = args.requests

    print(f"making {n + 3} distinct {WIDTH}x{HEIGHT} photos ...", flush=True)
    photos = [phone_photo(i) for i in range(n + 3)]
    print(f"photo size: {statistics.mean(len(p) for p in photos) / 1e6:.2f} MB on average")

    url, cluster = database(args.database_url)
    try:
        migrate.upgrade(url)
        engine = create_engine(url, pool_pre_ping=True)
        with Session(engine) as session:
            load_territory(session=session)
            session.commit()
        app = create_app(engine)
        app.state.intake_limiter = RateLimiter(limit=10**9, window_s=60)
        app.state.photo_storage = LocalStorage(Path(tempfile.mkdtemp(prefix="rc-bench-photos-")))
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            def submit(photo: bytes) -> float:
                started = time.perf_counter()
                answer = client.post("/api/v1/reports", headers={"Idempotency-Key": str(uuid.uuid4())},
                                     data={"category": "pothole", "description": "bench"},
                                     files=[("photos", ("IMG.jpg", photo, "image/jpeg"))])
                elapsed = time.perf_counter() - started
                if answer.status_code != 201 or answer.json()["location_source"] != "exif":
                    raise SystemExit(f"intake failed: {answer.status_code} {answer.text[:300]}")
                return elapsed

            for photo in photos[:3]:
                submit(photo)  # warm-up: connections, caches, first-import costs
            # Alternate product and reference in rounds so that machine noise hits both alike.
            product: list[float] = []
            reference: list[float] = []
            for photo in photos[3:]:
                product.append(submit(photo))
                started = time.perf_counter()
                pillow_alone(photo, settings.photo_display_px, settings.photo_thumb_px)
                reference.append(time.perf_counter() - started)
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop()

    intake_rate = n / sum(product)
    pillow_rate = n / sum(reference)
    print(f"intake (HTTP + checks + PostGIS + files), {n} requests: "
          f"p50 {statistics.median(product) * 1000:.1f} ms, p95 {percentile(product, 0.95) * 1000:.1f} ms, "
          f"{intake_rate:.2f} reports/s")
    print(f"Pillow alone, same image work, {n} photos: "
          f"p50 {statistics.median(reference) * 1000:.1f} ms, p95 {percentile(reference, 0.95) * 1000:.1f} ms, "
          f"{pillow_rate:.2f} photos/s")
    print(f"ratio intake / Pillow alone: {intake_rate / pillow_rate:.0%} (target > 50%)")


if __name__ == "__main__":
    main(sys.argv[1:])
