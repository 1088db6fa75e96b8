"""The audit log: one append-only row per administrative change (who, when, which entity, before and after).

`record` is the only writer. It runs in the caller's transaction, so a change and its audit row are
committed together or not at all; the table refuses UPDATE, DELETE and TRUNCATE (migration ad1000).
"""

import getpass
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.users import Principal

PAGE_SIZE = 50
# What never reaches the log, whatever the entity: secrets and hashes are named, never copied.
SECRET_FIELDS = frozenset({"password", "password_hash", "secret", "key_hash", "key", "content"})


class AuditEntry(Base):
    """One administrative change."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[str] = mapped_column(Text)
    actor_name: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def summary(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy of the fields worth keeping, secrets left out."""
    if values is None:
        return None
    return {k: _plain(v) for k, v in values.items() if k not in SECRET_FIELDS}


def cli_actor() -> tuple[str, str]:
    """How the log names someone at the command line: the operating-system account."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return f"cli:{name}", f"CLI ({name})"


def record(*, session: Session, actor: Principal | None, entity: str, entity_id: object, action: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> AuditEntry:
    """Append one row for a change made in this transaction; `actor` None means the command line."""
    actor_id, actor_name = (actor.actor_id, actor.name) if actor is not None else cli_actor()
    entry = AuditEntry(actor_id=actor_id, actor_name=actor_name, entity=entity, entity_id=str(entity_id),
                       action=action, before=summary(before), after=summary(after))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditEntry]
    page: int
    has_next: bool


def list_(*, session: Session, entity: str | None = None, actor: str | None = None, page: int = 1,
          size: int = PAGE_SIZE) -> AuditPage:
    """The newest changes first, filtered by entity and actor (its id, like staff:3, or part of its name)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if actor:
        query = query.where((AuditEntry.actor_id == actor) | AuditEntry.actor_name.ilike(f"%{_like(actor)}%"))
    rows = list(session.scalars(query.offset((page - 1) * size).limit(size + 1)))
    return AuditPage(rows=rows[:size], page=page, has_next=len(rows) > size)


def entities(*, session: Session) -> list[str]:
    """The kinds of entity the log has rows for, for the filter."""
    return list(session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def fields_of(obj: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a row, as the log keeps them (before or after a change)."""
    return {name: getattr(obj, name) for name in names}
