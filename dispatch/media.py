"""A photo named by an Open311 media_url, fetched by the worker (never in the request path) when allowed.

The URL stays on the report exactly as the client gave it; the fetched copy is one more checked photo.
The fetch goes through dispatch.egress (public addresses only, no redirect, pinned address), reads at
most the photo size limit, wants an image/* type, and the bytes pass photos.process like any upload.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session, object_session

from core.settings import get_settings
from dispatch import egress, outbox
from dispatch import photos as photo_service
from dispatch.models import Report

KIND = "open311_media"
USER_AGENT = "RueCommune-media/1 (+https://ruecommune.example)"


class MediaFailed(Exception):
    """The media_url gave no usable photo this time (the outbox retries, then gives up)."""


def queue_fetch(*, session: Session, report: Report) -> None:
    """Queue the fetch of the report's media_url in the caller's transaction, when the setting allows it."""
    if get_settings().open311_media_fetch and report.media_url:
        outbox.enqueue(session=session, kind=KIND, payload={"report_id": report.id, "url": report.media_url},
                       dedupe_key=f"{KIND}:{report.id}", report_id=report.id)


def fetch(message: outbox.OutboxMessage, *, allowed: Sequence[egress.IPNetwork] | None = None) -> None:
    """Fetch one media_url and attach it as a 'before' photo; raises MediaFailed to retry."""
    session = object_session(message)
    assert session is not None, "the worker hands over messages attached to its session"
    report = session.get(Report, message.payload["report_id"])
    if report is None:
        return
    settings = get_settings()
    url = str(message.payload["url"])
    try:
        answer = egress.get(url, max_bytes=settings.photo_max_bytes, headers={"User-Agent": USER_AGENT},
                            allowed=egress.parse_networks(settings.webhook_allowed_networks)
                            if allowed is None else allowed)
    except egress.RefusedDestination as exc:
        raise MediaFailed(f"refused: {exc.reason_en}") from None
    except egress.TooLarge as exc:
        raise MediaFailed(str(exc)) from None
    except OSError as exc:
        raise MediaFailed(f"{url} unreachable: {exc}") from None
    if answer.status != 200:
        raise MediaFailed(f"{url} answered {answer.status}")
    if not answer.content_type.startswith("image/"):
        raise MediaFailed(f"{url} is {answer.content_type or 'untyped'}, not an image")
    processed = photo_service.process(photo_service.Upload(data=answer.body, filename="media_url",
                                                           content_type=answer.content_type), settings)
    photo_service.attach(session=session, report=report, upload=processed, kind="before", actor_kind="system",
                         actor_id="media_url")  # added_by = publication.MEDIA_URL_ACTOR
