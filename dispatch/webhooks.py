"""Signed webhooks for partner systems: a line of history becomes events, queued in the outbox, POSTed signed.

Every creation and every change of state writes a line of the append-only history (report_events); a
listener turns each new line into events (ticket.created, ticket.state_changed, ticket.resolved) and
queues one outbox message per matching subscription, in the same transaction: a rollback sends
nothing, a commit is delivered by the worker, retried with backoff while the partner is down.

Each delivery is a POST of JSON with these headers:
  X-RueCommune-Event: ticket.created
  X-RueCommune-Delivery: the event id (the same on every retry: consumers drop what they already have)
  X-RueCommune-Timestamp: unix seconds
  X-RueCommune-Signature: sha256=hex(HMAC-SHA256(secret, f"{timestamp}.{body}"))
The timestamp is signed with the body, so a captured delivery cannot be replayed later as new.

Where a delivery may go is checked twice, at subscription and at each delivery (the name may resolve
elsewhere by then): public addresses only, unless allowed by RUECOMMUNE_WEBHOOK_ALLOWED_NETWORKS; the
connection goes to the address checked, and a redirect is a failed delivery, never followed (egress.py).
"""

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Text, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from core.base import Base
from core.errors import InvalidSubscription, NotFound
from core.settings import get_settings
from dispatch import egress, outbox, vocabulary
from dispatch.models import ReportEvent

KIND = "webhook"
EVENTS = ("ticket.created", "ticket.state_changed", "ticket.resolved")
TIMEOUT_SECONDS = 10.0
USER_AGENT = "RueCommune-Webhooks/1"


class WebhookSubscription(Base):
    """A partner's endpoint, the scope it follows (commune, service or both) and the secret that signs."""

    __tablename__ = "webhook_subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    commune_code: Mapped[str | None] = mapped_column(Text)
    service_code: Mapped[str | None] = mapped_column(ForeignKey("services.code"))
    events: Mapped[list[str]] = mapped_column(ARRAY(Text), default=lambda: list(EVENTS))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DeliveryFailed(Exception):
    """The partner did not acknowledge with a 2xx: the outbox retries later."""


# -- subscriptions -------------------------------------------------------------------------------------

def allowed_networks() -> tuple[egress.IPNetwork, ...]:
    """The private networks a partner may be on, from the settings (none by default)."""
    return egress.parse_networks(get_settings().webhook_allowed_networks)


def create(*, session: Session, name: str, url: str, commune_code: str | None = None,
           service_code: str | None = None, events: list[str] | None = None, secret: str | None = None,
           api_key_id: int | None = None,
           allowed: Sequence[egress.IPNetwork] | None = None) -> WebhookSubscription:
    """A new subscription; without a secret, one is drawn (256 bits) and returned once on the object.

    The URL must lead to public addresses only, or to `allowed` networks (the settings' by default)."""
    try:
        egress.resolve(url, allowed_networks() if allowed is None else allowed)
    except egress.RefusedDestination as exc:
        raise InvalidSubscription(exc.reason_en, exc.reason_fr, reason="url") from None
    wanted = list(dict.fromkeys(events or EVENTS))
    unknown = [e for e in wanted if e not in EVENTS]
    if unknown:
        raise InvalidSubscription(f"Unknown events {unknown}; choose among {list(EVENTS)}",
                                  f"Événements inconnus {unknown} ; possibles : {list(EVENTS)}")
    subscription = WebhookSubscription(
        name=name, url=url, commune_code=commune_code or None, service_code=service_code or None, events=wanted,
        secret=secret or f"whsec_{secrets.token_urlsafe(32)}", api_key_id=api_key_id, active=True)
    session.add(subscription)
    session.flush()
    return subscription


def list_(*, session: Session, api_key_id: int | None = None) -> list[WebhookSubscription]:
    query = select(WebhookSubscription).where(WebhookSubscription.active.is_(True)).order_by(WebhookSubscription.id)
    if api_key_id is not None:
        query = query.where(WebhookSubscription.api_key_id == api_key_id)
    return list(session.scalars(query))


def get_or_raise(*, session: Session, subscription_id: int) -> WebhookSubscription:
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or not subscription.active:
        raise NotFound(f"No webhook subscription {subscription_id}", f"Aucun abonnement webhook {subscription_id}")
    return subscription


def deactivate(*, session: Session, subscription: WebhookSubscription) -> None:
    """Stop deliveries (kept for the record of what was sent)."""
    subscription.active = False
    session.flush()


