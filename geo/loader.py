"""Read zone files (GeoJSON, GeoPackage, Shapefile, any CRS) and load them as versioned zones."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
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

# Attribute names accepted for each field; Shapefiles cut names to 10 characters, hence the short forms.
CODE_FIELDS = ("insee", "code", "code_insee", "id")
NAME_FIELDS = ("nom", "name", "libelle")
PARENT_FIELDS = ("commune_insee", "commune_in")
POSTCODE_FIELDS = ("codes_postaux", "codes_post", "postcodes")
SUCCESSOR_FIELDS = ("insee_commune_actuelle", "insee_comm")
KIND_BY_TYPE = {"commune": "commune", "arrondissement-municipal": "arrondissement", "arrondissement": "arrondissement"}
KINDS = ("commune", "arrondissement", "sector")
# Two versions of a zone closer than this (degrees, about 1 cm) are the same shape: a file written in
# Lambert-93 and read back differs from the original by float noise, not by a redrawn border.
SAME_SHAPE_DEGREES = 1e-7


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
    successor_code: str | None = None
    repair: str | None = None


@dataclass
class LoadReport:
    """What loading a file did (or, in a dry run, would do), by zone code."""

    opened: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    valid_from: date | None = None
    dry_run: bool = False


def _first(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = props.get(name)
        if value is not None and not (isinstance(value, str) and value == ""):
            return value
    return None


def _string_list(value: Any) -> list[str]:
    """A list field (GDAL gives numpy arrays; Shapefiles hold "69001,69002") as a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in re.split(r"[,;\s]+", value) if part]
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
    if kind is not None and kind not in KINDS:
        raise InvalidZoneFile(f"Unknown zone kind '{kind}' (expected one of {', '.join(KINDS)})",
                              f"Type de zone « {kind} » inconnu (attendu : {', '.join(KINDS)})")
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(path)
    except Exception as exc:  # pyogrio raises many GDAL error types
        raise InvalidZoneFile(f"Cannot read {path.name}: {exc}", f"Lecture impossible de {path.name} : {exc}") from exc
    names = list(meta["fields"])
    source_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else CRS.from_epsg(4326)
    to_wgs84: Callable[[Any], Any] | None = None
    if not source_crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        transformer = Transformer.from_crs(source_crs, 4326, always_xy=True)

        def to_wgs84(xy: Any) -> Any:
            return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    for i, raw in enumerate(wkb):
        props = {name: field_data[j][i] for j, name in enumerate(names)}
        code = _first(props, CODE_FIELDS)
        if code is None or raw is None:
            raise InvalidZoneFile(f"Feature #{i} of {path.name} has no code or no geometry",
                                  f"L'objet n°{i} de {path.name} n'a pas de code ou pas de géométrie")
        geom = shapely.force_2d(shapely.from_wkb(raw))
        if to_wgs84 is not None:
            geom = shapely.transform(geom, to_wgs84)
        repair = None
        if not geom.is_valid:
            repair = f"{code}: {shapely.is_valid_reason(geom)} -> repaired with make_valid"
            geom = shapely.make_valid(geom)
        areal = _as_multipolygon(geom)
        if areal.is_empty:
            raise InvalidZoneFile(f"Zone {code} of {path.name} has no area (not a polygon)",
                                  f"La zone {code} de {path.name} n'a pas de surface (pas un polygone)")
        feature_kind = kind or KIND_BY_TYPE.get(str(props.get("type") or ""), "commune")
        parent = _first(props, PARENT_FIELDS) if feature_kind == "arrondissement" else None
        successor = _first(props, SUCCESSOR_FIELDS)
        population = props.get("population")
        yield ZoneFeature(
            kind=feature_kind, code=str(code), name=str(_first(props, NAME_FIELDS) or code),
            geom=areal, parent_code=str(parent) if parent is not None else None,
            population=int(population) if population not in (None, "") else None,
            postcodes=_string_list(_first(props, POSTCODE_FIELDS)),
            service_code=service_code or props.get("service"),
            successor_code=str(successor) if successor not in (None, "", str(code)) else None, repair=repair,
        )


