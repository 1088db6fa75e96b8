"""Named geometry traps: synthetic zones (a commune with a hole and an enclave in it, a two-part commune)
loaded inside the test's rolled-back transaction, and points chosen to sit exactly where routing can slip."""

from dataclasses import dataclass

import pytest
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import text

from geo.loader import ZoneFeature, load_zones

# Far from Lyon (Allier), so they never overlap the demo territory.
RING = Polygon([(3.00, 46.00), (3.10, 46.00), (3.10, 46.10), (3.00, 46.10)],
               holes=[[(3.04, 46.04), (3.06, 46.04), (3.06, 46.06), (3.04, 46.06)]])
ENCLAVE = Polygon([(3.045, 46.045), (3.055, 46.045), (3.055, 46.055), (3.045, 46.055)])
TWO_PARTS = MultiPolygon([Polygon([(3.20, 46.00), (3.25, 46.00), (3.25, 46.05), (3.20, 46.05)]),
                          Polygon([(3.30, 46.00), (3.35, 46.00), (3.35, 46.05), (3.30, 46.05)])])


@dataclass(frozen=True)
class Traps:
    """Points (lat, lon) of the synthetic zones."""

    in_ring: tuple[float, float] = (46.02, 3.02)
    in_hole: tuple[float, float] = (46.042, 3.042)  # inside the hole, outside the enclave
    in_enclave: tuple[float, float] = (46.05, 3.05)
    in_first_part: tuple[float, float] = (46.02, 3.22)
    in_second_part: tuple[float, float] = (46.02, 3.32)
    between_parts: tuple[float, float] = (46.02, 3.27)


@pytest.fixture
def traps(session) -> Traps:
    """Test-only communes 99001 (with a hole), 99002 (an enclave inside part of that hole), 99003 (two parts)."""
    report = load_zones(session=session, source="test traps", replace_kinds=False, features=[
        ZoneFeature(kind="commune", code="99001", name="Anneau", geom=MultiPolygon([RING])),
        ZoneFeature(kind="commune", code="99002", name="Enclave", geom=MultiPolygon([ENCLAVE])),
        ZoneFeature(kind="commune", code="99003", name="Deux-Parts", geom=TWO_PARTS),
    ])
    assert sorted(report.opened) == ["99001", "99002", "99003"]
    return Traps()


@pytest.fixture
def shared_border_vertex(session) -> tuple[float, float]:
    """A vertex of the border Lyon (69123) shares with Villeurbanne (69266): exactly on both polygons."""
    row = session.execute(text("""
        SELECT ST_Y(d.geom), ST_X(d.geom)
        FROM zones a, zones b,
             LATERAL ST_DumpPoints(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))) d
        WHERE a.code = '69123' AND b.code = '69266' AND a.valid_to IS NULL AND b.valid_to IS NULL
          AND NOT EXISTS (SELECT 1 FROM zones c WHERE c.kind = 'commune' AND c.valid_to IS NULL
                          AND c.code NOT IN ('69123', '69266') AND ST_Covers(c.geom, d.geom))
        ORDER BY d.path
        LIMIT 1
    """)).one()
    return float(row[0]), float(row[1])


@pytest.fixture(scope="session")
def addok_url(engine, tmp_path_factory):
    """A real addok on loopback, loaded with the run's addresses (exported as `addresses export-addok` does)."""
    from tests.geo.addok_support import running_addok

    with running_addok(engine=engine, workdir=tmp_path_factory.mktemp("addok")) as url:
        yield url
