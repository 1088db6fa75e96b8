"""The back office's work queues: which tickets each queue holds, filtered, sorted and paged, within a scope.

Every selection goes through `access.scope_filter`, so a commune agent only ever lists its commune. Pages
read one row more than they show to know whether a next page exists, and the navigation's counts stop at
COUNT_CAP: an exact count of a six-figure queue costs a scan the agent never needs.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session, load_only

from core.users import Principal
from dispatch import access, vocabulary, workflow
from dispatch.models import Report

# Queue names, in the navigation's order.
QUEUES = ("triage", "service", "commune", "overdue", "waiting", "resolved", "all")
PAGE_SIZE = 50
MAX_PAGE = 200
COUNT_CAP = 1000
RECENT_DAYS = 30
SORTS = ("created", "due", "updated", "ref", "state", "commune", "resolved")
CHANNELS = ("app", "web", "phone", "counter", "email", "letter", "commune_office", "open311")
# What a queue's table shows and `late_refs` reads: only these are loaded (no geometry, no photos); reading
# another attribute of a listed ticket raises instead of costing a query per row.
LISTED = (Report.id, Report.ref, Report.category_code, Report.state, Report.commune_name, Report.service_code,
          Report.channel, Report.created_at, Report.due_at, Report.paused_at, Report.description)
# Each queue's natural order: the oldest untouched first at the desk, the nearest deadline first elsewhere.
DEFAULT_SORT = {"triage": ("created", False), "service": ("due", False), "commune": ("due", False),
                "overdue": ("due", False), "waiting": ("updated", False), "resolved": ("resolved", True),
                "all": ("created", True)}


def overdue_clause() -> ColumnElement[bool]:
    """Overdue: the one rule of the vocabulary."""
    return vocabulary.overdue_clause(Report)


def triage_clause() -> ColumnElement[bool]:
    """The relations centre's queue: nothing routed yet, or sent back by a service (as dispatch.triage.queue)."""
    return and_(or_(Report.state.in_(sorted(vocabulary.TRIAGE)), Report.service_code.is_(None)),
                Report.state.in_(sorted(vocabulary.OPEN)))


def available(principal: Principal) -> list[str]:
    """The queues a staff member works from: the desk's for the centre, their own service's or commune's."""
    names = []
    if principal.role in workflow.CENTRE:
        names.append("triage")
    if principal.service_code:
        names.append("service")
    if principal.commune_code:
        names.append("commune")
    return [*names, "overdue", "waiting", "resolved", "all"]


def queue_clause(name: str, principal: Principal) -> ColumnElement[bool]:
    """What one queue holds (before the scope, which `select_queue` always adds)."""
    if name == "triage":
        return triage_clause()
    if name == "service":
        return Report.service_code == principal.service_code if principal.service_code else Report.id.is_(None)
    if name == "commune":
        return Report.commune_code == principal.commune_code if principal.commune_code else Report.id.is_(None)
    if name == "overdue":
        return overdue_clause()
    if name == "waiting":
        return Report.state == str(vocabulary.State.WAITING_RESIDENT)
    if name == "resolved":
        return and_(Report.state.in_(sorted(vocabulary.DONE)), Report.resolved_at.is_not(None),
                    Report.resolved_at > func.now() - timedelta(days=RECENT_DAYS))
    return true()


