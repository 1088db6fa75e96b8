"""Saved selections: a queue and its filters kept under a name, one list per staff member."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, Text, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.errors import InvalidFilter
from core.users import Principal


class SavedSelection(Base):
    """A queue with its URL query, under a name its owner chose."""

    __tablename__ = "staff_saved_selections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    name: Mapped[str] = mapped_column(Text)
    queue: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def list_(*, session: Session, owner: Principal) -> list[SavedSelection]:
    return list(session.scalars(select(SavedSelection).where(SavedSelection.staff_id == owner.id)
                                .order_by(SavedSelection.name)))


def create(*, session: Session, owner: Principal, name: str, queue: str, query: str) -> SavedSelection:
    """Save (or replace) the selection called `name` of this staff member."""
    name = name.strip()[:100]
    if not name:
        raise InvalidFilter("A saved selection needs a name", "Une sélection enregistrée doit avoir un nom",
                            parameter="name")
    stmt = insert(SavedSelection).values(staff_id=owner.id, name=name, queue=queue, query=query[:2000])
    stmt = stmt.on_conflict_do_update(constraint="uq_staff_saved_selections_name",
                                      set_={"queue": queue, "query": query[:2000]})
    selection_id = session.execute(stmt.returning(SavedSelection.id)).scalar_one()
    session.flush()
    return session.get_one(SavedSelection, selection_id)


def delete_(*, session: Session, owner: Principal, selection_id: int) -> bool:
    """Delete one of the owner's selections (someone else's id deletes nothing)."""
    done = session.execute(delete(SavedSelection).where(SavedSelection.id == selection_id,
                                                        SavedSelection.staff_id == owner.id))
    session.flush()
    return bool(done.rowcount)  # type: ignore[attr-defined]
