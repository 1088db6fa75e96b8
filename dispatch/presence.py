"""Who has a ticket open: a row per (ticket, staff member), refreshed by the page's heartbeat, stale after EXPIRY.

Two agents on the same ticket see each other ("X has had it open since 14:05"); the version check still
decides who may write, this only avoids the surprise.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.users import Principal, StaffUser
from dispatch.models import Report

# A page sends a heartbeat every HEARTBEAT; a view not refreshed for EXPIRY is gone (tab closed, laptop asleep).
HEARTBEAT = timedelta(seconds=30)
EXPIRY = timedelta(minutes=2)


class TicketView(Base):
    """One staff member having one ticket open: since when, and when we last heard from their page."""

    __tablename__ = "ticket_views"
    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reports.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, ForeignKey("staff_users.id"), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class Viewer:
    """Someone else who has the ticket open."""

    staff_id: int
    name: str
    opened_at: datetime
    seen_at: datetime


def touch(*, session: Session, report_id: int, viewer: Principal) -> None:
    """Record that `viewer` has the ticket open now; a view that had expired starts again from now."""
    if viewer.kind != "staff":
        return
    stale = func.now() - EXPIRY
    stmt = insert(TicketView).values(report_id=report_id, staff_id=viewer.id)
    stmt = stmt.on_conflict_do_update(
        index_elements=["report_id", "staff_id"],
        set_={"seen_at": func.now(),
              "opened_at": case((TicketView.seen_at < stale, func.now()), else_=TicketView.opened_at)})
    session.execute(stmt)
    session.flush()


def leave(*, session: Session, report_id: int, viewer: Principal) -> None:
    """The viewer closed the ticket (or acted on it and went back to the queue)."""
    session.execute(delete(TicketView).where(TicketView.report_id == report_id, TicketView.staff_id == viewer.id))
    session.flush()


def others(*, session: Session, report_id: int, viewer: Principal) -> list[Viewer]:
    """Everyone else with the ticket open, first opener first."""
    rows = session.execute(
        select(TicketView.staff_id, StaffUser.name, TicketView.opened_at, TicketView.seen_at)
        .join(StaffUser, StaffUser.id == TicketView.staff_id)
        .where(TicketView.report_id == report_id, TicketView.staff_id != viewer.id,
               TicketView.seen_at >= func.now() - EXPIRY)
        .order_by(TicketView.opened_at)
    ).all()
    return [Viewer(staff_id=r[0], name=r[1], opened_at=r[2], seen_at=r[3]) for r in rows]


def on_refs(*, session: Session, refs: list[str], viewer: Principal) -> dict[str, Viewer]:
    """For a queue page: the first other person who has each listed ticket open."""
    if not refs:
        return {}
    rows = session.execute(
        select(Report.ref, TicketView.staff_id, StaffUser.name, TicketView.opened_at, TicketView.seen_at)
        .join(TicketView, TicketView.report_id == Report.id).join(StaffUser, StaffUser.id == TicketView.staff_id)
        .where(Report.ref.in_(refs), TicketView.staff_id != viewer.id, TicketView.seen_at >= func.now() - EXPIRY)
        .order_by(TicketView.opened_at)
    ).all()
    found: dict[str, Viewer] = {}
    for ref, staff_id, name, opened, seen in rows:
        found.setdefault(ref, Viewer(staff_id=staff_id, name=name, opened_at=opened, seen_at=seen))
    return found
