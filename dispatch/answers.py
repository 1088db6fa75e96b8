"""Writing to the residents of a ticket: response templates (FR/EN, placeholders), answers, questions.

The agent picks a template, edits the text, and each resident gets it in their own language through the
outbox (so nothing is sent unless the transaction commits). Asking a question moves the ticket to
waiting_resident, which pauses its deadline; the resident's reply comes back through their signed link.
"""

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.base import Base
from core.errors import EmptyMessage, Forbidden, NoRecipient
from core.users import Principal
from dispatch import access, notifications, outbox, workflow
from dispatch.models import Report
from dispatch.notifications import Recipient

PLACEHOLDERS = ("ref", "address", "deadline")
WRITERS = frozenset({"agent", "admin", "commune_staff", "service_staff"})
SUBJECTS = {"answer": {"fr": "[Rue Commune] {ref} : réponse du centre de relation",
                       "en": "[Rue Commune] {ref}: an answer from the relations centre"},
            "question": {"fr": "[Rue Commune] {ref} : une question sur votre signalement",
                         "en": "[Rue Commune] {ref}: a question about your report"}}
REPLY_LINE = {"fr": "Répondez ici : {url}", "en": "Answer here: {url}"}
TRACK_LINE = {"fr": "Suivre votre signalement : {url}", "en": "Follow your report: {url}"}


class ResponseTemplate(Base):
    """A reusable answer in French and English, with {ref}, {address} and {deadline} filled in per ticket."""

    __tablename__ = "response_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name_fr: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    body_fr: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def list_templates(*, session: Session) -> list[ResponseTemplate]:
    return list(session.scalars(select(ResponseTemplate).where(ResponseTemplate.active.is_(True))
                                .order_by(ResponseTemplate.code)))


def _deadline(report: Report, lang: str) -> str:
    if report.due_at is None:
        return "—"
    from dispatch.deadlines import local_date

    due = local_date(report.due_at)
    return due.strftime("%d/%m/%Y") if lang == "fr" else due.isoformat()


def fill(body: str, *, report: Report, lang: str) -> str:
    """A template's text for this ticket: only the known placeholders are replaced, anything else is kept."""
    values = {"ref": report.ref, "address": report.address_text or report.commune_name,
              "deadline": _deadline(report, lang)}
    for key in PLACEHOLDERS:
        body = body.replace("{" + key + "}", values[key])
    return body


def template_text(*, session: Session, code: str, report: Report, lang: str) -> str | None:
    """A template filled in for the ticket, in one language; None when there is no such template."""
    template = session.scalar(select(ResponseTemplate).where(ResponseTemplate.code == code))
    if template is None:
        return None
    return fill(template.body_en if lang == "en" else template.body_fr, report=report, lang=lang)


def recipients_by_language(*, session: Session, report: Report) -> dict[str, list[Recipient]]:
    """The residents who agreed to hear about the ticket, grouped by their language."""
    grouped: dict[str, list[Recipient]] = defaultdict(list)
    for recipient in notifications.recipients(session=session, report=report):
        grouped[recipient.language].append(recipient)
    return dict(grouped)


def _check_writer(actor: Principal, report: Report) -> None:
    if actor.role not in WRITERS or not access.can_see_personal_data(actor, report):
        raise Forbidden("You may not write to the residents of this ticket",
                        "Vous ne pouvez pas écrire aux habitants de ce ticket", reason="role")


def _send(*, session: Session, report: Report, texts: dict[str, str], kind: str, reply: bool) -> int:
    """One email per resident, in their language, with the text written for that language."""
    sent = 0
    for lang, people in recipients_by_language(session=session, report=report).items():
        body = (texts.get(lang) or "").strip()
        if not body:
            continue
        for person in people:
            link = notifications.links(report, person)
            lines = [body, "", TRACK_LINE[lang].format(url=link["track"])]
            if reply:
                lines.append(REPLY_LINE[lang].format(url=link["respond"]))
            payload = {"to": person.email, "subject": SUBJECTS[kind][lang].format(ref=report.ref),
                       "text": "\n".join(lines), "lang": lang, "headers": {"X-RueCommune-Ref": report.ref}}
            key = f"report:{report.id}:{kind}:v{report.version}:{person.email.lower()}"
            if outbox.enqueue(session=session, kind="email", payload=payload, report_id=report.id,
                              dedupe_key=key) is not None:
                sent += 1
    return sent


def _texts(texts: dict[str, str]) -> dict[str, str]:
    cleaned = {lang: text.strip()[:5000] for lang, text in texts.items() if lang in ("fr", "en") and text.strip()}
    if not cleaned:
        raise EmptyMessage("The message is empty", "Le message est vide", field="message")
    return cleaned


def answer(*, session: Session, report_id: int, actor: Principal, texts: dict[str, str], version: int | None,
           template: str | None = None) -> tuple[Report, int]:
    """Send the residents an answer (one text per language); returns the ticket and how many emails were queued."""
    cleaned = _texts(texts)
    report = workflow.lock(session=session, report_id=report_id)
    _check_writer(actor, report)
    workflow.check_version(session=session, report=report, version=version)
    if not recipients_by_language(session=session, report=report):
        raise NoRecipient(f"No resident of {report.ref} gave an email and agreed to be told",
                          f"Aucun habitant de {report.ref} n'a donné d'adresse et accepté d'être informé")
    report.version += 1
    session.flush()
    sent = _send(session=session, report=report, texts=cleaned, kind="answer", reply=False)
    # Internal: the message goes to the residents by email; the public history is not a mailbox.
    workflow.record(session=session, report=report, actor=actor, action="answered", from_state=report.state,
                    to_state=report.state, note="\n\n".join(cleaned.values()), public=False,
                    data={"template": template, "languages": sorted(cleaned), "emails": sent})
    return report, sent


def ask(*, session: Session, report_id: int, actor: Principal, texts: dict[str, str], version: int | None
        ) -> tuple[Report, int]:
    """Ask the residents a question: the ticket waits for them (its clock paused) until they reply."""
    cleaned = _texts(texts)
    report = workflow.lock(session=session, report_id=report_id)
    _check_writer(actor, report)
    if not recipients_by_language(session=session, report=report):
        raise NoRecipient(f"No resident of {report.ref} gave an email and agreed to be told",
                          f"Aucun habitant de {report.ref} n'a donné d'adresse et accepté d'être informé")
    report = workflow.transition(session=session, report_id=report.id, to=str(workflow.State.WAITING_RESIDENT),
                                 actor=actor, version=version, note="\n\n".join(cleaned.values()), public=True,
                                 data={"question": cleaned})
    return report, _send(session=session, report=report, texts=cleaned, kind="question", reply=True)
