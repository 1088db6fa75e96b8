"""The workflow table walked pair by pair, outcome rules, reasons, versions, history and deadlines."""

from datetime import datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.errors import DomainError, Forbidden, InvalidTransition, StaleVersion
from dispatch import workflow
from dispatch.models import Report, ReportEvent
from dispatch.workflow import TRANSITIONS, Outcome, OutcomeInput, State
from tests.factories import actor, make_ticket

ROLES = ("agent", "commune_staff", "service_staff", "crew", "official", "admin", "resident", "system")


def _attempt(session, report, to, role):
    """Try one move the way its caller would, with what it needs (outcome, reason)."""
    session.refresh(report)
    outcome = OutcomeInput(Outcome.FIXED) if to == State.RESOLVED else None
    note = "motif" if to in workflow.NOTE_REQUIRED else None
    return workflow.transition(session=session, report_id=report.id, to=to, actor=actor(role, report),
                               version=report.version, note=note, outcome=outcome)


def test_every_pair_of_states_for_every_role_follows_the_table(session):
    tickets = {state: make_ticket(session, state=str(state)) for state in State}
    checked = 0
    for from_state in State:
        forced = tickets[from_state]
        for to_state in State:
            for role in ROLES:
                savepoint = session.begin_nested()
                expected = role in TRANSITIONS[from_state].get(to_state, frozenset())
                try:
                    moved = _attempt(session, forced, to_state, role)
                except (InvalidTransition, Forbidden) as exc:
                    assert not expected, f"{role} {from_state}->{to_state} refused: {exc}"
                    # A pair missing from the table is a 409 for whoever may see the ticket (officials may not).
                    if to_state not in TRANSITIONS[from_state] and role != "official":
                        assert isinstance(exc, InvalidTransition), f"{role} {from_state}->{to_state}: {exc}"
                else:
                    assert expected, f"{role} {from_state}->{to_state} should be refused"
                    assert moved.state == to_state
                    assert (moved.outcome is not None) == (to_state in workflow.DONE)
                savepoint.rollback()
                checked += 1
    assert checked == len(State) ** 2 * len(ROLES)


def test_the_table_says_what_the_issue_says(session):
    assert TRANSITIONS[State.CLOSED] == {}
    assert not workflow.allowed("in_progress", "closed", "crew")
    assert not workflow.allowed("resolved", "closed", "crew")
    assert workflow.allowed("resolved", "reopened", "resident")
    assert not workflow.allowed("in_progress", "resolved", "resident")
    assert not any(workflow.allowed(a, b, "official") for a in State for b in State)
    assert workflow.allowed("triaged", "rejected", "service_staff")
    assert workflow.allowed("rejected", "triaged", "agent")


@pytest.mark.parametrize(("outcome", "detail", "duplicate", "code"), [
    (None, None, None, "ticket.outcome_required"),
    (Outcome.NOT_OUR_RESPONSIBILITY, None, None, "ticket.invalid_outcome"),
    (Outcome.CANNOT_FIX, "  ", None, "ticket.invalid_outcome"),
    (Outcome.DUPLICATE, None, None, "ticket.invalid_outcome"),
    (Outcome.FIXED, None, 1, "ticket.invalid_outcome"),
])
def test_resolving_needs_a_complete_outcome(session, outcome, detail, duplicate, code):
    report = make_ticket(session, state="in_progress")
    given = OutcomeInput(outcome, detail, duplicate) if outcome else None
    with pytest.raises(DomainError) as raised:
        workflow.transition(session=session, report_id=report.id, to="resolved", actor=actor("crew", report),
                            version=report.version, outcome=given)
    assert raised.value.code == code


def test_outcomes_are_kept_apart_from_the_state(session):
    original = make_ticket(session, state="triaged")
    report = make_ticket(session, state="triaged")
    with pytest.raises(DomainError):
        workflow.transition(session=session, report_id=report.id, to="assigned", actor=actor("crew", report),
                            version=report.version, outcome=OutcomeInput(Outcome.FIXED))
    with pytest.raises(DomainError):  # a duplicate of itself
        workflow.transition(session=session, report_id=report.id, to="resolved", actor=actor("agent"),
                            version=report.version, outcome=OutcomeInput(Outcome.DUPLICATE, duplicate_of_id=report.id))
    workflow.transition(session=session, report_id=report.id, to="resolved", actor=actor("agent"),
                        version=report.version,
                        outcome=OutcomeInput(Outcome.DUPLICATE, duplicate_of_id=original.id))
    closed = workflow.transition(session=session, report_id=report.id, to="closed", actor=actor("agent"),
                                 version=report.version)
    # "closed" never pretends to be "fixed".
    assert (closed.state, closed.outcome, closed.duplicate_of_id) == ("closed", "duplicate", original.id)


