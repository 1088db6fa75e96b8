"""Read zone files (GeoJSON, GeoPackage, Shapefile, any CRS) and load them as versioned zones."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyogrio.raw
import shapely
from geoalchemy2.shape import from_shape, to_shape
from pyproj import CRS, Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidZoneFile
from geo.models import Zone

CODE_FIELDS = ("insee", "code", "code_insee", "id")
NAME_FIELDS = ("nom", "name", "libelle")
KIND_BY_TYPE = {"commune": "commune", "arrondissement-municipal": "arrondissement", "arrondissement": "arrondissement"}


@dataclass
class ZoneFeature:
    """One zone read from a file, in WGS84, repaired if it had to be."""

    kind: str
    code: str
    name: str
    geom: MultiPolygon
    parent_code: str | None = None
    population: int | None = None
    postcodes: list[str] = field(default_factory=list)
    service_code: str | None = None
    repair: str | None = None


@dataclass
class LoadReport:
    """What loading a file did (or, in a dry run, would do)."""

    opened: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)


def _first(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if props.get(name) not in (None, ""):
            return props[name]
    return None


def _string_list(value: Any) -> list[str]:
    """A list field (GDAL gives numpy arrays) as a list of strings; anything else as empty."""
    if value is None or isinstance(value, str):
        return []
    return [str(item) for item in value]


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Keep only the areal parts (make_valid may return a collection) as one MultiPolygon."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys: list[Polygon] = []
    for part in getattr(geom, "geoms", []):
        if isinstance(part, Polygon):
            polys.append(part)
        elif isinstance(part, MultiPolygon):
            polys.extend(part.geoms)
    return MultiPolygon(polys)


def read_zone_file(path: Path, *, kind: str | None = None, service_code: str | None = None) -> Iterator[ZoneFeature]:
    """Yield the file's zones reprojected to WGS84; invalid geometries are repaired and the repair said."""
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises many GDAL error types
        raise InvalidZoneFile(f"Cannot read {path.name}: {exc}", f"Lecture impossible de {path.name} : {exc}") from exc
    names = list(meta["fields"])
    source_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS.from_epsg(4326)
    to_wgs84: Callable[..., Any] | None = None
    if not source_crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        to_wgs84 = Transformer.from_crs(source_crs, 4326, always_xy=True).transform
    for i, raw in enumerate(wkb):
        props = {name: field_data[j][i] for j, name in enumerate(names)}
        code = _first(props, CODE_FIELDS)
        if code is None or raw is None:
            raise InvalidZoneFile(f"Feature #{i} of {path.name} has no code or no geometry",
                                  f"L'objet n°{i} de {path.name} n'a pas de code ou pas de géométrie")
        geom = shapely.from_wkb(raw)
        if to_wgs84 is not None:
            geom = shapely.ops.transform(to_wgs84, geom)
        repair = None
        if not geom.is_valid:
            repair = f"{code}: {shapely.is_valid_reason(geom)} -> repaired with make_valid"
            geom = shapely.make_valid(geom)
        feature_kind = kind or KIND_BY_TYPE.get(str(props.get("type") or ""), "commune")
        parent = props.get("commune_insee") if feature_kind == "arrondissement" else None
        postcodes = props.get("codes_postaux")
        yield ZoneFeature(
            kind=feature_kind, code=str(code), name=str(_first(props, NAME_FIELDS) or code),
            geom=_as_multipolygon(geom), parent_code=parent,
            population=int(props["population"]) if props.get("population") not in (None, "") else None,
            postcodes=_string_list(postcodes),
            service_code=service_code or props.get("service"), repair=repair,
        )


def load_zones(
    *, session: Session, features: list[ZoneFeature], source: str, on: date | None = None,
    replace_kinds: bool = True, dry_run: bool = False,
) -> LoadReport:
    """Version zones: new codes open, changed ones close and reopen, missing ones retire (per kind loaded).

    Reports keep the commune they were given at intake: nothing here touches them.
    """
    today = on or date.today()
    report = LoadReport(repairs=[f.repair for f in features if f.repair])
    kinds = {f.kind for f in features}
    current = {
        (z.kind, z.code): z
        for z in session.scalars(select(Zone).where(Zone.valid_to.is_(None), Zone.kind.in_(kinds)))
    }
    seen: set[tuple[str, str]] = set()
    for feature in features:
        key = (feature.kind, feature.code)
        seen.add(key)
        existing = current.get(key)
        if existing is not None:
            same = to_shape(existing.geom).equals(feature.geom) and existing.name == feature.name
            if same:
                report.unchanged.append(feature.code)
                continue
            report.changed.append(feature.code)
            if not dry_run:
                existing.valid_to = today
                session.flush()
        else:
            report.opened.append(feature.code)
        if not dry_run:
            session.add(Zone(
                kind=feature.kind, code=feature.code, name=feature.name, parent_code=feature.parent_code,
                service_code=feature.service_code, population=feature.population, postcodes=feature.postcodes,
                valid_from=today, source=source, geom=from_shape(feature.geom, srid=4326),
            ))
    if replace_kinds:
        for key, zone in current.items():
            if key not in seen and (zone.kind != "sector" or zone.service_code in
                                    {f.service_code for f in features}):
                report.retired.append(zone.code)
                if not dry_run:
                    zone.valid_to = today
    session.flush()
    return report
