"""What a resident may do from the links in their emails: reopen a resolved report in time, and say if satisfied."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import FeedbackNotOpen, InvalidResidentLink, NotFound
from core.users import Principal
from dispatch import notifications, workflow
from dispatch.models import Report


def _resident(*, session: Session, ref: str, key: str, token: str) -> tuple[Report, Principal]:
    report = session.scalar(select(Report).where(Report.ref == ref))
    if report is None:
        raise NotFound(f"No report {ref}", f"Aucun signalement {ref}")
    if not notifications.check_resident_token(report.id, key, token):
        raise InvalidResidentLink("The link was altered or belongs to another report",
                                  "Le lien a été modifié ou appartient à un autre signalement")
    resident_id = int(key[1:]) if key.startswith("r") and key[1:].isdigit() else 0
    return report, Principal(kind="resident", id=resident_id, role=workflow.RESIDENT, name="resident")


def reopen(*, session: Session, ref: str, key: str, token: str, reason: str, version: int | None = None) -> Report:
    """The resident says it is not fixed: reopened if still within the delay, with their reason."""
    report, actor = _resident(session=session, ref=ref, key=key, token=token)
    return workflow.transition(session=session, report_id=report.id, to="reopened", actor=actor, version=version,
                               note=reason, public=True, channel="email_link")


def give(*, session: Session, ref: str, key: str, token: str, satisfaction: int, comment: str | None) -> Report:
    """Record how satisfied the resident is (1 to 5) with a resolved or closed report."""
    report, actor = _resident(session=session, ref=ref, key=key, token=token)
    report = workflow.lock(session=session, report_id=report.id)
    if report.state not in workflow.DONE:
        raise FeedbackNotOpen(f"Report {ref} is {report.state}", f"Le signalement {ref} est à l'état {report.state}")
    report.satisfaction, report.satisfaction_comment = satisfaction, comment
    session.flush()
    # Not public: the comment is the resident's words, shown to staff only.
    workflow.record(session=session, report=report, actor=actor, action="feedback", from_state=report.state,
                    to_state=report.state, note=comment, public=False, channel="email_link",
                    data={"satisfaction": satisfaction})
    return report


def answer_question(*, session: Session, ref: str, key: str, token: str, answer: str) -> Report:
    """The resident answers the staff's question: it joins the history, and a waiting ticket resumes (clock too)."""
    text = answer.strip()[:5000]
    if not text:
        raise workflow.InvalidTransition("The answer is empty", "La réponse est vide", field="reason")
    report, actor = _resident(session=session, ref=ref, key=key, token=token)
    if report.state == workflow.State.WAITING_RESIDENT:
        return workflow.transition(session=session, report_id=report.id, to=workflow.State.TRIAGED, actor=actor,
                                   version=None, note=text, public=False, channel="email_link",
                                   data={"resident_answer": True})
    report = workflow.lock(session=session, report_id=report.id)
    # Internal: the resident's own words, for staff.
    workflow.record(session=session, report=report, actor=actor, action="resident_answer", from_state=report.state,
                    to_state=report.state, note=text, public=False, channel="email_link")
    return report


def waiting_for_answer(*, session: Session, ref: str) -> bool:
    """Whether the report waits for its resident's answer to a question (the respond page then asks for it)."""
    state = session.scalar(select(Report.state).where(Report.ref == ref))
    return state == workflow.State.WAITING_RESIDENT
