"""Administration pages for who may act: staff accounts and roles, partner API keys, webhook subscriptions.

A new API key's or webhook's secret is shown once, on the answer to the form that made it (never in a URL,
never again). Administrators only; plain forms with the CSRF field.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api import admin_web, staff_web
from api.admin_web import FormValues
from api.deps import SessionDep
from api.staff_web import SignedIn
from core import users
from core.errors import DomainError
from dispatch import accounts, subscriptions, webhooks
from maps import i18n
from maps.staff import StaffContext

router = APIRouter(prefix="/staff/admin", include_in_schema=False)


def _choices(ctx: StaffContext) -> dict[str, Any]:
    lang = ctx.lang
    return {
        "role_options": [(r, i18n.t(lang, f"role.{r}")) for r in users.ROLES],
        "key_role_options": [(r, i18n.t(lang, f"role.{r}") if f"role.{r}" in i18n.TEXT else r)
                             for r in users.KEY_ROLES],
        "service_options": [(s["code"], f"{s['name_en'] if lang == 'en' else s['name_fr']} ({s['code']})")
                            for s in ctx.services],
        "commune_options": [(c["code"], f"{c['name_fr']} ({c['code']})") for c in ctx.communes],
        "language_options": [("fr", "français"), ("en", "English")],
    }


# -- staff accounts ------------------------------------------------------------------------------------------

def _accounts(request: Request, session: SessionDep, ctx: StaffContext, values: dict[str, str],
              exc: DomainError | None = None) -> Response:
    return admin_web.render(request, ctx, "accounts.html", "accounts", "admin.accounts", exc=exc, values=values,
                            rows=users.list_(session=session), **_choices(ctx))


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every staff account, and the form to create one."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _accounts(request, session, ctx, {"language": "fr"})


@router.post("/accounts")
def account_create(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """A new staff account."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        accounts.create_account(session=session, actor=ctx.me, values=values)
    except DomainError as exc:
        session.rollback()
        return _accounts(request, session, ctx, {**values, "password": ""}, exc)
    return staff_web.redirect("/staff/admin/accounts", ctx.lang, done="saved")


def _account_form(request: Request, ctx: StaffContext, user: users.StaffUser, values: dict[str, str],
                  exc: DomainError | None = None) -> Response:
    return admin_web.render(request, ctx, "account.html", "accounts", "admin.account_edit", exc=exc, user=user,
                            values=values, **_choices(ctx))


@router.get("/accounts/{staff_id}", response_class=HTMLResponse)
def account_edit(staff_id: int, request: Request, session: SessionDep, found: SignedIn) -> Response:
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        user = users.get_or_raise(session=session, staff_id=staff_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/accounts")
    values = {"name": user.name, "role": user.role, "commune_code": user.commune_code or "",
              "service_code": user.service_code or "", "sector_codes": ", ".join(user.sector_codes or ()),
              "language": user.language}
    return _account_form(request, ctx, user, values)


@router.post("/accounts/{staff_id}")
def account_update(staff_id: int, request: Request, session: SessionDep, found: SignedIn,
                   values: FormValues) -> Response:
    """Change an account: profile (role, scope, name, language), a new password, or disable / enable it."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        user = users.get_or_raise(session=session, staff_id=staff_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/accounts")
    intent = values.get("intent", "profile")
    try:
        if intent == "password":
            accounts.set_password(session=session, actor=ctx.me, user=user, password=values.get("password", ""))
        elif intent in ("disable", "enable"):
            accounts.set_active(session=session, actor=ctx.me, user=user, active=intent == "enable")
        else:
            accounts.update_account(session=session, actor=ctx.me, staff_id=staff_id, values=values)
    except DomainError as exc:
        session.rollback()
        user = users.get_or_raise(session=session, staff_id=staff_id)
        return _account_form(request, ctx, user, {**values, "password": ""}, exc)
    return staff_web.redirect(f"/staff/admin/accounts/{staff_id}", ctx.lang, done="saved")


# -- API keys ------------------------------------------------------------------------------------------------

def _keys(request: Request, session: SessionDep, ctx: StaffContext, values: dict[str, str],
          exc: DomainError | None = None, secret: str | None = None) -> Response:
    return admin_web.render(request, ctx, "keys.html", "keys", "admin.keys", exc=exc, values=values, secret=secret,
                            rows=users.list_api_keys(session=session), **_choices(ctx))


@router.get("/keys", response_class=HTMLResponse)
def keys_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every partner key (prefix only), and the form to make one."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _keys(request, session, ctx, {"role": "partner"})


@router.post("/keys")
def key_create(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """A new key, its secret shown once on this answer."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        _key, clear = accounts.create_key(session=session, actor=ctx.me, name=values.get("name", ""),
                                          role=values.get("role", ""), commune_code=values.get("commune_code"),
                                          service_code=values.get("service_code"))
    except DomainError as exc:
        session.rollback()
        return _keys(request, session, ctx, values, exc)
    return _keys(request, session, ctx, {"role": "partner"}, secret=clear)


@router.post("/keys/{key_id}/revoke")
def key_revoke(key_id: int, request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        accounts.revoke_key(session=session, actor=ctx.me, key_id=key_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/keys")
    return staff_web.redirect("/staff/admin/keys", ctx.lang, done="revoked")


# -- webhook subscriptions -----------------------------------------------------------------------------------

def _webhooks(request: Request, session: SessionDep, ctx: StaffContext, values: dict[str, str],
              exc: DomainError | None = None, secret: str | None = None) -> Response:
    return admin_web.render(request, ctx, "webhooks.html", "webhooks", "admin.webhooks", exc=exc, values=values,
                            secret=secret, rows=subscriptions.list_(session=session), events=webhooks.EVENTS,
                            **_choices(ctx))


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, session: SessionDep, found: SignedIn) -> Response:
    """Every active subscription, and the form to add one."""
    ctx = admin_web.gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    return _webhooks(request, session, ctx, {"events": ",".join(webhooks.EVENTS)})


@router.post("/webhooks")
def webhook_create(request: Request, session: SessionDep, found: SignedIn, values: FormValues) -> Response:
    """A new subscription (its target checked by the egress guard), its signing secret shown once."""
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        subscription = subscriptions.create(session=session, actor=ctx.me, values=values)
    except DomainError as exc:
        session.rollback()
        return _webhooks(request, session, ctx, values, exc)
    return _webhooks(request, session, ctx, {"events": ",".join(webhooks.EVENTS)}, secret=subscription.secret)


@router.post("/webhooks/{subscription_id}/delete")
def webhook_delete(subscription_id: int, request: Request, session: SessionDep, found: SignedIn,
                   values: FormValues) -> Response:
    ctx = admin_web.gate(request, session, found, values)
    if isinstance(ctx, Response):
        return ctx
    try:
        subscriptions.deactivate(session=session, actor=ctx.me, subscription_id=subscription_id)
    except DomainError as exc:
        return staff_web.problem_page(request, ctx, exc, back="/staff/admin/webhooks")
    return staff_web.redirect("/staff/admin/webhooks", ctx.lang, done="deleted")
