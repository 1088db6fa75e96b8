"""Response templates as administrators edit them: FR/EN names and texts, with only the known placeholders.

Agents pick them on the ticket page (dispatch.answers fills {ref}, {address}, {deadline}); a placeholder
with a typo would reach residents as typed, so it is refused here. Retired templates are kept, inactive.
"""

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.errors import NotFound
from core.users import Principal
from dispatch import admin_checks as check
from dispatch.answers import PLACEHOLDERS, ResponseTemplate

FIELDS = ("code", "name_fr", "name_en", "body_fr", "body_en", "active")
PLACEHOLDER = re.compile(r"{([^{}]*)}")


def list_(*, session: Session) -> list[ResponseTemplate]:
    """Every template, active ones first."""
    return list(session.scalars(select(ResponseTemplate).order_by(ResponseTemplate.active.desc(),
                                                                  ResponseTemplate.code)))


def get_or_raise(*, session: Session, template_id: int) -> ResponseTemplate:
    template = session.get(ResponseTemplate, template_id)
    if template is None:
        raise NotFound(f"No response template #{template_id}", f"Aucun modèle de réponse n°{template_id}")
    return template


def _body(values: dict[str, Any], field: str) -> str:
    body = check.text(values, field, max_length=5000)
    assert body is not None
    unknown = sorted({p for p in PLACEHOLDER.findall(body) if p not in PLACEHOLDERS})
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        shown = ", ".join("{" + p + "}" for p in unknown)
        raise check.refuse(field, f"Unknown placeholder {shown}: use {known}",
                           f"Champ à remplacer inconnu {shown} : utilisez {known}")
    return body


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    return {"name_fr": check.text(values, "name_fr", max_length=120),
            "name_en": check.text(values, "name_en", max_length=120),
            "body_fr": _body(values, "body_fr"), "body_en": _body(values, "body_en"),
            "active": check.flag(values, "active")}


def save(*, session: Session, actor: Principal | None, template_id: int | None,
         values: dict[str, Any]) -> ResponseTemplate:
    """Create (template_id None, with a code for ever) or change a template."""
    checked = _checked(values)
    if template_id is None:
        code = check.code(values, "code")
        if session.scalar(select(ResponseTemplate.id).where(ResponseTemplate.code == code)) is not None:
            raise check.refuse("code", f"A template '{code}' exists already", f"Le modèle « {code} » existe déjà")
        template = ResponseTemplate(code=code, **checked)
        session.add(template)
        session.flush()
        audit.record(session=session, actor=actor, entity="response_template", entity_id=template.code,
                     action="created", after=audit.fields_of(template, FIELDS))
        return template
    template = get_or_raise(session=session, template_id=template_id)
    before = audit.fields_of(template, FIELDS)
    for name, value in checked.items():
        setattr(template, name, value)
    session.flush()
    after = audit.fields_of(template, FIELDS)
    if after != before:
        audit.record(session=session, actor=actor, entity="response_template", entity_id=template.code,
                     action="updated", before={k: v for k, v in before.items() if after[k] != v or k == "code"},
                     after={k: v for k, v in after.items() if before[k] != v or k == "code"})
    return template
