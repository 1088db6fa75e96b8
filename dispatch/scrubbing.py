"""Erasure's finer work: a resident's name and contacts out of the history and messages, their words and photos."""

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, event, select, text
from sqlalchemy.orm import Session

from dispatch import photos as photo_service
from dispatch.models import Photo, Report, ReportEvent, ReportPhoto
from dispatch.outbox import OutboxMessage
from dispatch.storage import PhotoStorage, get_storage

log = logging.getLogger(__name__)
ERASED = "[effacé / erased]"
SEPARATORS = r"[\s.\-/]*"
_FILES = "ruecommune.erased_photo_files"


def _phone_pattern(phone: str) -> str:
    """Every way a person writes this E.164 number: +33 6 12 34 56 78, 06.12.34.56.78, 0033612345678."""
    digits = phone.lstrip("+")
    if digits.startswith("33") and len(digits) == 11:
        national = SEPARATORS.join(digits[2:])
        return rf"(?:(?:\+|00)\s*33{SEPARATORS}(?:\(0\){SEPARATORS})?|0){national}"
    return rf"(?:\+|00)\s*{SEPARATORS.join(digits)}"


@dataclass
class Scrubber:
    """Replaces a person's name, email and phone in free text; names also word by word (a note says "Mme Dupont")."""

    names: Sequence[str] = ()
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    patterns: list[re.Pattern[str]] = field(default_factory=list, init=False)
    full: list[re.Pattern[str]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        exact = [re.escape(e) for e in self.emails] + [_phone_pattern(p) for p in self.phones]
        exact += [re.escape(n.strip()) for n in self.names if n.strip()]
        words = {w for n in self.names for w in re.findall(r"[^\W\d_][\w'’-]*", n) if len(w) >= 3}
        self.full = [re.compile(p, re.IGNORECASE) for p in exact]
        self.patterns = self.full + [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE)
                                     for w in sorted(words, key=len, reverse=True)]

    def __call__(self, value: str | None, *, words: bool = True) -> str | None:
        """The text without the person; words=False keeps single name words (a street may share them)."""
        if not value:
            return value
        for pattern in self.patterns if words else self.full:
            value = pattern.sub(ERASED, value)
        return value

    def deep(self, value: Any) -> Any:
        """The same through a JSON payload."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.deep(v) for v in value]
        return value


@contextmanager
def history_rewrite(session: Session) -> Iterator[None]:
    """The history is append-only; an erasure is one of the two moves allowed to edit it (retention is the other)."""
    session.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'on'"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL ruecommune.allow_history_rewrite = 'off'"))


def forget_their_words(*, session: Session, events: Sequence[ReportEvent]) -> int:
    """Feedback comments and reopening reasons go; the score and the move stay (figures, not a person)."""
    count = 0
    for line in events:
        if line.note is not None:
            line.note, count = None, count + 1
        if line.action == "feedback":
            report = session.get(Report, line.report_id)
            if report is not None and report.satisfaction_comment is not None:
                report.satisfaction_comment = None
    session.flush()
    return count


def scrub_reports(*, session: Session, report_ids: Sequence[int], scrub: Scrubber) -> int:
    """Staff notes of these reports keep their sense, not the person: name, email and phone replaced."""
    if not report_ids:
        return 0
    count = 0
    for line in session.scalars(select(ReportEvent).where(ReportEvent.report_id.in_(report_ids),
                                                          ReportEvent.note.is_not(None))):
        cleaned = scrub(line.note)
        if cleaned != line.note:
            line.note, count = cleaned, count + 1
    for report in session.scalars(select(Report).where(Report.id.in_(report_ids))):
        # The description stays a record of the street: only the person's contacts and full name go.
        report.description = scrub(report.description, words=False) or ""
        report.satisfaction_comment = scrub(report.satisfaction_comment)
    session.flush()
    return count


def scrub_messages(*, session: Session, report_ids: Sequence[int], scrub: Scrubber) -> int:
    """Messages about these reports to other people (a note sent to followers), kept without the person."""
    if not report_ids:
        return 0
    count = 0
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.report_id.in_(report_ids))):
        cleaned = scrub.deep(message.payload)
        if cleaned != message.payload:
            message.payload, count = cleaned, count + 1
    session.flush()
    return count


def forget_photos(*, session: Session, report_ids: Sequence[int], storage: PhotoStorage | None = None) -> int:
    """The photos a resident sent with the reports they filed, and their copies on merged reports.

    A photo of a street can show the sender's home, car, face or reflection: it goes with them. Crews'
    "after" photos stay. Files are removed once the erasure commits, so a rollback loses nothing.
    """
    if not report_ids:
        return 0
    hashes = sorted(set(session.scalars(select(ReportPhoto.photo_hash).where(
        ReportPhoto.report_id.in_(report_ids), ReportPhoto.kind == "before"))))
    if not hashes:
        return 0
    session.execute(delete(ReportPhoto).where(ReportPhoto.photo_hash.in_(hashes), ReportPhoto.kind == "before"))
    unused = [h for h in hashes if session.scalar(select(ReportPhoto.id).where(ReportPhoto.photo_hash == h)
                                                  .limit(1)) is None]
    if unused:
        session.execute(delete(Photo).where(Photo.hash.in_(unused)))
        files: list[tuple[PhotoStorage, str]] = session.info.setdefault(_FILES, [])
        store = storage or get_storage()
        files.extend((store, photo_service.key(h, size)) for h in unused for size in ("display", "thumb"))
    session.flush()
    return len(hashes)


@event.listens_for(Session, "after_commit")
def _remove_erased_files(session: Session) -> None:
    for store, name in session.info.pop(_FILES, []):
        try:
            store.delete(name)
        except Exception:  # the rows are gone; a file left behind is retried by nobody, so say so
            log.exception("could not remove an erased photo file %s", name)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files_on_rollback(session: Session, previous_transaction: Any) -> None:
    if getattr(previous_transaction, "parent", None) is None:
        session.info.pop(_FILES, None)
