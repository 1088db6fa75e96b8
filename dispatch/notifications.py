"""Telling people: reporters hear of triage, scheduling, resolution and reopening; supervisors of overdue tickets.

Every message goes to the outbox in the caller's transaction. Who hears about a ticket: every reporter and
follower with an email who consented (dispatch/sql/reporters_with_contact.sql), once per address.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.settings import get_settings
from dispatch import outbox, vocabulary
from dispatch.models import Report, ReportEvent
from dispatch.sqlfiles import sql
from geo.models import Category, Service


@dataclass(frozen=True)
class Recipient:
    """Someone who hears about a ticket: their address, language, and the key their links are signed with."""

    email: str
    language: str
    key: str


def reporters_with_contact(session: Session, report: Report) -> list[Recipient]:
    """Every reporter of the ticket who gave an email and agreed to be told (intake's residents tables)."""
    rows = session.execute(sql("reporters_with_contact"), {"report_id": report.id}).mappings()
    return [Recipient(email=r["email"], language=r["language"] if r["language"] in ("fr", "en") else "fr",
                      key=f"r{r['resident_id']}") for r in rows]


def recipients(*, session: Session, report: Report) -> list[Recipient]:
    """Everyone to tell about this ticket, once per address."""
    seen: dict[str, Recipient] = {}
    for recipient in reporters_with_contact(session, report):
        seen.setdefault(recipient.email.lower(), recipient)
    return list(seen.values())


def resident_token(report_id: int, key: str) -> str:
    """Signs a resident's links (reopen, feedback) for one ticket: no account, no password."""
    secret = get_settings().secret_key.encode()
    digest = hmac.new(secret, f"resident|{report_id}|{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def check_resident_token(report_id: int, key: str, token: str) -> bool:
    return hmac.compare_digest(resident_token(report_id, key).encode(), token.encode("utf-8", "replace"))


def links(report: Report, recipient: Recipient) -> dict[str, str]:
    base = get_settings().public_base_url.rstrip("/")
    token = resident_token(report.id, recipient.key)
    return {"track": f"{base}/reports/{report.ref}",
            "respond": f"{base}/reports/{report.ref}/respond?r={recipient.key}&t={token}"}


def after_photo_urls(*, session: Session, report: Report) -> list[str]:
    base = get_settings().public_base_url.rstrip("/")
    return [f"{base}/photos/{h}/display.jpg"
            for h in session.scalars(sql("after_photos"), {"report_id": report.id})]


TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "triaged": "Votre signalement {ref} ({category}) a été pris en compte par le service {service}.",
        "scheduled": "L'intervention sur votre signalement {ref} ({category}) est programmée.",
        "resolved": "Votre signalement {ref} ({category}) est résolu : {outcome}.",
        "reopened": "Votre signalement {ref} ({category}) a été rouvert ; nous reprenons son traitement.",
        "where": "Lieu : {address}",
        "due": "Échéance prévue : {due}.",
        "note": "Message du service : {note}",
        "photo": "Photo après intervention : {url}",
        "track": "Suivre votre signalement : {url}",
        "respond": "Pas résolu ? Rouvrez-le ou donnez votre avis : {url}",
        "subject": "[Rue Commune] {ref} : {state}",
        "hello": "Bonjour,",
        "bye": "L'équipe Rue Commune",
    },
    "en": {
        "triaged": "Your report {ref} ({category}) has been taken on by the {service} service.",
        "scheduled": "Work on your report {ref} ({category}) has been scheduled.",
        "resolved": "Your report {ref} ({category}) is resolved: {outcome}.",
        "reopened": "Your report {ref} ({category}) was reopened; we are working on it again.",
        "where": "Where: {address}",
        "due": "Expected by: {due}.",
        "note": "Message from the service: {note}",
        "photo": "Photo after the work: {url}",
        "track": "Follow your report: {url}",
        "respond": "Not fixed? Reopen it or tell us what you think: {url}",
        "subject": "[Rue Commune] {ref}: {state}",
        "hello": "Hello,",
        "bye": "The Rue Commune team",
    },
}
def where(report: Report) -> str:
    """Where a report is, in words: its address at intake, else what the resident wrote, else its commune."""
    return report.address or report.address_text or report.commune_name


