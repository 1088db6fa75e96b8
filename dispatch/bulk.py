"""Bulk actions on a selection of a queue: transfer, assign, merge, close as duplicate, ticket by ticket.

Each ticket goes through the same service function as on its own page (same checks, same history line),
inside its own savepoint: a ticket that refuses (out of scope, already closed) is reported and the others
still go through.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import DomainError, InvalidTransition
from core.users import Principal
from dispatch import access, crews, merging, triage, workflow
from dispatch.models import Report

ACTIONS = ("transfer", "assign", "merge", "close_duplicate")


@dataclass
class BulkResult:
    """Which tickets went through, and why the others did not (in French and English)."""

    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)


def _tickets(session: Session, actor: Principal, refs: Sequence[str]) -> list[Report]:
    wanted = sorted({r.strip().upper() for r in refs if r.strip()})
    return list(session.scalars(select(Report).where(Report.ref.in_(wanted)).order_by(Report.id)))


def run(*, session: Session, actor: Principal, action: str, refs: Sequence[str], service_code: str | None = None,
        reason: str | None = None, crew_id: int | None = None, target_ref: str | None = None) -> BulkResult:
    """Apply one action to every selected ticket; each refusal is kept with its reason."""
    if action not in ACTIONS:
        raise InvalidTransition(f"Unknown bulk action '{action}'", f"Action groupée inconnue « {action} »")
    steps: dict[str, Callable[[Report], object]] = {
        "transfer": lambda r: triage.transfer(session=session, report_id=r.id, actor=actor,
                                              service_code=service_code or "", reason=reason or "", version=None),
        "assign": lambda r: crews.reassign(session=session, supervisor=actor, report_id=r.id, crew_id=crew_id or 0,
                                           version=None),
        "merge": lambda r: merging.merge(session=session, source_ref=r.ref, into_ref=target_ref or "", actor=actor,
                                         version=None, note=reason),
        "close_duplicate": lambda r: _close_duplicate(session, actor, r, target_ref or ""),
    }
    result = BulkResult()
    for report in _tickets(session, actor, refs):
        try:
            with session.begin_nested():
                access.ensure_can_read(actor, report)
                steps[action](report)
        except DomainError as exc:
            result.refused.append((report.ref, exc.detail_fr, exc.detail_en))
        else:
            result.done.append(report.ref)
    return result


def _close_duplicate(session: Session, actor: Principal, report: Report, target_ref: str) -> Report:
    from dispatch.duplicates import get_by_ref_or_raise

    original = get_by_ref_or_raise(session=session, ref=target_ref)
    access.ensure_can_read(actor, original)
    return workflow.transition(session=session, report_id=report.id, to=str(workflow.State.RESOLVED), actor=actor,
                               version=None, outcome=workflow.OutcomeInput(outcome=workflow.Outcome.DUPLICATE,
                                                                           duplicate_of_id=original.id),
                               note=target_ref.upper())