def test_not_our_responsibility_says_with_whom_and_reopen_clears_it(session):
    report = make_ticket(session, state="new")
    moved = workflow.transition(
        session=session, report_id=report.id, to="resolved", actor=actor("agent"), version=report.version,
        outcome=OutcomeInput(Outcome.NOT_OUR_RESPONSIBILITY, "SNCF Réseau (voie ferrée)"))
    assert (moved.outcome, moved.outcome_detail) == ("not_our_responsibility", "SNCF Réseau (voie ferrée)")
    with pytest.raises(InvalidTransition):  # reopening needs a reason
        workflow.transition(session=session, report_id=report.id, to="reopened", actor=actor("agent"),
                            version=moved.version)
    reopened = workflow.transition(session=session, report_id=report.id, to="reopened", actor=actor("agent"),
                                   version=moved.version, note="Ce n'est pas la voie ferrée")
    assert (reopened.outcome, reopened.outcome_detail, reopened.resolved_at) == (None, None, None)


def test_a_stale_version_is_refused_saying_what_changed(session):
    report = make_ticket(session, state="triaged")
    other = make_ticket(session, state="triaged")  # another ticket's history is never in the answer
    for to in ("assigned", "scheduled", "in_progress"):  # ...even at versions past the one the caller read
        other = workflow.transition(session=session, report_id=other.id, to=to, actor=actor("service_staff", other),
                                    version=other.version, note="autre")
    seen = workflow.transition(session=session, report_id=report.id, to="assigned", actor=actor("crew", report),
                               version=report.version, note="je prends")
    read_version = seen.version  # the caller read the ticket right after this move: it is not news to them
    workflow.transition(session=session, report_id=report.id, to="scheduled", actor=actor("service_staff", report),
                        version=read_version, note="jeudi")
    workflow.transition(session=session, report_id=report.id, to="in_progress", actor=actor("crew", report),
                        version=read_version + 1)
    with pytest.raises(StaleVersion) as raised:
        workflow.transition(session=session, report_id=report.id, to="triaged", actor=actor("crew", report),
                            version=read_version)
    extra = raised.value.extra
    assert (extra["current_version"], extra["current_state"], extra["sent_version"]) == (
        read_version + 2, "in_progress", read_version)
    changes = extra["changes"]
    assert [(c["version"], c["action"], c["from_state"], c["to_state"], c["role"], c["note"]) for c in changes] == [
        (read_version + 1, "transition", "assigned", "scheduled", "service_staff", "jeudi"),
        (read_version + 2, "transition", "scheduled", "in_progress", "crew", None)]
    assert all(datetime.fromisoformat(c["at"]) for c in changes)


def test_every_move_is_one_line_of_history_that_cannot_be_edited(session):
    report = make_ticket(session)
    workflow.transition(session=session, report_id=report.id, to="triaged", actor=actor("agent"), version=1,
                        note="pour la voirie", public=False)
    events = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)
                             .order_by(ReportEvent.id)).all()
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("created", None, "new"), ("transition", "new", "triaged")]
    move = events[-1]
    assert (move.role, move.actor_id, move.public, move.note, move.data["version"]) == (
        "agent", "staff:1", False, "pour la voirie", 2)
    assert [e.action for e in workflow.history(session=session, report_id=report.id, public_only=True)] == [
        "created"]
    for statement in ("UPDATE report_events SET note = 'x' WHERE id = :id", "DELETE FROM report_events WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text(statement), {"id": move.id})


def test_a_scoped_crew_cannot_move_another_services_ticket(session):
    report = make_ticket(session, state="in_progress")
    with pytest.raises(Forbidden) as raised:
        workflow.transition(session=session, report_id=report.id, to="resolved",
                            actor=actor("crew", service_code="proprete"), version=report.version,
                            outcome=OutcomeInput(Outcome.FIXED))
    assert raised.value.extra["reason"] == "scope"
    assert session.get(Report, report.id).state == "in_progress"
