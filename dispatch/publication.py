"""Which reports the public may see: one rule for the map, list, tiles, feeds, Open311, OGC and tracking pages.

Reports being handled are public; resolved or closed ones for RESOLVED_VISIBLE_DAYS after their resolution,
so residents see the fix; rejected reports never (an internal hand-back), nor reports merged into another
(the one they joined is shown). Python filters with `visible()`; SQL files splice maps/sql/public.sql, the
same rule with the vocabulary's sets written in as literals and `sql_params()` bound.
"""

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from dispatch import vocabulary
from dispatch.models import Report, ReportPhoto

RESOLVED_VISIBLE_DAYS = vocabulary.RESOLVED_VISIBLE_DAYS
SHOWN_WHILE_HANDLED = vocabulary.PUBLIC_OPEN  # @PUBLIC_OPEN_STATES@ in public.sql
SHOWN_AFTER_RESOLUTION = vocabulary.DONE  # @DONE_STATES@ in public.sql


def visible() -> ColumnElement[bool]:
    """The rule as a SQLAlchemy predicate on Report; now() is the transaction's, as in public.sql."""
    resolved_at = func.coalesce(Report.resolved_at, Report.updated_at)
    return and_(
        Report.merged_into_id.is_(None),
        or_(Report.state.in_(sorted(str(s) for s in SHOWN_WHILE_HANDLED)),
            and_(Report.state.in_(sorted(str(s) for s in SHOWN_AFTER_RESOLUTION)),
                 resolved_at > func.now() - func.make_interval(0, 0, 0, RESOLVED_VISIBLE_DAYS))),
    )


def public_description() -> ColumnElement[str | None]:
    """The description as the public reads it: NULL once staff hid it (dispatch.moderation)."""
    return case((Report.description_hidden_at.is_(None), Report.description), else_=None).label("description")


def shown_description(report: Report) -> str | None:
    """The same rule on a loaded report: its description, unless staff hid it (or it is empty)."""
    return None if report.description_hidden_at is not None else (report.description or None)


def photo_shown() -> ColumnElement[bool]:
    """A report's photo the public may see: staff did not hide it (dispatch.moderation)."""
    return ReportPhoto.hidden_at.is_(None)


# The photo the worker fetched from an Open311 media_url (dispatch.media) is added by this actor: hiding
# that photo hides the media_url too, so the client's URL never shows what staff took down.
MEDIA_URL_ACTOR = "system:media_url"


def sql_params() -> dict[str, Any]:
    """The bind parameters maps/sql/public.sql reads."""
    return {"recent_days": RESOLVED_VISIBLE_DAYS}


def get_by_ref_or_raise(*, session: Session, ref: str) -> Report:
    """A publicly visible report by its reference; NotFound for one the public may not see, worded as for one
    that does not exist (the answer tells nothing about hidden reports)."""
    report = session.scalar(select(Report).where(Report.ref == ref.strip().upper(), visible()))
    if report is None:
        raise NotFound(f"No report {ref}", f"Aucun signalement {ref}")
    return report


def leads_to(*, session: Session, ref: str) -> Report:
    """The publicly visible report a reference leads to: itself, or the report it was merged into (a merged
    report is not public itself, but whoever holds its reference may follow it to the one it joined)."""
    merged_into = session.scalar(select(Report.merged_into_id).where(Report.ref == ref.strip().upper()))
    if merged_into is None:
        return get_by_ref_or_raise(session=session, ref=ref)
    report = session.scalar(select(Report).where(Report.id == merged_into, visible()))
    if report is None:
        raise NotFound(f"No report {ref}", f"Aucun signalement {ref}")
    return report
