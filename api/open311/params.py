"""Reading what clients send, leniently: dates in the forms they use, comma lists, pages; writing w3 dates."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.open311.render import Open311Error

TIMEZONE = ZoneInfo("Europe/Paris")
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
# Past this the offset overflowed PostgreSQL's bigint (a 500); a million pages of 1,000 is far past any data.
MAX_PAGE = 1_000_000
DEFAULT_SPAN = timedelta(days=90)

# "2026-11-28T10:00:00 01:00": a '+' sent unencoded in a query string arrives as a space.
_SPACE_OFFSET = re.compile(r"^(.*\d)[ ](\d{2}:?\d{2})$")
_COMPACT_OFFSET = re.compile(r"^(.*[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-])(\d{2})(\d{2})$")


def w3(moment: datetime | None) -> str | None:
    """A w3 datetime with its offset, to the second, in the jurisdiction's time: 2026-11-28T14:05:09+01:00."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE).replace(microsecond=0).isoformat()


def parse_datetime(value: str, *, name: str, end_of_day: bool = False) -> datetime:
    """ISO 8601 / w3 with Z, +HH:MM, +HHMM or a space for '+'; a date alone; epoch seconds.

    A value without a time zone is read in the jurisdiction's time (Europe/Paris): the spec requires a
    zone, but people typing dates into clients do not add one.
    """
    text = value.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return datetime.fromtimestamp(int(text), tz=UTC)
    if match := _SPACE_OFFSET.match(text):
        text = f"{match.group(1)}+{match.group(2)}"
    if match := _COMPACT_OFFSET.match(text):
        text = f"{match.group(1)}{match.group(2)}{match.group(3)}:{match.group(4)}"
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=TIMEZONE)
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", text) else text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a w3 date/time such as 2010-01-01T00:00:00Z: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)


def split_list(value: str | None) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def positive_int(value: str | None, *, name: str, default: int, maximum: int | None = None,
                 limit: int | None = None) -> int:
    """A whole number from 1: clamped to `maximum` (page sizes), refused past `limit` (pages)."""
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise Open311Error(400, f"{name} must be 1 or more")
    if limit is not None and number > limit:
        raise Open311Error(400, f"{name} must be {limit} at most")
    return min(number, maximum) if maximum else number


def date_range(start: str | None, end: str | None, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The spec's window: both ends as given; a start alone runs to now; an end alone, the 90 days before it;
    neither, the last 90 days."""
    start_at = parse_datetime(start, name="start_date") if start else None
    end_at = parse_datetime(end, name="end_date", end_of_day=True) if end else None
    if end_at is not None and end_at.microsecond == 0:
        # A w3 time to the second covers that whole second: boston311 (PyPI) sends "now" truncated to the
        # second as end_date, which would otherwise miss a request made a few milliseconds earlier.
        end_at = end_at.replace(microsecond=999_999)
    if start_at is None and end_at is None:
        return now - DEFAULT_SPAN, None
    if start_at is None and end_at is not None:
        return end_at - DEFAULT_SPAN, end_at
    if start_at is not None and end_at is not None and end_at < start_at:
        raise Open311Error(400, "end_date is before start_date")
    return start_at, end_at
