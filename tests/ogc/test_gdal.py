"""GDAL's own OGC API client (ogrinfo/ogr2ogr from Debian's gdal-bin) reads every collection of the live server.

One request per page of 1,000 (Debian's GDAL 3.6 pages by its PAGE_SIZE open option, which the declared
limit maximum of 10,000 accepts unclamped; numberMatched gives the feature count without paging), a
GeoPackage written, and every geometry in it valid by PostGIS's ST_IsValid.
"""

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dispatch import publication
from dispatch import service as reports
from dispatch.models import Report
from dispatch.schemas import ReportCreate
from tests.conftest import BELLECOUR, LiveServer

EXTRA_REPORTS = 2_345  # three pages of 1,000, the last one partial


@pytest.fixture
def many_reports(live_server: LiveServer) -> Iterator[int]:
    """EXTRA_REPORTS public reports copied from a routed one around Bellecour, removed afterwards."""
    with Session(live_server.engine) as session:
        model = reports.create(session=session, data=ReportCreate(lat=BELLECOUR[0], lon=BELLECOUR[1],
                                                                   category="pothole", description="Modèle"))
        session.execute(text(
            "INSERT INTO reports (ref, category_code, description, geom, location_source, commune_code, commune_name,"
            " zone_code, service_code, sector_code, team, state, channel, created_at, updated_at) "
            "SELECT 'GDAL-' || lpad(n::text, 6, '0'), category_code, 'Copie ' || n,"
            " ST_SetSRID(ST_MakePoint(ST_X(geom) + n * 1e-6, ST_Y(geom) - n * 1e-6), 4326), location_source,"
            " commune_code, commune_name, zone_code, service_code, sector_code, team, state, channel,"
            " created_at - make_interval(mins => n), updated_at FROM reports, generate_series(1, :n) n "
            "WHERE id = :id"), {"n": EXTRA_REPORTS - 1, "id": model.id})
        model_id = model.id
        session.commit()
        total = session.execute(text("SELECT count(*) FROM reports")).scalar_one()
    yield int(total)
    with Session(live_server.engine) as session:
        # The copies have no history and go; the model's history is append-only, so it is taken off the public.
        session.execute(text("DELETE FROM reports WHERE ref LIKE 'GDAL-%'"))
        session.execute(text("UPDATE reports SET state = 'rejected' WHERE id = :id"), {"id": model_id})
        session.commit()


def gdal(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def item_requests(debug: str, collection: str) -> list[str]:
    """The items URLs GDAL fetched, read from its HTTP debug lines."""
    return re.findall(rf"HTTP: Fetch\((\S*/collections/{collection}/items\S*)\)", debug)


def test_gdal_reads_every_collection_page_by_page_into_a_valid_geopackage(
        live_server: LiveServer, many_reports: int, tmp_path: Path) -> None:
    with Session(live_server.engine) as session:
        # The one public rule: reports other tests committed and resolved long ago are not public.
        public = session.scalar(select(func.count()).select_from(Report).where(publication.visible()))
        zones = dict(session.execute(text(
            "SELECT kind, count(*) FROM zones WHERE valid_to IS NULL GROUP BY kind")).all())
    assert public >= EXTRA_REPORTS
    source = f"OAPIF:{live_server('/ogc')}"
    listing = gdal("ogrinfo", "-ro", "-q", source).stdout
    assert {"reports", "communes", "arrondissements"} <= set(re.findall(r"^\d+: (\w+)", listing, re.M))
    expected = {"reports": public, "communes": zones["commune"], "arrondissements": zones["arrondissement"]}
    summary = gdal("ogrinfo", "--config", "CPL_DEBUG", "ON", "-ro", "-so", source, "reports")
    assert f"Feature Count: {public}" in summary.stdout  # numberMatched, read from a single page
    assert len(item_requests(summary.stderr, "reports")) == 1
    package = tmp_path / "opendata.gpkg"
    for collection, count in expected.items():
        copied = gdal("ogr2ogr", "--config", "CPL_DEBUG", "ON", "-oo", "PAGE_SIZE=1000", "-f", "GPKG", "-append",
                      str(package), source, collection, "-nln", collection)
        fetched = item_requests(copied.stderr, collection)
        pages = -(-count // 1000)
        # Each page once, plus GDAL's own second look at the first page (read once for the schema).
        assert len(set(fetched)) == pages and len(fetched) <= pages + 1, (collection, count, fetched)
        assert all("limit=1000" in url for url in fetched), fetched
    with sqlite3.connect(package) as db:
        for collection, count in expected.items():
            # the three names are ours (EXPECTED's keys), never input
            assert db.execute(f'SELECT count(*) FROM "{collection}"').fetchone() == (count,), collection  # noqa: S608
    # Every geometry GDAL wrote, read back by GDAL and checked by PostGIS (GEOS) one by one.
    with Session(live_server.engine) as session:
        for collection in expected:
            dump = gdal("ogrinfo", "-ro", "-q", "-geom=ISO_WKT", "-fields=NO", str(package), collection).stdout
            shapes = re.findall(r"^\s+((?:MULTI)?(?:POINT|POLYGON)\s*\(.*)$", dump, re.M)
            assert len(shapes) == expected[collection], collection
            invalid = [reason for (reason,) in session.execute(text(
                "SELECT ST_IsValidReason(ST_GeomFromText(w)) FROM unnest(CAST(:shapes AS text[])) w "
                "WHERE NOT ST_IsValid(ST_GeomFromText(w))"), {"shapes": shapes})]
            assert invalid == [], (collection, invalid[:3])
