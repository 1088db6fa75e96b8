"""Deadlines in working days: weekends and French public holidays off, paused while waiting for the resident."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.settings import get_settings
from dispatch.models import DeadlineRule
from geo.models import Category


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


@lru_cache(maxsize=64)
def _holidays(year: int) -> holidays.HolidayBase:
    # Metropolitan France's public holidays (Lyon has no local ones, unlike Alsace-Moselle).
    return holidays.country_holidays("FR", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def local_date(moment: datetime) -> date:
    return moment.astimezone(_zone()).date()


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (23:59:59 local time) of the `days`-th working day after the day of `start`.

    Friday + 1 is Monday evening; a ticket filed on Saturday with 1 day is due on Monday evening too;
    13 July 2026 (Monday) + 1 skips the 14th and is due on Wednesday 15th.
    """
    day = local_date(start)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=_zone())


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days d with start's day < d <= end's day: what a pause from start to end has cost."""
    first, last = local_date(start), local_date(end)
    count = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def extend(due: datetime, days: int) -> datetime:
    """A deadline pushed back by `days` working days (after a pause)."""
    return add_working_days(due, days) if days > 0 else due


def working_days_for(*, session: Session, category_code: str, commune_code: str) -> int:
    """The commune's rule for the category, else the territory-wide rule, else the category's default."""
    rules = session.execute(
        select(DeadlineRule.commune_code, DeadlineRule.working_days)
        .where(DeadlineRule.category_code == category_code,
               (DeadlineRule.commune_code == commune_code) | DeadlineRule.commune_code.is_(None))
    ).all()
    by_commune = {commune: days for commune, days in rules}
    if commune_code in by_commune:
        return by_commune[commune_code]
    if None in by_commune:
        return by_commune[None]
    category = session.get(Category, category_code)
    return category.deadline_days if category is not None else 10


def due_for(*, session: Session, category_code: str, commune_code: str, start: datetime) -> datetime:
    days = working_days_for(session=session, category_code=category_code, commune_code=commune_code)
    return add_working_days(start, days)
