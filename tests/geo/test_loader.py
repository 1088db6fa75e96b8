"""Zone files in every format and CRS: GeoJSON, GeoPackage and Shapefile written in Lambert-93 from the demo
data load back as the same zones; the API takes a file for a dry run and for real."""

import json
import zipfile

import numpy as np
import pyogrio.raw
import shapely
from pyproj import Transformer
from sqlalchemy import func, select

from geo.loader import read_zone_file
from geo.models import Zone
from tests.conftest import DATA_DIR

COMMUNES = DATA_DIR / "metropole-lyon-communes.geojson"


def write_lambert93(tmp_path, driver: str, suffix: str):
    """The 58 demo communes reprojected to Lambert-93 (EPSG:2154) and written with pyogrio."""
    features = list(read_zone_file(COMMUNES))
    to_l93 = Transformer.from_crs(4326, 2154, always_xy=True)
    geoms = np.array([shapely.to_wkb(shapely.transform(
        f.geom, lambda xy: np.column_stack(to_l93.transform(xy[:, 0], xy[:, 1])))) for f in features], dtype=object)
    fields = ["insee", "nom", "population", "codes_post"]
    data = [np.array([f.code for f in features], dtype=object), np.array([f.name for f in features], dtype=object),
            np.array([f.population for f in features], dtype=np.int64),
            np.array([",".join(f.postcodes) for f in features], dtype=object)]
    path = tmp_path / f"communes-l93{suffix}"
    pyogrio.raw.write(path, geoms, data, fields, driver=driver, geometry_type="MultiPolygon", crs="EPSG:2154",
                      encoding="UTF-8")
    return path, features


def assert_same_zones(read, original):
    assert [f.code for f in read] == [f.code for f in original]
    for got, want in zip(read, original, strict=True):
        assert got.name == want.name and got.population == want.population and got.postcodes == want.postcodes
        # Reprojected there and back: the same shape within a centimetre.
        assert shapely.hausdorff_distance(got.geom, want.geom) < 1e-7, got.code


def test_geopackage_in_lambert93_reads_back_as_the_demo_communes(tmp_path, session):
    path, original = write_lambert93(tmp_path, "GPKG", ".gpkg")
    read = list(read_zone_file(path))
    assert_same_zones(read, original)
    assert all(f.geom.geom_type == "MultiPolygon" for f in read)
    # Loading it over the demo territory changes nothing: no new versions for float noise.
    from geo.loader import load_zones

    report = load_zones(session=session, features=read, source=path.name)
    assert len(report.unchanged) == 58 and not (report.opened or report.changed or report.retired)


def test_shapefile_in_lambert93_reads_back_with_truncated_field_names(tmp_path):
    path, original = write_lambert93(tmp_path, "ESRI Shapefile", ".shp")
    assert (tmp_path / "communes-l93.prj").exists()
    read = list(read_zone_file(path))
    assert_same_zones(read, original)


def test_zipped_shapefile_is_read_directly(tmp_path):
    path, original = write_lambert93(tmp_path, "ESRI Shapefile", ".shp")
    archive = tmp_path / "communes.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in tmp_path.glob("communes-l93.*"):
            zipped.write(part, part.name)
    assert [f.code for f in read_zone_file(archive)] == [f.code for f in original]


def test_polygon_with_hole_and_multipolygon_survive_geojson(tmp_path):
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "holed", "nom": "Troué"}, "geometry": {
            "type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]],
                                               [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]]}},
        {"type": "Feature", "properties": {"code": "parts", "nom": "En deux"}, "geometry": {
            "type": "MultiPolygon", "coordinates": [[[[5, 0], [6, 0], [6, 1], [5, 0]]],
                                                    [[[7, 0], [8, 0], [8, 1], [7, 0]]]]}},
    ]}
    path = tmp_path / "shapes.geojson"
    path.write_text(json.dumps(collection))
    holed, parts = read_zone_file(path, kind="sector", service_code="voirie")
    assert len(holed.geom.geoms[0].interiors) == 1 and holed.repair is None
    assert len(parts.geom.geoms) == 2


def test_api_zone_upload_dry_run_then_for_real(staff_client, session, tmp_path):
    admin = staff_client("admin")
    sectors = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "voirie-centre", "nom": "Voirie centre"},
        "geometry": {"type": "Polygon", "coordinates": [[[4.80, 45.74], [4.87, 45.74], [4.87, 45.78],
                                                          [4.80, 45.78], [4.80, 45.74]]]}}]}
    body = json.dumps(sectors).encode()
    form = {"kind": "sector", "service": "voirie", "valid_from": "2026-11-28"}
    dry = admin.post("/api/v1/routing/zones", data=form,
                     files={"file": ("voirie.geojson", body, "application/geo+json")})
    assert dry.status_code == 200, dry.text
    answer = dry.json()
    assert answer["dry_run"] is True and answer["opened"] == ["voirie-centre"]
    assert sorted(answer["retired"]) == ["voirie-E", "voirie-W"]  # the file replaces voirie's sectors only
    assert session.scalar(select(func.count()).select_from(Zone).where(Zone.code == "voirie-centre")) == 0
    done = admin.post("/api/v1/routing/zones", data={**form, "dry_run": "false"},
                      files={"file": ("voirie.geojson", body, "application/geo+json")})
    assert done.status_code == 200 and done.json()["dry_run"] is False
    assert session.scalar(select(func.count()).select_from(Zone).where(
        Zone.code == "voirie-centre", Zone.valid_to.is_(None))) == 1
    # Not for everyone, and not any file.
    agent = staff_client("agent")
    assert agent.post("/api/v1/routing/zones", data=form,
                      files={"file": ("voirie.geojson", body, "application/geo+json")}).status_code == 403
    bad = admin.post("/api/v1/routing/zones", data=form, files={"file": ("notes.txt", b"hello", "text/plain")})
    assert bad.status_code == 422 and bad.json()["code"] == "zones.invalid_file"