def _names(session: Session, report: Report, lang: str) -> tuple[str, str]:
    category = session.get(Category, report.category_code)
    service = session.get(Service, report.service_code) if report.service_code else None
    category_name = (category.name_fr if lang == "fr" else category.name_en) if category else report.category_code
    service_name = (service.name_fr if lang == "fr" else service.name_en) if service else (report.service_code or "")
    return category_name, service_name


def compose(*, session: Session, report: Report, event: ReportEvent, recipient: Recipient) -> dict[str, Any]:
    """The email payload for one reporter, in their language."""
    lang = recipient.language
    t = TEXTS[lang]
    category, service = _names(session, report, lang)
    state = event.to_state or report.state
    outcome = report.outcome or ""
    if outcome and report.outcome_detail:
        outcome = f"{vocabulary.outcome_label(outcome, lang)} ({report.outcome_detail})"
    else:
        outcome = vocabulary.outcome_label(outcome, lang)
    lines = [t["hello"], "", t[state].format(ref=report.ref, category=category, service=service, outcome=outcome)]
    lines.append(t["where"].format(address=where(report)))
    if report.due_at is not None and state in vocabulary.WORKING:
        from dispatch.deadlines import local_date

        due = local_date(report.due_at)
        lines.append(t["due"].format(due=due.strftime("%d/%m/%Y") if lang == "fr" else due.isoformat()))
    # Only a note its author made public: internal notes are for colleagues and often name the resident.
    if event.resident_note:
        lines.append(t["note"].format(note=event.resident_note))
    if state == "resolved":
        lines.extend(t["photo"].format(url=url) for url in after_photo_urls(session=session, report=report)[:1])
    link = links(report, recipient)
    lines += ["", t["track"].format(url=link["track"])]
    if state == "resolved":
        lines.append(t["respond"].format(url=link["respond"]))
    lines += ["", t["bye"]]
    subject = t["subject"].format(ref=report.ref, state=vocabulary.label(state, lang).lower())
    return {"to": recipient.email, "subject": subject, "text": "\n".join(lines), "lang": lang,
            "headers": {"X-RueCommune-Ref": report.ref}}


def on_transition(*, session: Session, report: Report, event: ReportEvent) -> int:
    """Queue the reporters' emails for a public move they care about; returns how many were queued."""
    if not event.public or event.to_state not in vocabulary.NOTIFIED:
        return 0
    queued = 0
    for recipient in recipients(session=session, report=report):
        payload = compose(session=session, report=report, event=event, recipient=recipient)
        if outbox.enqueue(session=session, kind="email", payload=payload, report_id=report.id,
                          dedupe_key=f"report:{report.id}:v{report.version}:{recipient.email.lower()}") is not None:
            queued += 1
    return queued


ACKNOWLEDGEMENTS: dict[str, dict[str, str]] = {
    "fr": {
        "received": "Nous avons bien reçu votre signalement {ref} ({category}) ; il est transmis au service "
                    "compétent.",
        "followed": "Votre demande rejoint le signalement {ref} ({category}), déjà connu de nos services : vous "
                    "serez informé de son avancement.",
        "subject_received": "[Rue Commune] {ref} : signalement reçu",
        "subject_followed": "[Rue Commune] {ref} : vous suivez ce signalement",
    },
    "en": {
        "received": "We have received your report {ref} ({category}); it is on its way to the competent service.",
        "followed": "Your request joins report {ref} ({category}), already known to our services: you will hear "
                    "how it progresses.",
        "subject_received": "[Rue Commune] {ref}: report received",
        "subject_followed": "[Rue Commune] {ref}: you follow this report",
    },
}


