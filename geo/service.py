"""Routing a point and a category to a commune, zone, service, sector and team, explainably."""

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.errors import InvalidLocation, OutsideTerritory, UnknownCategory
from core.settings import get_settings
from geo.models import Category
from geo.sqlfiles import SQL_DIR, sql

# The single-point assignment is prepared once per database connection (PREPARE ... EXECUTE): psycopg2
# never prepares on the server, and planning costs as much as running this short query (measured in
# bench/assign.py). Prepared statements outlive transactions, rollbacks included, for the connection's life.
ASSIGN_STATEMENT = "ruecommune_geo_assign"
_PARAMS = {"lon": "$1", "lat": "$2", "category": "$3"}
ASSIGN_PREPARE = f"PREPARE {ASSIGN_STATEMENT}(float8, float8, text) AS " + re.sub(
    r"(?<!:):(lon|lat|category)\b", lambda m: _PARAMS[m.group(1)], (SQL_DIR / "assign.sql").read_text())
ASSIGN_EXECUTE = f"EXECUTE {ASSIGN_STATEMENT}(%(lon)s, %(lat)s, %(category)s)"


@dataclass(frozen=True)
class Assignment:
    """Where a report lands; service_code None means the relations centre's triage queue."""

    commune_code: str
    commune_name: str
    zone_code: str | None
    service_code: str | None
    sector_code: str | None
    team: str | None
    rule_id: int | None


@dataclass
class Explanation:
    """The zones covering a point, the rules considered, the winner and why the others lost."""

    covering_zones: list[dict[str, Any]]
    assignment: Assignment
    rules: list[dict[str, Any]] = field(default_factory=list)


def check_coordinates(*, lat: float, lon: float) -> None:
    """Refuse coordinates that are not on Earth."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidLocation(
            f"lat must lie in [-90, 90] and lon in [-180, 180]; got lat={lat}, lon={lon}",
            f"lat doit être dans [-90, 90] et lon dans [-180, 180] ; reçu lat={lat}, lon={lon}",
        )


def get_category_or_raise(*, session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None:
        raise UnknownCategory(f"No category '{code}'", f"Aucune catégorie « {code} »", category=code)
    return category


def _outside(*, session: Session, lat: float, lon: float) -> OutsideTerritory:
    """The error for a point outside every commune, spotting swapped latitude and longitude."""
    territory = get_settings().territory_name
    swapped = -90 <= lon <= 90 and session.execute(
        sql("covering_zones"), {"lat": lon, "lon": lat}
    ).first() is not None
    if swapped:
        return OutsideTerritory(
            f"The point (lat={lat}, lon={lon}) is outside {territory}, but (lat={lon}, lon={lat}) is inside: "
            "latitude and longitude look swapped.",
            f"Le point (lat={lat}, lon={lon}) est hors de {territory}, mais (lat={lon}, lon={lat}) y est : "
            "latitude et longitude semblent inversées.",
            territory=territory, swapped=True,
        )
    return OutsideTerritory(
        f"The point (lat={lat}, lon={lon}) is outside {territory}, the territory this platform serves.",
        f"Le point (lat={lat}, lon={lon}) est hors de {territory}, le territoire que sert cette plateforme.",
        territory=territory,
    )


def assign(*, session: Session, lat: float, lon: float, category: str) -> Assignment:
    """The commune, zone, service, sector and team for a point and category, in one PostGIS statement."""
    check_coordinates(lat=lat, lon=lon)
    connection = session.connection()
    info = connection.connection.info
    if ASSIGN_STATEMENT not in info:
        connection.exec_driver_sql(ASSIGN_PREPARE)
        info[ASSIGN_STATEMENT] = True
    row = connection.exec_driver_sql(ASSIGN_EXECUTE, {"lat": lat, "lon": lon, "category": category}).mappings().first()
    if row is None:
        raise _outside(session=session, lat=lat, lon=lon)
    return Assignment(
        commune_code=row["commune_code"], commune_name=row["commune_name"], zone_code=row["zone_code"],
        service_code=row["service_code"], sector_code=row["sector_code"], team=row["team"],
        rule_id=row["rule_id"],
    )


def _why_lost(rule: dict[str, Any], winner: dict[str, Any] | None) -> str:
    if not rule["category_matches"]:
        return "category does not match"
    if not rule["zone_matches"]:
        return "zone does not cover the point"
    assert winner is not None
    if rule["zone_rank"] > winner["zone_rank"]:
        return "a rule on a more specific zone won"
    if rule["category_rank"] > winner["category_rank"]:
        return "a rule on a more specific category won"
    if rule["priority"] < winner["priority"]:
        return "a rule with a higher priority won"
    return "same precedence; the rule with the lower id won (stable tie-break)"


def explain(*, session: Session, lat: float, lon: float, category: str) -> Explanation:
    """Why a point and category land where they do: zones, every rule considered, the winner."""
    get_category_or_raise(session=session, code=category)
    assignment = assign(session=session, lat=lat, lon=lon, category=category)
    zones = [dict(r) for r in session.execute(sql("covering_zones"), {"lat": lat, "lon": lon}).mappings()]
    rules = [dict(r) for r in session.execute(
        sql("candidate_rules"), {"lat": lat, "lon": lon, "category": category}).mappings()]
    winner = rules[0] if rules and rules[0]["category_matches"] and rules[0]["zone_matches"] else None
    for rule in rules:
        rule["won"] = rule is winner
        rule["reason"] = "winner" if rule is winner else _why_lost(rule, winner)
    return Explanation(covering_zones=zones, assignment=assignment, rules=rules)
