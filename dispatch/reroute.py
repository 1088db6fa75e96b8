"""Re-routing open reports in bulk after zones or rules change: a dry run that lists moves, then for real."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from dispatch.sqlfiles import sql
from geo.bulk import create_input, route_input
from geo.loader import LoadReport, ZoneFeature, load_zones


@dataclass(frozen=True)
class Move:
    """One open report whose routing would change (or has changed), from -> to."""

    report_id: int
    ref: str
    category: str
    state: str
    outside: bool
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class ReroutePlan:
    """What a re-routing did, or in a dry run would do."""

    dry_run: bool
    examined: int
    total_moves: int
    outside: int
    moves: list[Move] = field(default_factory=list)
    applied: int = 0


def reroute_open_reports(*, session: Session, dry_run: bool = True, reason: str = "",
                         actor_kind: str = "system", actor_id: str | None = None,
                         list_limit: int = 1000) -> ReroutePlan:
    """Route every open report again with the current zones and rules; list the moves, apply them unless dry.

    Each applied move bumps the report's version and appends a `rerouted` line to its history carrying the
    reason and the routing before and after. Finished reports never move. Open reports that no current
    commune covers any more are counted in `outside` and left where they are, for a person to look at.
    At most `list_limit` moves are listed; `total_moves` counts them all.
    """
    create_input(session=session)
    examined = session.connection().execute(sql("reroute_input"), {}).rowcount
    route_input(session=session)
    session.execute(text("DROP TABLE IF EXISTS reroute_moves"))
    session.execute(sql("reroute_moves"))
    total, outside = session.execute(text("SELECT count(*), count(*) FILTER (WHERE outside) FROM reroute_moves")).one()
    rows = session.execute(text("SELECT * FROM reroute_moves ORDER BY id LIMIT :n"), {"n": list_limit}).mappings()
    moves = [
        Move(report_id=r["id"], ref=r["ref"], category=r["category_code"], state=r["state"], outside=r["outside"],
             before={k: r[f"from_{k}"] for k in ("commune", "zone", "service", "sector", "team", "rule")},
             after={k: r[f"to_{k}"] for k in ("commune", "zone", "service", "sector", "team", "rule")})
        for r in rows
    ]
    plan = ReroutePlan(dry_run=dry_run, examined=int(examined), total_moves=int(total), outside=int(outside),
                       moves=moves)
    if not dry_run:
        plan.applied = int(session.connection().execute(sql("reroute_apply"), {
            "reason": reason or "zones or rules changed",
            "actor_kind": actor_kind, "actor_id": actor_id,
        }).rowcount)
        session.expire_all()
    session.flush()
    return plan


def load_zone_file(*, session: Session, features: list[ZoneFeature], source: str, on: date | None = None,
                   dry_run: bool = True) -> tuple[LoadReport, ReroutePlan]:
    """Load zones and say which open reports they would move (a dry run of re-routing, never applied here).

    A dry run loads for real inside a savepoint and rolls it back, so what it reports is exactly what the
    load would do, re-routing preview included.
    """
    if not dry_run:
        report = load_zones(session=session, features=features, source=source, on=on)
        return report, reroute_open_reports(session=session, dry_run=True)
    savepoint = session.begin_nested()
    try:
        report = load_zones(session=session, features=features, source=source, on=on)
        plan = reroute_open_reports(session=session, dry_run=True)
    finally:
        savepoint.rollback()
    report.dry_run = True
    return report, plan