# -- from history to events ------------------------------------------------------------------------------

def events_of(line: ReportEvent) -> list[str]:
    """Which events a line of history makes: a creation, a change of state, a resolution."""
    if line.action == "created":
        return ["ticket.created"]
    if line.to_state is None or line.from_state is None or line.to_state == line.from_state:
        return []
    return ["ticket.state_changed", *(["ticket.resolved"] if line.to_state == "resolved" else [])]


_TICKET = text("""
    SELECT r.ref, r.category_code, c.name_fr AS category_name_fr, c.name_en AS category_name_en, r.state,
           r.outcome, r.commune_code, r.commune_name, r.service_code, r.sector_code,
           ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon, r.created_at, r.updated_at, r.due_at, r.resolved_at
    FROM reports r LEFT JOIN categories c ON c.code = r.category_code WHERE r.id = :id
""")

_QUEUE = text("""
    INSERT INTO outbox (kind, payload, dedupe_key, report_id)
    SELECT 'webhook', jsonb_build_object('subscription_id', s.id, 'event', CAST(:event AS jsonb)),
           'webhook:' || s.id || ':' || :event_id, :report_id
    FROM webhook_subscriptions s
    WHERE s.active AND :type = ANY(s.events)
      AND (s.commune_code IS NULL OR s.commune_code = :commune_code)
      AND (s.service_code IS NULL OR s.service_code = :service_code)
    ON CONFLICT (dedupe_key) DO NOTHING
""")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _ticket(session: Session, report_id: int) -> dict[str, Any] | None:
    row = session.connection().execute(_TICKET, {"id": report_id}).mappings().first()
    if row is None:
        return None
    ticket = {key: _iso(value) for key, value in row.items()}
    ticket["status"] = vocabulary.open311_status(ticket["state"])
    return ticket


def queue_events(session: Session, _flush_context: Any) -> None:
    """Queue the events of the history lines this flush wrote, in the same transaction (outbox)."""
    lines = [obj for obj in session.new if isinstance(obj, ReportEvent)]
    for line in lines:
        types = events_of(line)
        if not types:
            continue
        ticket = _ticket(session, line.report_id)
        if ticket is None:
            continue
        for type_ in types:
            event_id = f"evt_{line.id}_{type_.rsplit('.', 1)[1]}"
            body = {"id": event_id, "type": type_, "occurred_at": _iso(line.at) or _iso(ticket["updated_at"]),
                    "from_state": line.from_state, "to_state": line.to_state, "ticket": ticket}
            session.connection().execute(_QUEUE, {
                "event": json.dumps(body), "event_id": event_id, "report_id": line.report_id, "type": type_,
                "commune_code": ticket["commune_code"], "service_code": ticket["service_code"]})


# -- delivery ------------------------------------------------------------------------------------------

def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `{timestamp}.{body}` under the subscription's secret."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def deliver(message: outbox.OutboxMessage, *, allowed: Sequence[egress.IPNetwork] | None = None) -> None:
    """POST one event to its subscriber, signed now; raises (so the outbox retries) unless a 2xx comes back.

    The destination is checked again now (its name may lead elsewhere than at subscription): a refused one
    receives nothing and the message waits, retried, until an administrator allows it or it dies."""
    session = object_session(message)
    assert session is not None, "the worker hands over messages attached to its session"
    subscription = session.get(WebhookSubscription, message.payload["subscription_id"])
    if subscription is None or not subscription.active:
        return  # unsubscribed meanwhile: nothing to deliver
    event_body: dict[str, Any] = message.payload["event"]
    body = json.dumps(event_body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-RueCommune-Event": event_body["type"], "X-RueCommune-Delivery": event_body["id"],
        "X-RueCommune-Timestamp": str(timestamp), "X-RueCommune-Signature": sign(subscription.secret, timestamp, body),
    }
    try:
        status = egress.post(subscription.url, body, headers, timeout=TIMEOUT_SECONDS,
                             allowed=allowed_networks() if allowed is None else allowed)
    except egress.RefusedDestination as exc:
        raise DeliveryFailed(f"refused: {exc.reason_en}") from None
    except OSError as exc:
        raise DeliveryFailed(f"{subscription.url} unreachable: {exc}") from None
    if 300 <= status < 400:
        raise DeliveryFailed(f"{subscription.url} answered {status}: redirects are not followed")
    if not 200 <= status < 300:
        raise DeliveryFailed(f"{subscription.url} answered {status}")


