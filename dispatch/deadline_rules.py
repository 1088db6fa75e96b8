"""Deadline rules as administrators edit them: working days for a category, in one commune or everywhere.

dispatch.deadlines reads them (a commune's rule, else the territory-wide one, else the category's default);
a change applies to tickets filed from then on. Every change audited.
"""

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core import audit
from core.errors import NotFound
from core.users import Principal
from dispatch import admin_checks as check
from dispatch.models import DeadlineRule
from geo.models import Category

FIELDS = ("id", "category_code", "commune_code", "working_days")


def list_(*, session: Session) -> list[DeadlineRule]:
    return list(session.scalars(select(DeadlineRule).order_by(DeadlineRule.category_code,
                                                              DeadlineRule.commune_code.nulls_first())))


def get_or_raise(*, session: Session, rule_id: int) -> DeadlineRule:
    rule = session.get(DeadlineRule, rule_id)
    if rule is None:
        raise NotFound(f"No deadline rule #{rule_id}", f"Aucune règle de délai n°{rule_id}")
    return rule


def _checked(session: Session, values: dict[str, Any], rule_id: int | None) -> dict[str, Any]:
    category = check.code(values, "category_code")
    check.existing(session, Category.code, category, "category_code", ("category", "Catégorie"))
    commune = check.text(values, "commune_code", required=False, max_length=10)
    if commune is not None and session.execute(text(
            "SELECT 1 FROM zones WHERE kind IN ('commune', 'arrondissement') AND code = :c AND valid_to IS NULL "
            "LIMIT 1"), {"c": commune}).first() is None:
        raise check.refuse("commune_code", f"Unknown commune '{commune}'", f"Commune « {commune} » inconnue")
    twin = session.scalar(select(DeadlineRule.id).where(DeadlineRule.category_code == category,
                                                        DeadlineRule.commune_code.is_not_distinct_from(commune)))
    if twin is not None and twin != rule_id:
        raise check.refuse("commune_code", f"Rule #{twin} already sets this category's deadline there",
                           f"La règle n°{twin} fixe déjà le délai de cette catégorie à cet endroit")
    return {"category_code": category, "commune_code": commune,
            "working_days": check.number(values, "working_days", low=1, high=365)}


def save(*, session: Session, actor: Principal | None, rule_id: int | None, values: dict[str, Any]) -> DeadlineRule:
    """Create (rule_id None) or change a rule; tickets already filed keep their deadline."""
    checked = _checked(session, values, rule_id)
    if rule_id is None:
        rule = DeadlineRule(**checked)
        session.add(rule)
        session.flush()
        audit.record(session=session, actor=actor, entity="deadline_rule", entity_id=rule.id, action="created",
                     after=audit.fields_of(rule, FIELDS))
        return rule
    rule = get_or_raise(session=session, rule_id=rule_id)
    before = audit.fields_of(rule, FIELDS)
    for name, value in checked.items():
        setattr(rule, name, value)
    session.flush()
    after = audit.fields_of(rule, FIELDS)
    if after != before:
        audit.record(session=session, actor=actor, entity="deadline_rule", entity_id=rule.id, action="updated",
                     before=before, after=after)
    return rule


def delete(*, session: Session, actor: Principal | None, rule_id: int) -> None:
    rule = get_or_raise(session=session, rule_id=rule_id)
    before = audit.fields_of(rule, FIELDS)
    session.delete(rule)
    session.flush()
    audit.record(session=session, actor=actor, entity="deadline_rule", entity_id=rule_id, action="deleted",
                 before=before)
