"""Routing rules as administrators edit them, with a preview: where a point would go once the change is made.

The preview makes the change inside a savepoint, asks geo.service.explain (the very routing intake uses)
and rolls the savepoint back, so what it shows is exactly what saving would do, and nothing is kept.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core import audit
from core.errors import NotFound
from core.users import Principal
from dispatch import admin_checks as check
from geo.models import Category, RoutingRule, Service
from geo.service import Explanation, explain

FIELDS = ("id", "category_code", "zone_kind", "zone_code", "service_code", "team", "priority", "note")
ZONE_KINDS = ("commune", "arrondissement", "sector")


@dataclass(frozen=True)
class Preview:
    """Where the point goes today, and where it would go with the rule as typed."""

    lat: float
    lon: float
    category: str
    now: Explanation
    then: Explanation

    @property
    def changes(self) -> bool:
        a, b = self.now.assignment, self.then.assignment
        return (a.service_code, a.sector_code, a.team) != (b.service_code, b.sector_code, b.team)


def list_(*, session: Session) -> list[RoutingRule]:
    """Every rule, by category then zone, then priority (highest first)."""
    return list(session.scalars(select(RoutingRule).order_by(
        RoutingRule.category_code.nulls_last(), RoutingRule.zone_kind.nulls_last(), RoutingRule.zone_code,
        RoutingRule.priority.desc(), RoutingRule.id)))


def get_or_raise(*, session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"No routing rule #{rule_id}", f"Aucune règle d'aiguillage n°{rule_id}")
    return rule


def _zone_exists(session: Session, kind: str, code: str) -> bool:
    return session.execute(text("SELECT 1 FROM zones WHERE kind = :k AND code = :c AND valid_to IS NULL LIMIT 1"),
                           {"k": kind, "c": code}).first() is not None


def _checked(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    category = check.code(values, "category_code", required=False)
    check.existing(session, Category.code, category, "category_code", ("category", "Catégorie"))
    kind = str(values.get("zone_kind") or "").strip() or None
    if kind is not None and kind not in ZONE_KINDS:
        raise check.refuse("zone_kind", f"Zone kind must be one of {', '.join(ZONE_KINDS)}",
                           f"Le type de zone doit être parmi {', '.join(ZONE_KINDS)}")
    zone = check.text(values, "zone_code", required=False, max_length=63)
    if kind is None and zone is not None:
        raise check.refuse("zone_kind", "Say which kind of zone the code is", "Précisez le type de la zone")
    if kind is not None and zone is None:
        raise check.refuse("zone_code", "Give the zone's code (or no kind, for the whole territory)",
                           "Donnez le code de la zone (ou aucun type, pour tout le territoire)")
    if kind is not None and zone is not None and not _zone_exists(session, kind, zone):
        raise check.refuse("zone_code", f"No current {kind} '{zone}'", f"Aucune zone {kind} « {zone} » en vigueur")
    service = check.code(values, "service_code")
    check.existing(session, Service.code, service, "service_code", ("service", "Service"))
    return {"category_code": category, "zone_kind": kind, "zone_code": zone, "service_code": service,
            "team": check.text(values, "team", required=False, max_length=120),
            "priority": check.number(values, "priority", low=-1000, high=1000, default=0),
            "note": check.text(values, "note", required=False, max_length=500)}


def _apply(session: Session, rule_id: int | None, values: dict[str, Any]) -> tuple[RoutingRule, dict[str, Any] | None]:
    checked = _checked(session, values)
    if rule_id is None:
        rule = RoutingRule(**checked)
        session.add(rule)
        session.flush()
        return rule, None
    found = session.scalar(select(RoutingRule).where(RoutingRule.id == rule_id).with_for_update())
    if found is None:
        raise NotFound(f"No routing rule #{rule_id}", f"Aucune règle d'aiguillage n°{rule_id}")
    before = audit.fields_of(found, FIELDS)
    for name, value in checked.items():
        setattr(found, name, value)
    session.flush()
    return found, before


def save(*, session: Session, actor: Principal | None, rule_id: int | None, values: dict[str, Any]) -> RoutingRule:
    """Create (rule_id None) or change a rule; reports already made keep their routing (re-route them apart)."""
    rule, before = _apply(session, rule_id, values)
    after = audit.fields_of(rule, FIELDS)
    if before is None:
        audit.record(session=session, actor=actor, entity="routing_rule", entity_id=rule.id, action="created",
                     after=after)
    elif before != after:
        audit.record(session=session, actor=actor, entity="routing_rule", entity_id=rule.id, action="updated",
                     before={k: v for k, v in before.items() if after[k] != v or k == "id"},
                     after={k: v for k, v in after.items() if before[k] != v or k == "id"})
    return rule


def delete(*, session: Session, actor: Principal | None, rule_id: int) -> None:
    """Remove a rule (what it said stays in the audit log)."""
    rule = get_or_raise(session=session, rule_id=rule_id)
    before = audit.fields_of(rule, FIELDS)
    session.delete(rule)
    session.flush()
    audit.record(session=session, actor=actor, entity="routing_rule", entity_id=rule_id, action="deleted",
                 before=before)


def point(values: dict[str, Any]) -> tuple[float, float, str]:
    """The preview's point and category from the form."""
    coords = []
    for name, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
        try:
            value = float(str(values.get(name) or "").strip().replace(",", "."))
        except ValueError:
            raise check.refuse(name, f"'{name}' must be a number in degrees", f"« {name} » doit être un nombre "
                               "en degrés") from None
        if not low <= value <= high:
            raise check.refuse(name, f"'{name}' must lie between {low:g} and {high:g}",
                               f"« {name} » doit être compris entre {low:g} et {high:g}")
        coords.append(value)
    category = check.code(values, "preview_category")
    assert category is not None
    return coords[0], coords[1], category


def preview(*, session: Session, rule_id: int | None, values: dict[str, Any], lat: float, lon: float,
            category: str) -> Preview:
    """Where (lat, lon, category) goes now and with the rule as typed; the change itself is rolled back."""
    now = explain(session=session, lat=lat, lon=lon, category=category)
    savepoint = session.begin_nested()
    try:
        _apply(session, rule_id, values)
        then = explain(session=session, lat=lat, lon=lon, category=category)
    finally:
        savepoint.rollback()
    return Preview(lat=lat, lon=lon, category=category, now=now, then=then)
