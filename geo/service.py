"""Routing a point and a category to a commune, zone, service, sector and team, explainably."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidLocation, OutsideTerritory, SwappedCoordinates, UnknownCategory
from core.prepared import Prepared, fetch
from core.settings import get_settings
from geo.models import Category
from geo.sqlfiles import SQL_DIR, sql

# Prepared once per connection: planning cost as much as running this short query (bench/assign.py).
ASSIGN = Prepared("ruecommune_geo_assign", (SQL_DIR / "assign.sql").read_text(),
                  {"lon": "float8", "lat": "float8", "category": "text"})


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

    @property
    def triage(self) -> bool:
        """No rule matched: the relations centre triages the report by hand."""
        return self.service_code is None


@dataclass
class Explanation:
    """The zones covering a point, the rules considered, the winner and why the others lost."""

    covering_zones: list[dict[str, Any]]
    assignment: Assignment
    rules: list[dict[str, Any]] = field(default_factory=list)
    summary_en: str = ""
    summary_fr: str = ""


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
    swapped = -90 <= lon <= 90 and bool(session.scalar(sql("in_territory"), {"lat": lon, "lon": lat}))
    if swapped:
        return SwappedCoordinates(
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
    rows = fetch(session, ASSIGN, {"lat": lat, "lon": lon, "category": category})
    if not rows:
        raise _outside(session=session, lat=lat, lon=lon)
    row = rows[0]
    return Assignment(
        commune_code=row["commune_code"], commune_name=row["commune_name"], zone_code=row["zone_code"],
        service_code=row["service_code"], sector_code=row["sector_code"], team=row["team"],
        rule_id=row["rule_id"],
    )


ZONE_WORDS = {1: ("an arrondissement", "un arrondissement"), 2: ("a commune", "une commune"),
              3: ("a service sector", "un secteur de service"), 4: ("the whole territory", "tout le territoire")}
CATEGORY_WORDS = {1: ("this very category", "cette catégorie même"), 2: ("its parent category", "sa catégorie mère"),
                  3: ("any category", "toute catégorie")}


def _why_lost(rule: dict[str, Any], winner: dict[str, Any] | None) -> tuple[str, str]:
    """Why a rule did not win, in English and French, following the precedence of assign.sql."""
    if not rule["category_matches"]:
        return "its category does not match", "sa catégorie ne correspond pas"
    if not rule["zone_matches"]:
        return "its zone does not cover the point", "sa zone ne couvre pas le point"
    assert winner is not None
    if rule["zone_rank"] > winner["zone_rank"]:
        return "a rule on a more specific zone won", "une règle sur une zone plus précise l'emporte"
    if rule["category_rank"] > winner["category_rank"]:
        return "a rule on a more specific category won", "une règle sur une catégorie plus précise l'emporte"
    if rule["priority"] < winner["priority"]:
        return "a rule with a higher priority won", "une règle de priorité plus haute l'emporte"
    return ("same precedence: the rule with the lower id won (stable tie-break)",
            "même rang : la règle de plus petit numéro l'emporte (départage stable)")


def explain(*, session: Session, lat: float, lon: float, category: str) -> Explanation:
    """Why a point and category land where they do: the covering zones, every rule considered, the winner.

    The assignment is the very one intake makes (geo/sql/assign.sql); the rules are ranked by
    candidate_rules.sql with the same precedence, and the two must name the same winner.
    """
    get_category_or_raise(session=session, code=category)
    assignment = assign(session=session, lat=lat, lon=lon, category=category)
    zones = [dict(r) for r in session.execute(sql("covering_zones"), {"lat": lat, "lon": lon}).mappings()]
    rules = [dict(r) for r in session.execute(
        sql("candidate_rules"), {"lat": lat, "lon": lon, "category": category}).mappings()]
    winner = rules[0] if rules and rules[0]["category_matches"] and rules[0]["zone_matches"] else None
    if (winner["id"] if winner else None) != assignment.rule_id:
        raise RuntimeError(f"explain and assign disagree at ({lat}, {lon}, {category}): "
                           f"{winner and winner['id']} != {assignment.rule_id}")
    for rule in rules:
        rule["won"] = rule is winner
        rule["reason_en"], rule["reason_fr"] = ("winner", "retenue") if rule is winner else _why_lost(rule, winner)
    where = f"{assignment.commune_name} ({assignment.commune_code})"
    if winner is None:
        summary = (f"In {where}, no rule matches '{category}': the report goes to the relations centre's "
                   "triage queue.",
                   f"À {where}, aucune règle ne couvre « {category} » : le signalement va dans la file de tri "
                   "du centre de relation.")
    else:
        zone_en, zone_fr = ZONE_WORDS[winner["zone_rank"]]
        cat_en, cat_fr = CATEGORY_WORDS[winner["category_rank"]]
        target = str(assignment.service_code) + (f", sector {assignment.sector_code}" if assignment.sector_code else "")
        target_fr = str(assignment.service_code) + (f", secteur {assignment.sector_code}" if assignment.sector_code
                                               else "")
        summary = (f"In {where}, rule #{winner['id']} on {zone_en} and {cat_en} sends '{category}' to {target}"
                   + (f" (team {assignment.team})" if assignment.team else "") + ".",
                   f"À {where}, la règle n°{winner['id']} sur {zone_fr} et {cat_fr} envoie « {category} » à "
                   f"{target_fr}" + (f" (équipe {assignment.team})" if assignment.team else "") + ".")
    return Explanation(covering_zones=zones, assignment=assignment, rules=rules,
                       summary_en=summary[0], summary_fr=summary[1])


def list_categories(*, session: Session, residents: bool = False) -> list[Category]:
    """Every category, top-level ones first, then by code; with `residents`, only those a resident may choose."""
    query = select(Category).order_by(Category.parent_code.nulls_first(), Category.code)
    if residents:
        query = query.where(Category.agent_only.is_(False))
    return list(session.scalars(query))
