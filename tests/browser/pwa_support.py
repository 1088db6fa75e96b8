"""What the PWA browser tests share: geotagged JPEGs made with Pillow, waits on the app, axe-core."""

import io
import json
from pathlib import Path

from PIL import ExifTags, Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import text

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TILE_HOST = "tile.openstreetmap.org"


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    millis = round(((value - degrees) * 60 - minutes) * 60 * 1000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(millis, 1000)


def geotagged_jpeg(path: Path, lat: float, lon: float, size: tuple[int, int] = (3000, 2000)) -> Path:
    """A phone-sized JPEG whose EXIF GPS block says where it was taken."""
    image = Image.new("RGB", size, (96, 110, 84))
    draw = ImageDraw.Draw(image)
    for i in range(0, size[0], 150):  # some detail, so the JPEG is not trivially small
        draw.line([(i, 0), (size[0] - i, size[1])], fill=(200, 180 - i % 120, 60), width=9)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lon >= 0 else "W", 4: _dms(lon)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=92)
    path.write_bytes(buffer.getvalue())
    return path


def block_tiles(page: object) -> None:
    """Basemap tiles come from a third-party host the test machine cannot reach; the app works without them."""
    page.route(f"https://{TILE_HOST}/**", lambda route: route.abort())  # type: ignore[attr-defined]


def wait_for_worker(page: object) -> None:
    """Until the service worker controls the page (it claims its clients when it activates)."""
    page.evaluate("navigator.serviceWorker.ready")  # type: ignore[attr-defined]
    page.wait_for_function("navigator.serviceWorker.controller !== null")  # type: ignore[attr-defined]


def reports_with(engine: object, description: str) -> list[dict[str, object]]:
    """Reports in the live server's database carrying a description, as the database has them."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(text(
            "SELECT id, ref, commune_code, service_code, category_code, location_source, "
            "ST_Y(geom) AS lat, ST_X(geom) AS lon, "
            "(SELECT count(*) FROM report_photos p WHERE p.report_id = reports.id) AS photos "
            "FROM reports WHERE description = :d ORDER BY id"),
            {"d": description}).mappings().all()
    return [dict(r) for r in rows]


def axe_violations(page: object, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's findings of the given impacts on the current page, one readable line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) stays in force.
        page.evaluate(AXE.read_text(encoding="utf-8") + ";undefined")  # type: ignore[attr-defined]
    result = page.evaluate(  # type: ignore[attr-defined]
        "async () => JSON.stringify((await axe.run(document, {resultTypes: ['violations']})).violations)")
    found = []
    for violation in json.loads(result):
        if violation["impact"] in impacts:
            targets = [", ".join(n["target"]) for n in violation["nodes"]][:5]
            found.append(f"{violation['impact']} {violation['id']}: {violation['help']} @ {targets}")
    return found
