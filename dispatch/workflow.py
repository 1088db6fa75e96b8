"""A ticket's life as a table: states, the allowed moves and who may make each, outcomes kept apart.

Every move locks its ticket (SELECT ... FOR UPDATE), checks the version the caller read, appends one line
to the append-only history and queues the residents' emails in the same transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import (
    Forbidden,
    InvalidOutcome,
    InvalidTransition,
    MissingOutcome,
    NotFound,
    ReopenExpired,
    StaleVersion,
)
from core.settings import get_settings
from core.users import Principal
from dispatch import access, deadlines, notifications, vocabulary
from dispatch.models import Report, ReportEvent
from dispatch.vocabulary import DONE, OPEN, WORKING, Outcome, State

# The vocabulary (states, outcomes, their sets and names) lives in dispatch.vocabulary; re-exported here
# because the workflow's table is written in it.
__all__ = ["DONE", "OPEN", "WORKING", "Outcome", "State"]

CENTRE = frozenset({"agent", "admin"})
SERVICE = frozenset({"service_staff", "admin"})
FIELD = frozenset({"service_staff", "crew", "admin"})
ANYONE_WORKING = CENTRE | FIELD
RESIDENT = "resident"
SYSTEM = "system"

# from -> to -> roles that may make the move. Whatever is not here is refused.
TRANSITIONS: dict[State, dict[State, frozenset[str]]] = {
    State.NEW: {
        State.TRIAGED: CENTRE,
        State.WAITING_RESIDENT: CENTRE,
        State.RESOLVED: CENTRE,  # not ours, or a duplicate, decided at the desk
    },
    State.TRIAGED: {
        State.ASSIGNED: FIELD,
        State.SCHEDULED: FIELD,
        State.IN_PROGRESS: FIELD,
        State.WAITING_RESIDENT: ANYONE_WORKING,
        State.RESOLVED: ANYONE_WORKING,
        State.REJECTED: SERVICE,  # "not for us": back to the relations centre's queue
    },
    State.ASSIGNED: {
        State.TRIAGED: FIELD,  # handed back
        State.SCHEDULED: FIELD,
        State.IN_PROGRESS: FIELD,
        State.WAITING_RESIDENT: ANYONE_WORKING,
        State.RESOLVED: FIELD,
        State.REJECTED: SERVICE,
    },
    State.SCHEDULED: {
        State.TRIAGED: FIELD,
        State.ASSIGNED: FIELD,
        State.IN_PROGRESS: FIELD,
        State.WAITING_RESIDENT: ANYONE_WORKING,
        State.RESOLVED: FIELD,
    },
    State.IN_PROGRESS: {
        State.TRIAGED: FIELD,
        State.SCHEDULED: FIELD,
        State.WAITING_RESIDENT: ANYONE_WORKING,
        State.RESOLVED: FIELD,
    },
    State.WAITING_RESIDENT: {
        State.TRIAGED: ANYONE_WORKING | {RESIDENT},
        State.ASSIGNED: FIELD,
        State.SCHEDULED: FIELD,
        State.IN_PROGRESS: FIELD,
        State.RESOLVED: ANYONE_WORKING,
    },
    State.RESOLVED: {
        State.REOPENED: CENTRE | {RESIDENT},
        State.CLOSED: CENTRE | {SYSTEM},
    },
    State.REOPENED: {
        State.TRIAGED: CENTRE | SERVICE,
        State.ASSIGNED: FIELD,
        State.SCHEDULED: FIELD,
        State.IN_PROGRESS: FIELD,
        State.WAITING_RESIDENT: ANYONE_WORKING,
        State.RESOLVED: ANYONE_WORKING,
    },
    State.REJECTED: {
        State.TRIAGED: CENTRE,  # re-routed (see transfer) or confirmed
        State.RESOLVED: CENTRE,
    },
    State.CLOSED: {},
}
# A merge closes a duplicate from any open state, with the outcome "duplicate" naming the report it joins.
MERGE_ROLES = CENTRE | {"commune_staff"}
# Moves that need a reason in the note.
NOTE_REQUIRED = frozenset({State.REJECTED, State.REOPENED})


def allowed(from_state: str, to_state: str, role: str) -> bool:
    """Whether `role` may move a ticket from one state to the other: the table, nothing else."""
    return role in TRANSITIONS.get(State(from_state), {}).get(State(to_state), frozenset())


def moves_for(state: str, role: str) -> list[str]:
    """The states `role` may move a ticket to from `state` (for the UI's buttons)."""
    return [str(to) for to, roles in TRANSITIONS[State(state)].items() if role in roles]


@dataclass(frozen=True)
class OutcomeInput:
    outcome: Outcome
    detail: str | None = None
    duplicate_of_id: int | None = None


def check_outcome(*, session: Session, report: Report, outcome: OutcomeInput | None, to_state: State) -> None:
    """Resolving needs an outcome with what it needs; no other move may carry one."""
    if to_state != State.RESOLVED:
        if outcome is not None:
            raise InvalidOutcome(f"An outcome belongs to a resolution, not to '{to_state}'",
                                 f"Une issue accompagne une résolution, pas l'état « {to_state} »")
        return
    if outcome is None:
        raise MissingOutcome("Resolving needs an outcome: fixed, not_our_responsibility, duplicate or cannot_fix",
                             "Résoudre demande une issue : fixed, not_our_responsibility, duplicate ou cannot_fix")
    detail = (outcome.detail or "").strip()
    if outcome.outcome == Outcome.NOT_OUR_RESPONSIBILITY and not detail:
        raise InvalidOutcome("Say with whom the problem lies (outcome_detail)",
                             "Indiquez à qui revient le problème (outcome_detail)", field="outcome_detail")
    if outcome.outcome == Outcome.CANNOT_FIX and not detail:
        raise InvalidOutcome("Say why it cannot be fixed (outcome_detail)",
                             "Indiquez pourquoi ce n'est pas réparable (outcome_detail)", field="outcome_detail")
    if outcome.outcome == Outcome.DUPLICATE:
        original = session.get(Report, outcome.duplicate_of_id) if outcome.duplicate_of_id else None
        if original is None or original.id == report.id:
            raise InvalidOutcome("A duplicate names the other ticket it repeats (duplicate_of_id)",
                                 "Un doublon désigne l'autre ticket qu'il répète (duplicate_of_id)",
                                 field="duplicate_of_id")
    elif outcome.duplicate_of_id is not None:
        raise InvalidOutcome("duplicate_of_id goes with the outcome 'duplicate' only",
                             "duplicate_of_id ne va qu'avec l'issue « duplicate »", field="duplicate_of_id")


def lock(*, session: Session, report_id: int) -> Report:
    """The ticket, locked until the transaction ends, with fresh values (not the session's cached ones)."""
    report = session.scalars(
        select(Report).where(Report.id == report_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    if report is None:
        raise NotFound(f"No ticket {report_id}", f"Aucun ticket {report_id}")
    return report


def changes_since(*, session: Session, report: Report, version: int) -> list[dict[str, Any]]:
    """What happened to a ticket after the version a caller read: the lines of history that moved it on."""
    events = session.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report.id,
                                  ReportEvent.data["version"].as_integer() > version)
        .order_by(ReportEvent.id)
    ).all()
    return [{"version": e.data.get("version"), "action": e.action, "from_state": e.from_state,
             "to_state": e.to_state, "at": e.at.isoformat() if e.at else None, "role": e.role, "note": e.note}
            for e in events]


def check_version(*, session: Session, report: Report, version: int | None) -> None:
    """409 when the ticket moved on since the caller read it, saying what changed (never a lost update)."""
    if version is None or version == report.version:
        return
    raise StaleVersion(
        f"Ticket {report.ref} is at version {report.version} (state {report.state}); you sent version {version}",
        f"Le ticket {report.ref} est à la version {report.version} (état {report.state}) ; "
        f"vous avez envoyé la version {version}",
        current_version=report.version, current_state=report.state, sent_version=version,
        changes=changes_since(session=session, report=report, version=version),
    )


def record(*, session: Session, report: Report, actor: Principal, action: str, from_state: str | None,
           to_state: str | None, note: str | None = None, public: bool = True, channel: str | None = None,
           data: dict[str, Any] | None = None, note_public: bool = False) -> ReportEvent:
    """Append one line to the history, stamped with the ticket's new version; its note stays internal unless
    `note_public` (and the line `public`)."""
    event = ReportEvent(report_id=report.id, action=action, actor_kind=actor.kind, actor_id=actor.actor_id,
                        role=actor.role, channel=channel or ("api" if actor.kind == "api_key" else "staff"
                                                             if actor.kind == "staff" else actor.kind),
                        from_state=from_state, to_state=to_state, note=note, public=public,
                        note_public=bool(note_public and public and note),
                        data={"version": report.version, **(data or {})})
    session.add(event)
    session.flush()
    return event


def _now(session: Session) -> datetime:
    moment: datetime = session.execute(select(func.now())).scalar_one()
    return moment


def _apply_clock(*, session: Session, report: Report, from_state: State, to_state: State, now: datetime) -> None:
    """Deadlines: set when triaged, paused while waiting for the resident, restarted when reopened."""
    if from_state == State.WAITING_RESIDENT and report.paused_at is not None:
        if report.due_at is not None:
            report.due_at = deadlines.extend(report.due_at,
                                             deadlines.working_days_between(report.paused_at, now))
        report.paused_at = None
    if to_state == State.WAITING_RESIDENT:
        report.paused_at = now
    if to_state == State.REOPENED:
        report.due_at = deadlines.due_for(session=session, category_code=report.category_code,
                                          commune_code=report.commune_code, start=now)
        report.escalated_at = None
    elif report.due_at is None and to_state in WORKING:
        report.due_at = deadlines.due_for(session=session, category_code=report.category_code,
                                          commune_code=report.commune_code, start=report.created_at)


def transition(*, session: Session, report_id: int, to: str, actor: Principal, version: int | None,
               note: str | None = None, public: bool = True, outcome: OutcomeInput | None = None,
               channel: str | None = None, data: dict[str, Any] | None = None,
               check_scope: bool = True, now: datetime | None = None, note_public: bool = False) -> Report:
    """Move a ticket to state `to`, if the table lets the actor's role do it; returns the updated ticket.

    `public` is whether residents see the move; `note_public` whether they also read its note (internal by
    default: a note is written for colleagues and often names the resident).

    `now` stands for the database clock in deadline computations (the system sweep, and tests of deadlines).
    """
    try:
        to_state = State(to)
    except ValueError as exc:
        raise InvalidTransition(f"Unknown state '{to}'", f"État inconnu « {to} »",
                                states=[str(s) for s in State]) from exc
    report = lock(session=session, report_id=report_id)
    if check_scope and actor.kind in ("staff", "api_key"):
        access.ensure_can_read(actor, report)
    check_version(session=session, report=report, version=version)
    from_state = State(report.state)
    if to_state not in TRANSITIONS[from_state]:
        raise InvalidTransition(
            f"A ticket cannot go from '{from_state}' to '{to_state}'",
            f"Un ticket ne peut pas passer de « {from_state} » à « {to_state} »",
            from_state=str(from_state), to_state=str(to_state), allowed=[str(s) for s in TRANSITIONS[from_state]])
    if not allowed(from_state, to_state, actor.role):
        raise Forbidden(
            f"Role '{actor.role}' may not move a ticket from '{from_state}' to '{to_state}'",
            f"Le rôle « {actor.role} » ne peut pas faire passer un ticket de « {from_state} » à « {to_state} »",
            reason="role", from_state=str(from_state), to_state=str(to_state))
    if to_state in NOTE_REQUIRED and not (note or "").strip():
        raise InvalidTransition(f"Moving to '{to_state}' needs a reason in the note",
                                f"Passer à « {to_state} » demande un motif dans la note", field="note")
    check_outcome(session=session, report=report, outcome=outcome, to_state=to_state)
    now = now or _now(session)
    if to_state == State.REOPENED and actor.role == RESIDENT:
        ensure_reopenable(report=report, now=now)
    _apply_clock(session=session, report=report, from_state=from_state, to_state=to_state, now=now)
    report.state = str(to_state)
    if to_state == State.RESOLVED and outcome is not None:
        report.outcome, report.outcome_detail = str(outcome.outcome), outcome.detail
        report.duplicate_of_id = outcome.duplicate_of_id
        report.resolved_at = now
    if to_state == State.REOPENED:
        report.outcome = report.outcome_detail = None
        report.duplicate_of_id = None
        report.resolved_at = None
    if to_state in (State.TRIAGED, State.REJECTED) or to_state in DONE:
        # Handed back, rejected or done: no crew holds it any longer.
        report.assignee_id = None
        report.claimed_at = None
    report.version += 1
    report.updated_at = now
    session.flush()
    event_data = dict(data or {})
    if outcome is not None:
        event_data["outcome"] = {"outcome": str(outcome.outcome), "detail": outcome.detail,
                                 "duplicate_of_id": outcome.duplicate_of_id}
    event = record(session=session, report=report, actor=actor, action="transition", from_state=str(from_state),
                   to_state=str(to_state), note=note, public=public, channel=channel, data=event_data,
                   note_public=note_public)
    notifications.on_transition(session=session, report=report, event=event)
    return report


def close_as_duplicate(*, session: Session, report: Report, into: Report, actor: Principal, note: str | None,
                       data: dict[str, Any] | None = None) -> Report:
    """Close a locked ticket as a duplicate of `into` (a merge): the workflow's version, history and clock."""
    from_state = State(report.state)
    if from_state not in OPEN:
        raise InvalidTransition(f"{report.ref} is {from_state}: only an open ticket can be merged",
                                f"{report.ref} est à l'état {from_state} : seul un ticket ouvert peut être fusionné",
                                from_state=str(from_state), to_state=str(State.CLOSED))
    if actor.role not in MERGE_ROLES:
        raise Forbidden(f"Role '{actor.role}' may not merge tickets",
                        f"Le rôle « {actor.role} » ne peut pas fusionner de tickets", reason="role")
    now = _now(session)
    _apply_clock(session=session, report=report, from_state=from_state, to_state=State.CLOSED, now=now)
    report.merged_into_id = into.id
    report.state, report.outcome, report.duplicate_of_id = str(State.CLOSED), str(Outcome.DUPLICATE), into.id
    report.resolved_at = now
    report.assignee_id = report.claimed_at = None
    report.version += 1
    report.updated_at = now
    session.flush()
    event = record(session=session, report=report, actor=actor, action="merged_into", from_state=str(from_state),
                   to_state=str(State.CLOSED), note=note, data={"into": into.ref, **(data or {})})
    notifications.on_transition(session=session, report=report, event=event)
    return report


def ensure_reopenable(*, report: Report, now: datetime) -> None:
    delay = get_settings().reopen_delay_days
    if report.resolved_at is not None and now - report.resolved_at > timedelta(days=delay):
        raise ReopenExpired(f"A resolved report can be reopened within {delay} days; file a new report instead",
                            f"Un signalement résolu peut être rouvert pendant {delay} jours ; faites-en un nouveau")


@dataclass
class Sweep:
    escalated: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


SYSTEM_ACTOR = Principal(kind="system", id=0, role=SYSTEM, name="Rue Commune")
# Tickets one sweep closes at most: a short transaction, whatever the backlog.
CLOSE_BATCH = 500


def escalate_overdue(*, session: Session, now: datetime | None = None) -> list[int]:
    """Flag open tickets past their deadline (not paused) once, in their history; demo tickets never.

    Supervisors hear of them in one digest a day (notifications.escalation_digests), not one email each.
    """
    moment = now or _now(session)
    overdue = session.scalars(
        select(Report).where(vocabulary.overdue_clause(Report, moment), Report.escalated_at.is_(None),
                             Report.is_demo.is_not(True))
        .order_by(Report.due_at).limit(500).with_for_update(skip_locked=True)
    ).all()
    for report in overdue:
        report.escalated_at = moment
        record(session=session, report=report, actor=SYSTEM_ACTOR, action="escalated", from_state=report.state,
               to_state=report.state, public=False, channel="system",
               data={"due_at": report.due_at.isoformat() if report.due_at else None})
    session.flush()
    return [r.id for r in overdue]


def close_expired(*, session: Session, now: datetime | None = None) -> list[int]:
    """Close resolved tickets whose reopening delay has passed, oldest first; the outcome stays as it was."""
    moment = now or _now(session)
    limit = moment - timedelta(days=get_settings().reopen_delay_days)
    # Rows another worker is closing are skipped, not waited for; what is left waits for the next sweep.
    ids = session.scalars(
        select(Report.id).where(Report.state == State.RESOLVED, Report.resolved_at < limit)
        .order_by(Report.resolved_at).limit(CLOSE_BATCH).with_for_update(skip_locked=True)
    ).all()
    for report_id in ids:
        transition(session=session, report_id=report_id, to=State.CLOSED, actor=SYSTEM_ACTOR, version=None,
                   channel="system")
    return list(ids)


def sweep(session: Session) -> Sweep:
    """The worker's periodic task: escalate what is overdue, close what can no longer be reopened."""
    return Sweep(escalated=escalate_overdue(session=session), closed=close_expired(session=session))


def history(*, session: Session, report_id: int, public_only: bool) -> list[ReportEvent]:
    stmt = select(ReportEvent).where(ReportEvent.report_id == report_id)
    if public_only:
        stmt = stmt.where(ReportEvent.public.is_(True))
    return list(session.scalars(stmt.order_by(ReportEvent.at, ReportEvent.id)))
