"""The platform's side effects, installed explicitly at start (create_app, the worker), never by an import.

- webhooks: every history line a flush writes queues its partner events in the same transaction (outbox);
- photos: files written by a transaction are kept when it commits and removed when it rolls back;
- the outbox delivers the 'webhook' kind with dispatch.webhooks.deliver.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from dispatch import media, outbox, photos, webhooks

LISTENERS = (
    ("after_flush", webhooks.queue_events),
    ("after_commit", photos.forget_pending),
    ("after_soft_rollback", photos.discard_on_rollback),
)


def install() -> None:
    """Install every side effect once (calling it again changes nothing)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    outbox.register_handler(webhooks.KIND, webhooks.deliver)
    outbox.register_handler(media.KIND, media.fetch)


def installed() -> bool:
    """Whether install() ran in this process."""
    return all(event.contains(Session, name, listener) for name, listener in LISTENERS)
