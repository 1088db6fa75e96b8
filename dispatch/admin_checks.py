"""What every administration service checks in what a form sent: required text, codes, numbers, references."""

import re
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.errors import InvalidAdminInput

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def refuse(field: str, en: str, fr: str) -> InvalidAdminInput:
    """The error for one field, in both languages, naming the field so the form can mark it."""
    return InvalidAdminInput(en, fr, field=field)


def text(values: dict[str, Any], field: str, *, required: bool = True, max_length: int = 2000) -> str | None:
    """A trimmed text field; None when empty and optional."""
    value = str(values.get(field) or "").strip()
    if not value:
        if required:
            raise refuse(field, f"'{field}' is required", f"« {field} » est obligatoire")
        return None
    if len(value) > max_length:
        raise refuse(field, f"'{field}' is longer than {max_length} characters",
                     f"« {field} » dépasse {max_length} caractères")
    return value


def code(values: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    """A code: lower-case letters, digits, _ and -, at most 63 characters."""
    value = text(values, field, required=required, max_length=63)
    if value is not None and not CODE.match(value):
        raise refuse(field, f"'{value}' is not a valid code: lower-case letters, digits, _ and - only",
                     f"« {value} » n'est pas un code valide : minuscules, chiffres, _ et - seulement")
    return value


def number(values: dict[str, Any], field: str, *, low: int, high: int, default: int | None = None) -> int:
    """A whole number between `low` and `high`."""
    raw = str(values.get(field) or "").strip()
    if not raw and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise refuse(field, f"'{field}' must be a whole number", f"« {field} » doit être un nombre entier") from None
    if not low <= value <= high:
        raise refuse(field, f"'{field}' must lie between {low} and {high}",
                     f"« {field} » doit être compris entre {low} et {high}")
    return value


def flag(values: dict[str, Any], field: str) -> bool:
    """A checkbox: present and not "no" means ticked."""
    return str(values.get(field) or "").strip().lower() in ("1", "on", "yes", "true")


def existing(session: Session, column: Any, value: str | None, field: str, what: tuple[str, str]) -> None:
    """Refuse a reference to a row that does not exist (a typo would route to nowhere); `what` is (en, fr)."""
    if value is not None and not session.scalar(select(exists().where(column == value))):
        raise refuse(field, f"Unknown {what[0]} '{value}'", f"{what[1]} « {value} » inconnu(e)")
