"""Moderation: staff hide a photo or the description of a ticket from the public (and show it again).

Staff keep seeing everything; the public views (map, list, tracking, Open311) leave out what is hidden.
Each change is a line of internal history, so who hid what, and when, is never lost.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Forbidden, NotFound
from core.users import Principal
from dispatch import access, workflow
from dispatch.models import Report, ReportPhoto

MODERATORS = frozenset({"agent", "admin", "commune_staff", "service_staff"})


def _check(actor: Principal, report: Report) -> None:
    access.ensure_can_read(actor, report)
    if actor.role not in MODERATORS:
        raise Forbidden("Your role may not moderate tickets", "Votre rôle ne peut pas modérer les tickets",
                        reason="role")


def set_photo_hidden(*, session: Session, report_id: int, actor: Principal, photo_id: int, hidden: bool,
                     version: int | None) -> Report:
    """Hide one photo of the ticket from the public, or show it again."""
    report = workflow.lock(session=session, report_id=report_id)
    _check(actor, report)
    workflow.check_version(session=session, report=report, version=version)
    photo = session.scalar(select(ReportPhoto).where(ReportPhoto.id == photo_id, ReportPhoto.report_id == report.id))
    if photo is None:
        raise NotFound(f"No photo {photo_id} on {report.ref}", f"Aucune photo {photo_id} sur {report.ref}")
    photo.hidden_at = func.now() if hidden else None
    report.version += 1
    session.flush()
    workflow.record(session=session, report=report, actor=actor, action="photo_hidden" if hidden else "photo_shown",
                    from_state=report.state, to_state=report.state, public=False,
                    data={"photo": photo.photo_hash, "kind": photo.kind})
    return report


def set_description_hidden(*, session: Session, report_id: int, actor: Principal, hidden: bool,
                           version: int | None) -> Report:
    """Hide the ticket's description from the public (a name, an insult...), or show it again."""
    report = workflow.lock(session=session, report_id=report_id)
    _check(actor, report)
    workflow.check_version(session=session, report=report, version=version)
    report.description_hidden_at = func.now() if hidden else None
    report.version += 1
    session.flush()
    workflow.record(session=session, report=report, actor=actor,
                    action="description_hidden" if hidden else "description_shown", from_state=report.state,
                    to_state=report.state, public=False)
    return report


def add_note(*, session: Session, report_id: int, actor: Principal, note: str, public: bool = False) -> Report:
    """A note in the ticket's history: internal unless its author says the residents may read it.

    A note changes nothing of the ticket, so it neither needs nor bumps the version: two agents annotating
    the same ticket never make each other's forms stale.
    """
    text = note.strip()
    if not text:
        raise workflow.InvalidTransition("The note is empty", "La note est vide", field="note")
    report = workflow.lock(session=session, report_id=report_id)
    _check(actor, report)
    workflow.record(session=session, report=report, actor=actor, action="note", from_state=report.state,
                    to_state=report.state, note=text[:5000], public=public, note_public=public)
    return report
