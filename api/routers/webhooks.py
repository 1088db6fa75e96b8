"""Webhook subscriptions: a partner system (another administration) follows its commune or its service."""

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from api.auth import CurrentStaff
from api.deps import SessionDep, SettingsDep
from core.errors import Forbidden
from core.users import Principal
from dispatch import egress, webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class SubscriptionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=8, max_length=2000, description="Where events are POSTed (http or https)")
    commune_code: str | None = Field(default=None, description="INSEE code; empty: every commune in your scope")
    service_code: str | None = Field(default=None, description="Empty: every service in your scope")
    events: list[str] = Field(default_factory=lambda: list(webhooks.EVENTS))


class SubscriptionRead(BaseModel):
    id: int
    name: str
    url: str
    commune_code: str | None
    service_code: str | None
    events: list[str]
    created_at: datetime


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(description="Shown once: verify X-RueCommune-Signature with it")


def _read(subscription: webhooks.WebhookSubscription) -> dict[str, object]:
    return {"id": subscription.id, "name": subscription.name, "url": subscription.url,
            "commune_code": subscription.commune_code, "service_code": subscription.service_code,
            "events": list(subscription.events), "created_at": subscription.created_at}


def _check(caller: Principal) -> None:
    if caller.role not in ("admin", "partner"):
        raise Forbidden("Webhooks are for partner systems (API key) and administrators",
                        "Les webhooks sont réservés aux systèmes partenaires (clé d'API) et aux administrateurs")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
def subscribe(data: SubscriptionCreate, caller: CurrentStaff, session: SessionDep,
              settings: SettingsDep) -> dict[str, object]:
    """Subscribe; a partner key limited to a commune or a service only gets events of that commune or service.

    The url must lead to public addresses (private, loopback and link-local ones are refused, whatever
    their spelling), unless the operator allowed the partner's network."""
    _check(caller)
    commune, service = data.commune_code, data.service_code
    for asked, own, what_en, what_fr in ((commune, caller.commune_code, "commune", "commune"),
                                         (service, caller.service_code, "service", "service")):
        if own and asked and asked != own:
            raise Forbidden(f"Your key follows the {what_en} {own} only",
                            f"Votre clé ne suit que le {what_fr} {own}")
    subscription = webhooks.create(
        session=session, name=data.name, url=data.url, commune_code=commune or caller.commune_code,
        service_code=service or caller.service_code, events=data.events,
        api_key_id=caller.id if caller.kind == "api_key" else None,
        allowed=egress.parse_networks(settings.webhook_allowed_networks))
    session.refresh(subscription)
    return {**_read(subscription), "secret": subscription.secret}


@router.get("", response_model=list[SubscriptionRead])
def subscriptions(caller: CurrentStaff, session: SessionDep) -> list[dict[str, object]]:
    """Your subscriptions (all of them for an administrator); secrets are never shown again."""
    _check(caller)
    key_id = caller.id if caller.kind == "api_key" else None
    return [_read(s) for s in webhooks.list_(session=session, api_key_id=key_id)]


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
def unsubscribe(subscription_id: int, caller: CurrentStaff, session: SessionDep) -> Response:
    _check(caller)
    subscription = webhooks.get_or_raise(session=session, subscription_id=subscription_id)
    if caller.role != "admin" and subscription.api_key_id != caller.id:
        raise Forbidden("This subscription is not yours", "Cet abonnement n'est pas le vôtre")
    webhooks.deactivate(session=session, subscription=subscription)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