@dataclass(frozen=True)
class QueueFilter:
    """What an agent narrows a queue to; every field is a URL parameter, so a selection is a stable link."""

    states: tuple[str, ...] = ()
    category: str | None = None
    commune: str | None = None
    service: str | None = None
    channel: str | None = None
    since: date | None = None
    until: date | None = None
    overdue: bool | None = None
    q: str | None = None
    sort: str | None = None
    desc: bool | None = None
    page: int = 1
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    def pairs(self, *, page: bool = True, sort: bool = True) -> list[tuple[str, str]]:
        """The filter as URL parameters (in a stable order, so the same selection gives the same URL)."""
        out: list[tuple[str, str]] = [("state", s) for s in self.states]
        for key in ("category", "commune", "service", "channel", "q"):
            value = getattr(self, key)
            if value:
                out.append((key, value))
        if self.since:
            out.append(("since", self.since.isoformat()))
        if self.until:
            out.append(("until", self.until.isoformat()))
        if self.overdue is not None:
            out.append(("overdue", "yes" if self.overdue else "no"))
        if sort and self.sort:
            out.append(("sort", self.sort))
            if self.desc is not None:
                out.append(("dir", "desc" if self.desc else "asc"))
        if page and self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def query(self, **changes: Any) -> str:
        """This selection's query string, with some fields changed (another page, another sort)."""
        return urlencode((replace(self, **changes) if changes else self).pairs())

    def is_empty(self) -> bool:
        return not self.pairs(page=False, sort=False)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_clauses(filters: QueueFilter) -> list[ColumnElement[bool]]:
    """The filter as WHERE clauses on the reports table."""
    clauses: list[ColumnElement[bool]] = []
    if filters.states:
        clauses.append(Report.state.in_(list(filters.states)))
    if filters.category:
        clauses.append(Report.category_code == filters.category)
    if filters.commune:
        clauses.append(Report.commune_code == filters.commune)
    if filters.service:
        clauses.append(Report.service_code == filters.service)
    if filters.channel:
        clauses.append(Report.channel == filters.channel)
    if filters.since:
        clauses.append(Report.created_at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:
        clauses.append(Report.created_at < datetime.combine(filters.until + timedelta(days=1), datetime.min.time()))
    if filters.overdue is not None:
        late = overdue_clause()
        clauses.append(late if filters.overdue else ~late)
    if filters.q:
        text = filters.q.strip()
        clauses.append(or_(Report.ref == text.upper(),
                           Report.description.ilike(f"%{_escape_like(text)}%", escape="\\")))
    return clauses


def _order(queue: str, filters: QueueFilter) -> tuple[str, bool, list[Any]]:
    name, desc = DEFAULT_SORT.get(queue, ("created", False))
    if filters.sort in SORTS:
        name, desc = filters.sort, bool(filters.desc)
    column = {"created": Report.created_at, "due": Report.due_at, "updated": Report.updated_at, "ref": Report.ref,
              "state": Report.state, "commune": Report.commune_name, "resolved": Report.resolved_at}[name]
    first = column.desc().nulls_last() if desc else column.asc().nulls_last()
    tie = Report.id.desc() if desc else Report.id.asc()
    return name, desc, [first, tie]


def where(*, principal: Principal, queue: str, filters: QueueFilter) -> ColumnElement[bool]:
    """Scope, queue and filters as one WHERE clause (the list, the map and bulk actions share it)."""
    return and_(access.scope_filter(principal), queue_clause(queue, principal), *filter_clauses(filters))


@dataclass(frozen=True)
class QueuePage:
    """One page of a queue: its tickets, whether more follow, and the order it was read in."""

    rows: Sequence[Report]
    page: int
    has_next: bool
    sort: str
    desc: bool


def list_(*, session: Session, principal: Principal, queue: str, filters: QueueFilter,
          limit: int = PAGE_SIZE) -> QueuePage:
    """A page of the queue, within the principal's scope."""
    page = max(1, min(filters.page, MAX_PAGE))
    sort, desc, order = _order(queue, filters)
    rows = session.scalars(
        select(Report).options(load_only(*LISTED, raiseload=True))
        .where(where(principal=principal, queue=queue, filters=filters))
        .order_by(*order).limit(limit + 1).offset((page - 1) * limit)
    ).all()
    return QueuePage(rows=rows[:limit], page=page, has_next=len(rows) > limit, sort=sort, desc=desc)


def for_map(*, session: Session, principal: Principal, queue: str, filters: QueueFilter,
            limit: int = 500) -> list[dict[str, Any]]:
    """The same selection as points for the map view (the most urgent `limit` of them)."""
    _, _, order = _order(queue, filters)
    rows = session.execute(
        select(Report.ref, Report.state, Report.category_code, Report.address_text, Report.commune_name,
               func.ST_Y(Report.geom).label("lat"), func.ST_X(Report.geom).label("lon"))
        .where(where(principal=principal, queue=queue, filters=filters)).order_by(*order).limit(limit)
    ).mappings()
    return [dict(r) for r in rows]


def counts_statement(principal: Principal) -> tuple[list[str], Select[Any]]:
    """The principal's queues and the one statement counting them: a scalar subquery per queue, stopping at the cap.

    Each is an index-only scan of its queue's partial index (migration 1703): a thousand index entries, no row.
    """
    names = [name for name in available(principal) if name != "all"]
    columns = [select(func.count()).select_from(
        select(Report.id).where(access.scope_filter(principal), queue_clause(name, principal))
        .limit(COUNT_CAP).subquery()).scalar_subquery().label(name) for name in names]
    return names, select(*columns)


def counts(*, session: Session, principal: Principal) -> dict[str, int]:
    """How many tickets each of the principal's queues holds, up to COUNT_CAP (shown as "1000+")."""
    names, statement = counts_statement(principal)
    row = session.execute(statement).one()
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def late_refs(rows: Sequence[Report], now: datetime) -> list[str]:
    """Which of these tickets are overdue: the vocabulary's rule, in Python on rows already read."""
    return [r.ref for r in rows
            if vocabulary.is_overdue(state=r.state, due_at=r.due_at, paused_at=r.paused_at, now=now)]


def ids(*, session: Session, principal: Principal, refs: Sequence[str]) -> list[int]:
    """The ids of tickets named by reference, only those within the principal's scope (bulk actions)."""
    if not refs:
        return []
    return list(session.scalars(select(Report.id).where(access.scope_filter(principal),
                                                        Report.ref.in_([r.strip().upper() for r in refs]))
                                .order_by(Report.id)))