def acknowledge(*, session: Session, report: Report, resident_id: int | None = None, followed: bool = False) -> int:
    """Tell the reporters who agreed to hear from us that their report arrived, whatever the channel; with
    `resident_id`, only that resident (who just joined as a follower). Returns how many were queued."""
    kind = "followed" if followed else "received"
    queued = 0
    for recipient in recipients(session=session, report=report):
        if resident_id is not None and recipient.key != f"r{resident_id}":
            continue
        lang = recipient.language
        t, ack = TEXTS[lang], ACKNOWLEDGEMENTS[lang]
        category, _ = _names(session, report, lang)
        lines = [t["hello"], "", ack[kind].format(ref=report.ref, category=category),
                 t["where"].format(address=where(report)), "",
                 t["track"].format(url=links(report, recipient)["track"]), "", t["bye"]]
        payload = {"to": recipient.email, "subject": ack[f"subject_{kind}"].format(ref=report.ref),
                   "text": "\n".join(lines), "lang": lang, "headers": {"X-RueCommune-Ref": report.ref}}
        if outbox.enqueue(session=session, kind="email", payload=payload, report_id=report.id,
                          dedupe_key=f"report:{report.id}:{kind}:{recipient.email.lower()}") is not None:
            queued += 1
    return queued


# Supervisors read the day's digest of overdue tickets from this hour on (Paris time).
DIGEST_HOUR = 7
PARIS = ZoneInfo("Europe/Paris")


def escalation_digests(*, session: Session, now: datetime | None = None) -> int:
    """One email a day per supervisor listing their service's overdue tickets; returns how many were queued.

    Supervisors are the service's supervisor address and its active service staff. The outbox's dedupe key
    (address and Paris day) makes a second run the same day, or a restarted worker, send nothing more.
    """
    from core.users import StaffUser
    from dispatch.deadlines import local_date

    moment = now or session.execute(select(func.now())).scalar_one()
    if moment.astimezone(PARIS).hour < DIGEST_HOUR:
        return 0  # the day's digest waits for the morning, not the first minute after midnight
    day = local_date(moment).isoformat()
    late = session.scalars(select(Report).where(vocabulary.overdue_clause(Report, moment),
                                                Report.is_demo.is_not(True), Report.service_code.is_not(None))
                           .order_by(Report.service_code, Report.due_at, Report.id)).all()
    by_service: dict[str, list[Report]] = {}
    for report in late:
        by_service.setdefault(str(report.service_code), []).append(report)
    base = get_settings().public_base_url.rstrip("/")
    queued = 0
    for code, reports in by_service.items():
        service = session.get(Service, code)
        staff = session.execute(select(StaffUser.email, StaffUser.language).where(
            StaffUser.role == "service_staff", StaffUser.service_code == code, StaffUser.active.is_(True))).all()
        addresses: dict[str, str] = {email: language for email, language in staff}
        if service is not None and service.supervisor_email:
            addresses.setdefault(service.supervisor_email, "fr")
        lines = [f"- {r.ref} ({r.category_code}, {where(r)}) : {local_date(r.due_at).isoformat()}, "
                 f"{vocabulary.label(r.state, 'fr')} / {vocabulary.label(r.state, 'en')} - {base}/staff/tickets/{r.ref}"
                 for r in reports if r.due_at is not None]
        body = (f"{len(lines)} ticket(s) en retard pour le service {code} / overdue ticket(s) for {code}:\n\n"
                + "\n".join(lines) + "\n")
        for address, language in sorted(addresses.items()):
            if outbox.enqueue(session=session, kind="email", dedupe_key=f"digest:{address.lower()}:{day}",
                              payload={"to": address, "lang": language or "fr", "text": body,
                                       "subject": f"[Rue Commune] {len(lines)} en retard / overdue ({day})"}):
                queued += 1
    return queued

