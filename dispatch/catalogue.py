"""The category catalogue as administrators edit it: resident-facing names and help (FR/EN), icon, parent,
handling service, default deadline, duplicate radius, and whether only agents may use it. Every change audited."""

import re
from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.errors import NotFound
from core.users import Principal
from dispatch import admin_checks as check
from geo.models import Category, Service

FIELDS = ("code", "parent_code", "name_fr", "name_en", "help_fr", "help_en", "icon", "service_code",
          "agent_only", "deadline_days", "duplicate_radius_m")
ICON = re.compile(r"^[a-z0-9-]{1,60}$")


def list_(*, session: Session) -> list[Category]:
    """Every category, groups first, each followed by its children (as the apps list them)."""
    rows = list(session.scalars(select(Category)))
    return sorted(rows, key=lambda c: (c.parent_code or c.code, c.parent_code is not None, c.code))


def get_or_raise(*, session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None:
        raise NotFound(f"No category '{code}'", f"Aucune catégorie « {code} »")
    return category


def _checked(session: Session, values: dict[str, Any], code: str, icons: Collection[str] | None) -> dict[str, Any]:
    """The form's values, checked: names required, a parent that is a top-level category other than itself."""
    parent = check.code(values, "parent_code", required=False)
    if parent == code:
        raise check.refuse("parent_code", "A category cannot be its own parent",
                           "Une catégorie ne peut pas être sa propre mère")
    if parent is not None:
        found = session.get(Category, parent)
        if found is None:
            raise check.refuse("parent_code", f"Unknown category '{parent}'", f"Catégorie « {parent} » inconnue")
        if found.parent_code is not None:
            raise check.refuse("parent_code", "The parent must be a top-level category (two levels at most)",
                               "La catégorie mère doit être de premier niveau (deux niveaux au plus)")
        if session.scalar(select(Category.code).where(Category.parent_code == code).limit(1)):
            raise check.refuse("parent_code", "This category has children: it must stay top-level",
                               "Cette catégorie a des sous-catégories : elle doit rester de premier niveau")
    service = check.code(values, "service_code", required=False)
    check.existing(session, Service.code, service, "service_code", ("service", "Service"))
    icon = (str(values.get("icon") or "").strip() or "circle-exclamation")
    if not ICON.match(icon) or (icons is not None and icon not in icons):
        raise check.refuse("icon", f"Unknown icon '{icon}'", f"Icône « {icon} » inconnue")
    return {
        "parent_code": parent, "service_code": service, "icon": icon,
        "name_fr": check.text(values, "name_fr", max_length=120), "name_en": check.text(values, "name_en",
                                                                                      max_length=120),
        "help_fr": check.text(values, "help_fr", required=False, max_length=500),
        "help_en": check.text(values, "help_en", required=False, max_length=500),
        "agent_only": check.flag(values, "agent_only"),
        "deadline_days": check.number(values, "deadline_days", low=1, high=365, default=10),
        "duplicate_radius_m": check.number(values, "duplicate_radius_m", low=0, high=2000, default=50),
    }


def create(*, session: Session, actor: Principal | None, values: dict[str, Any],
           icons: Collection[str] | None = None) -> Category:
    """A new category; its code is for ever (reports keep it)."""
    code = check.code(values, "code")
    assert code is not None
    if session.get(Category, code) is not None:
        raise check.refuse("code", f"A category '{code}' exists already", f"La catégorie « {code} » existe déjà")
    category = Category(code=code, **_checked(session, values, code, icons))
    session.add(category)
    session.flush()
    audit.record(session=session, actor=actor, entity="category", entity_id=code, action="created",
                 after=audit.fields_of(category, FIELDS))
    return category


def update(*, session: Session, actor: Principal | None, code: str, values: dict[str, Any],
           icons: Collection[str] | None = None) -> Category:
    """Change a category's texts and settings; reports already made keep their category and deadline."""
    category = session.scalar(select(Category).where(Category.code == code).with_for_update())
    if category is None:
        raise NotFound(f"No category '{code}'", f"Aucune catégorie « {code} »")
    before = audit.fields_of(category, FIELDS)
    for name, value in _checked(session, values, code, icons).items():
        setattr(category, name, value)
    session.flush()
    after = audit.fields_of(category, FIELDS)
    if after != before:
        audit.record(session=session, actor=actor, entity="category", entity_id=code, action="updated",
                     before={k: v for k, v in before.items() if after[k] != v or k == "code"},
                     after={k: v for k, v in after.items() if before[k] != v or k == "code"})
    return category
