"""Webhook subscriptions as administrators manage them: dispatch.webhooks makes them (its egress guard
refuses private and loopback targets), this module audits them; the signing secret is shown once."""

from typing import Any

from sqlalchemy.orm import Session

from core import audit
from core.errors import InvalidSubscription
from core.users import Principal
from dispatch import admin_checks as check
from dispatch import webhooks
from dispatch.webhooks import WebhookSubscription
from geo.models import Service

FIELDS = ("id", "name", "url", "commune_code", "service_code", "events", "active")


def list_(*, session: Session) -> list[WebhookSubscription]:
    return webhooks.list_(session=session)


def create(*, session: Session, actor: Principal | None, values: dict[str, Any]) -> WebhookSubscription:
    """A new subscription; its secret is on the returned object, to show once."""
    name = check.text(values, "name", max_length=120)
    url = check.text(values, "url", max_length=2000)
    assert name is not None and url is not None
    if not url.lower().startswith(("https://", "http://")):
        raise check.refuse("url", "The URL must start with https:// or http://",
                           "L'adresse doit commencer par https:// ou http://")
    events = [e for e in str(values.get("events") or "").split(",") if e]
    if not events:
        raise check.refuse("events", "Choose at least one event", "Choisissez au moins un événement")
    service = check.code(values, "service_code", required=False)
    check.existing(session, Service.code, service, "service_code", ("service", "Service"))
    try:
        subscription = webhooks.create(session=session, name=name, url=url,
                                       commune_code=check.text(values, "commune_code", required=False, max_length=10),
                                       service_code=service, events=events)
    except InvalidSubscription as exc:
        field = "url" if exc.extra.get("reason") == "url" else "events"
        raise check.refuse(field, exc.detail_en, exc.detail_fr) from None
    audit.record(session=session, actor=actor, entity="webhook", entity_id=subscription.id, action="created",
                 after=audit.fields_of(subscription, FIELDS))
    return subscription


def deactivate(*, session: Session, actor: Principal | None, subscription_id: int) -> None:
    """Stop a subscription's deliveries (kept for the record)."""
    subscription = webhooks.get_or_raise(session=session, subscription_id=subscription_id)
    webhooks.deactivate(session=session, subscription=subscription)
    audit.record(session=session, actor=actor, entity="webhook", entity_id=subscription.id, action="deleted",
                 before={"name": subscription.name, "url": subscription.url}, after={"active": False})
