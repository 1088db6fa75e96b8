"""Merging a duplicate into the ticket it repeats, from the desk: every reporter kept, and each told once.

dispatch.duplicates.merge moves the reporters and photos; this adds the desk's rules (who may merge, the
version the agent read) and the residents' email, queued in the same transaction.
"""

from sqlalchemy.orm import Session

from core.errors import Forbidden
from core.users import Principal
from dispatch import access, duplicates, notifications, outbox, workflow
from dispatch.models import Report

MERGERS = frozenset({"agent", "admin"})
TEXT = {
    "fr": ("[Rue Commune] {source} suit désormais {target}",
           "Bonjour,\n\nVotre signalement {source} décrit le même problème que {target}, déjà signalé : nous les "
           "suivons ensemble. Vous serez informé de son avancement.\n\nSuivre le signalement : {url}\n\n"
           "L'équipe Rue Commune"),
    "en": ("[Rue Commune] {source} now follows {target}",
           "Hello,\n\nYour report {source} is about the same problem as {target}, already reported: we follow them "
           "together. You will hear how it goes.\n\nFollow the report: {url}\n\nThe Rue Commune team"),
}


def merge(*, session: Session, source_ref: str, into_ref: str, actor: Principal, version: int | None,
          note: str | None = None) -> Report:
    """Merge ticket `source_ref` into `into_ref`; the source's residents each get one email about it."""
    if actor.role not in MERGERS:
        raise Forbidden("Only the relations centre merges tickets", "Seul le centre de relation fusionne les tickets",
                        reason="role")
    source = duplicates.get_by_ref_or_raise(session=session, ref=source_ref)
    into = duplicates.get_by_ref_or_raise(session=session, ref=into_ref)
    access.ensure_can_read(actor, source)
    access.ensure_can_read(actor, into)
    workflow.check_version(session=session, report=workflow.lock(session=session, report_id=source.id),
                           version=version)
    target = duplicates.merge(session=session, source=source, into=into, actor=actor, note=note)
    source = session.get_one(Report, source.id)
    for recipient in notifications.recipients(session=session, report=source):
        subject, body = TEXT[recipient.language]
        url = notifications.links(target, recipient)["track"]
        payload = {"to": recipient.email, "subject": subject.format(source=source.ref, target=target.ref),
                   "text": body.format(source=source.ref, target=target.ref, url=url), "lang": recipient.language,
                   "headers": {"X-RueCommune-Ref": target.ref}}
        # One email per resident and merge, however often the form is sent.
        outbox.enqueue(session=session, kind="email", payload=payload, report_id=target.id,
                       dedupe_key=f"report:{source.id}:merged:{target.id}:{recipient.email.lower()}")
    return target
