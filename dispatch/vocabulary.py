"""The workflow's vocabulary, defined once: states, outcomes, the sets built on them, their FR/EN names.

Python reads the sets from here; SQL files read them through placeholders (`@OPEN_STATES@`, ...) that
`dispatch.sqlfiles.render` replaces with quoted literals, so the planner still sees constants (a partial
index is only used when the query's predicate is literally the index's) and no SQL file keeps a copy.
"""

from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func


class State(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    WAITING_RESIDENT = "waiting_resident"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    REJECTED = "rejected"


class Outcome(StrEnum):
    FIXED = "fixed"
    NOT_OUR_RESPONSIBILITY = "not_our_responsibility"  # outcome_detail says with whom it lies
    DUPLICATE = "duplicate"  # duplicate_of_id names the ticket it repeats
    CANNOT_FIX = "cannot_fix"  # outcome_detail says why


# Done: the problem was dealt with (counted as resolved in every figure).
DONE = frozenset({State.RESOLVED, State.CLOSED})
# Open: someone still has work to do. A ticket a service rejected ("not for us") is open: it is back in the
# relations centre's triage queue and the resident is still waiting, so its deadline keeps running.
OPEN = frozenset(State) - DONE
# Crews and the deadline clock act on tickets a service holds.
WORKING = frozenset({State.TRIAGED, State.ASSIGNED, State.SCHEDULED, State.IN_PROGRESS, State.REOPENED})
# The triage queue: nothing routed yet, or sent back by a service.
TRIAGE = frozenset({State.NEW, State.REJECTED})
# States the public may see (publication rules add the recent-resolution window and merges): a rejection
# is an internal hand-back between services, never shown.
PUBLIC = frozenset(State) - {State.REJECTED}
PUBLIC_OPEN = OPEN & PUBLIC
# Re-routing after zones or rules change moves these; a rejection waits for a person at the centre.
REROUTABLE = OPEN - {State.REJECTED}
# Reporters are told of these moves.
NOTIFIED = frozenset({State.TRIAGED, State.SCHEDULED, State.RESOLVED, State.REOPENED})
# Resolved and closed reports stay on the public map this long after their resolution.
RESOLVED_VISIBLE_DAYS = 30


def open311_status(state: str) -> str:
    """GeoReport v2 knows two statuses: a request is closed once done."""
    return "closed" if state in DONE else "open"


# One name per state for everyone: the public map, the list, the app, the emails, the tracking page,
# Open311, OGC, the dashboard and the back office.
LABELS: dict[State, tuple[str, str]] = {
    State.NEW: ("Reçu", "Received"),
    State.TRIAGED: ("Pris en compte", "Acknowledged"),
    State.ASSIGNED: ("Confié à une équipe", "Assigned to a crew"),
    State.SCHEDULED: ("Intervention programmée", "Work scheduled"),
    State.IN_PROGRESS: ("Intervention en cours", "Work in progress"),
    State.WAITING_RESIDENT: ("En attente de l'habitant", "Waiting for the resident"),
    State.RESOLVED: ("Résolu", "Resolved"),
    State.CLOSED: ("Clos", "Closed"),
    State.REOPENED: ("Rouvert", "Reopened"),
    State.REJECTED: ("Renvoyé au centre de relation", "Sent back to the relations centre"),
}
# A sentence per state, for status notes (Open311) and the tracking page's explanations.
DESCRIPTIONS: dict[State, tuple[str, str]] = {
    State.NEW: ("Signalement reçu, en attente de qualification.", "Report received, waiting to be triaged."),
    State.TRIAGED: ("Pris en compte par le service compétent.", "Acknowledged by the competent service."),
    State.ASSIGNED: ("Confié à une équipe d'intervention.", "Assigned to a field crew."),
    State.SCHEDULED: ("Intervention programmée.", "Work scheduled."),
    State.IN_PROGRESS: ("Intervention en cours.", "Work in progress."),
    State.WAITING_RESIDENT: ("En attente d'une précision de l'habitant.", "Waiting for details from the resident."),
    State.RESOLVED: ("Résolu.", "Resolved."),
    State.CLOSED: ("Clos.", "Closed."),
    State.REOPENED: ("Rouvert : le traitement reprend.", "Reopened: work resumes."),
    State.REJECTED: ("Renvoyé au centre de relation pour être réorienté.",
                     "Sent back to the relations centre to be routed again."),
}
OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.FIXED: ("réparé", "fixed"),
    Outcome.NOT_OUR_RESPONSIBILITY: ("ne relève pas de nos services", "not our responsibility"),
    Outcome.DUPLICATE: ("déjà signalé (doublon)", "already reported (duplicate)"),
    Outcome.CANNOT_FIX: ("ne peut pas être réparé", "cannot be fixed"),
}


def label(state: str, lang: str) -> str:
    """The state's name in French or English (the code itself when unknown)."""
    try:
        fr, en = LABELS[State(state)]
    except ValueError:
        return state
    return en if lang == "en" else fr


def description(state: str, lang: str) -> str:
    """The state's sentence in French or English (the code itself when unknown)."""
    try:
        fr, en = DESCRIPTIONS[State(state)]
    except ValueError:
        return state
    return en if lang == "en" else fr


def outcome_label(outcome: str | None, lang: str) -> str:
    """The outcome's name in French or English ('' when none)."""
    if not outcome:
        return ""
    try:
        fr, en = OUTCOME_LABELS[Outcome(outcome)]
    except ValueError:
        return outcome
    return en if lang == "en" else fr


def is_overdue(*, state: str, due_at: object, paused_at: object, now: object) -> bool:
    """Overdue: open, with a deadline already passed, and the clock not paused (waiting for the resident)."""
    return bool(state in OPEN and due_at is not None and paused_at is None and due_at < now)  # type: ignore[operator]


def overdue_clause(report: type, now: object = None) -> ColumnElement[bool]:
    """The same rule as `is_overdue`, as a SQLAlchemy predicate on the Report model."""
    moment = func.now() if now is None else now
    return and_(report.state.in_([str(s) for s in OPEN]), report.due_at.is_not(None),  # type: ignore[attr-defined]
                report.due_at < moment, report.paused_at.is_(None))  # type: ignore[attr-defined]


# The same rule again for SQL files: `@OVERDUE@` with the table aliased `r`.
OVERDUE_SQL = "(r.state IN (@OPEN_STATES@) AND r.due_at IS NOT NULL AND r.due_at < now() AND r.paused_at IS NULL)"


def sql_list(states: frozenset[State]) -> str:
    """A set of states as a SQL list of literals, in a stable order."""
    return ", ".join(f"'{s}'" for s in sorted(str(s) for s in states))


SQL_PLACEHOLDERS: dict[str, str] = {
    "@OPEN_STATES@": sql_list(OPEN),
    "@DONE_STATES@": sql_list(DONE),
    "@WORKING_STATES@": sql_list(WORKING),
    "@TRIAGE_STATES@": sql_list(TRIAGE),
    "@PUBLIC_OPEN_STATES@": sql_list(PUBLIC_OPEN),
    "@PUBLIC_STATES@": sql_list(PUBLIC),
    "@REROUTABLE_STATES@": sql_list(REROUTABLE),
}
SQL_PLACEHOLDERS["@OVERDUE@"] = OVERDUE_SQL.replace("@OPEN_STATES@", SQL_PLACEHOLDERS["@OPEN_STATES@"])


def render_sql(body: str) -> str:
    """Replace the vocabulary's placeholders in a SQL text by the literals they stand for."""
    for token, value in SQL_PLACEHOLDERS.items():
        body = body.replace(token, value)
    return body