def _same_shape(a: BaseGeometry, b: BaseGeometry) -> bool:
    return bool(a.equals(b) or shapely.hausdorff_distance(a, b) < SAME_SHAPE_DEGREES)


def load_zones(
    *, session: Session, features: list[ZoneFeature], source: str, on: date | None = None,
    replace_kinds: bool = True, dry_run: bool = False,
) -> LoadReport:
    """Version zones as of `on` (today by default), per kind present in the file.

    A new code opens a zone; a redrawn or renamed one is closed and reopened (valid_to / valid_from); a code
    missing from the file is retired (sectors: only those of the services the file holds); population,
    postcodes, parent and successor are updated in place. Reports keep the routing they were given at
    intake: nothing here touches them (re-routing open reports is dispatch.reroute's job, on request).
    """
    today = on or date.today()
    report = LoadReport(repairs=[f.repair for f in features if f.repair], valid_from=today, dry_run=dry_run)
    codes = [(f.kind, f.code) for f in features]
    duplicates = sorted({f"{k}:{c}" for k, c in codes if codes.count((k, c)) > 1})
    if duplicates:
        raise InvalidZoneFile(f"Zone codes appear twice in {source}: {', '.join(duplicates)}",
                              f"Des codes de zone apparaissent deux fois dans {source} : {', '.join(duplicates)}")
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
            if _same_shape(to_shape(existing.geom), feature.geom) and existing.name == feature.name:
                attrs = (feature.population, feature.postcodes, feature.parent_code, feature.successor_code)
                if attrs == (existing.population, list(existing.postcodes or []), existing.parent_code,
                             existing.successor_code):
                    report.unchanged.append(feature.code)
                    continue
                report.updated.append(feature.code)
                if not dry_run:
                    existing.population, existing.postcodes, existing.parent_code, existing.successor_code = (
                        feature.population, feature.postcodes, feature.parent_code, feature.successor_code)
                continue
            report.changed.append(feature.code)
            if existing.name != feature.name:
                report.notes.append(f"{feature.code}: {existing.name} -> {feature.name}")
            if not dry_run:
                existing.valid_to = today
                session.flush()
        else:
            report.opened.append(feature.code)
        if not dry_run:
            session.add(Zone(
                kind=feature.kind, code=feature.code, name=feature.name, parent_code=feature.parent_code,
                service_code=feature.service_code, population=feature.population, postcodes=feature.postcodes,
                successor_code=feature.successor_code,
                valid_from=today, source=source, geom=from_shape(feature.geom, srid=4326),
            ))
    if replace_kinds:
        file_services = {f.service_code for f in features}
        for key, zone in current.items():
            if key not in seen and (zone.kind != "sector" or zone.service_code in file_services):
                report.retired.append(zone.code)
                successor = zone.successor_code or next(
                    (f.code for f in features if f.kind == zone.kind and _covers_most(f.geom, to_shape(zone.geom))),
                    None)
                report.notes.append(f"{zone.code} {zone.name} retired" + (f", now part of {successor}"
                                                                           if successor else ""))
                if not dry_run:
                    zone.valid_to = today
    # A version cannot end before it began: zones are loaded in the order they took effect.
    closing = set(report.changed) | set(report.retired)
    too_late = sorted(z.code for z in current.values() if z.code in closing and z.valid_from > today)
    if too_late:
        raise InvalidZoneFile(
            f"{source} is dated {today}, before the current version of {', '.join(too_late[:5])}: load zones "
            "in the order they took effect",
            f"{source} est daté du {today}, avant la version en vigueur de {', '.join(too_late[:5])} : chargez "
            "les zones dans l'ordre où elles ont pris effet",
        )
    session.flush()
    return report


def _covers_most(new: BaseGeometry, old: BaseGeometry) -> bool:
    """Whether a zone of the file takes over most of a retired zone (a merger), to name its successor."""
    return bool(new.intersects(old) and new.intersection(old).area > 0.9 * old.area)
