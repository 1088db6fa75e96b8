"""What every back-office page handler shares: who is signed in, their language, the page context, the answers.

Pages are plain HTML forms: the CSRF token travels in a `csrf_token` field (a form cannot send a header),
every POST answers with a redirect (POST-redirect-GET) or re-renders the form with what was typed, and
domain errors become a message in the staff member's language instead of problem+json.
"""

from collections.abc import Callable
from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import check_form_csrf, cookie_staff
from api.deps import SessionDep
from api.map_params import LANG_COOKIE
from core.errors import DomainError
from core.users import Principal
from dispatch import queues
from geo.models import Service
from maps import i18n, service, staff
from maps.staff import StaffContext

# Who works in the back office; crews have the PWA, officials the dashboard.
STAFF_ROLES = frozenset({"agent", "commune_staff", "service_staff", "admin"})
NO_STORE = {"Cache-Control": "no-store"}
# Parameters that carry the notice of the last action: dropped from the page's address before adding new ones.
NOTICES = frozenset({"done", "bulk_done", "refused", "why"})


def signed_in(request: Request, session: SessionDep) -> tuple[Principal, str] | None:
    """The staff member of the session cookie and their CSRF token, or None."""
    return cookie_staff(request, session)


SignedIn = Annotated[tuple[Principal, str] | None, Depends(signed_in)]


def language(request: Request, me: Principal | None) -> str:
    """The switch's choice, then the saved choice, then the staff member's own language, then the browser's."""
    explicit = request.query_params.get("lang")
    if explicit in i18n.LANGS:
        return explicit
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in i18n.LANGS:
        return cookie
    if me is not None and me.language in i18n.LANGS:
        return me.language
    return i18n.negotiate(accept_language=request.headers.get("accept-language"))


def form_language(value: str | None, me: Principal | None) -> str:
    if value in i18n.LANGS:
        return str(value)
    return me.language if me is not None and me.language in i18n.LANGS else "fr"


def _switch(request: Request, lang: str) -> str:
    url = request.url.include_query_params(lang="en" if lang == "fr" else "fr")
    return f"{url.path}?{url.query}"


def context(request: Request, session: Session, me: Principal, csrf: str, lang: str) -> StaffContext:
    """The page context: the queues and their counts, and the names behind the codes."""
    options = service.options(session=session)
    services = tuple({"code": s.code, "name_fr": s.name_fr, "name_en": s.name_en}
                     for s in session.scalars(select(Service).order_by(Service.name_fr)))
    return StaffContext(lang=lang, me=me, csrf=csrf, switch_url=_switch(request, lang),
                        counts=queues.counts(session=session, principal=me), queues=tuple(queues.available(me)),
                        categories=tuple(options.categories), communes=tuple(options.communes), services=services)


def html(body: str, request: Request, lang: str, status_code: int = 200) -> HTMLResponse:
    """A staff page: never cached, and the language switch's choice remembered."""
    response = HTMLResponse(body, status_code=status_code, headers=NO_STORE)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def signin_page(request: Request, lang: str, *, error: str | None = None, target: str | None = None,
                status: int = 401) -> HTMLResponse:
    """The back office's sign-in form, with its pre-session CSRF token, coming back to `target` afterwards."""
    from api import origin
    from maps import pages

    nonce, token = origin.login_form_token(request)
    body = pages.render("staff/signin.html", lang=lang, t=i18n.t, page="staff", title=i18n.t(lang, "staff.title"),
                        switch_url=_switch(request, lang), query=f"lang={lang}", me=None, error=error,
                        next=target or "", csrf_token=token)
    response = HTMLResponse(body, status_code=status, headers=NO_STORE)
    origin.remember_login_nonce(request, response, nonce)
    return response


LoginToken = Annotated[str, Form(alias="csrf_token")]


def signin_form(request: Request, session: Session, *, email: str, password: str, lang: str, page: str,
                token: str, failed: Callable[[str, str, int], HTMLResponse], target: str | None = None) -> Response:
    """The staff pages' one sign-in handler (back office, dashboard, team): same-site token, then the session."""
    from api import origin
    from api.auth import sign_in
    from core.errors import Unauthenticated

    lang = lang if lang in i18n.LANGS else "fr"
    if not origin.login_token_ok(request, token):
        return failed(lang, i18n.t(lang, "signin.expired"), 403)
    # Only a path of this site: never an open redirect, whoever calls.
    safe = target if target and target.startswith("/") and not target.startswith("//") else None
    redirect = RedirectResponse(safe or f"/{page}?lang={lang}", status_code=303)
    try:
        sign_in(redirect, request, session=session, email=email, password=password)
    except Unauthenticated as exc:
        return failed(lang, exc.detail_fr if lang == "fr" else exc.detail_en, 401)
    except DomainError as exc:  # cross-site (403), throttled (429), hashing busy (503)
        response = failed(lang, exc.detail_fr if lang == "fr" else exc.detail_en, exc.status)
        for key, value in (exc.extra.get("headers") or {}).items():
            response.headers[key] = value
        return response
    return redirect


def here(request: Request) -> str:
    """This page's path and query, to come back to after signing in or after an action."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def gate(request: Request, session: Session, found: tuple[Principal, str] | None) -> Response | StaffContext:
    """The page's context, or the answer to give instead: the sign-in form, or 403 for a role without a desk."""
    me = found[0] if found else None
    lang = language(request, me)
    if found is None:
        return signin_page(request, lang, target=here(request))
    principal, csrf = found
    if principal.role not in STAFF_ROLES:
        ctx = StaffContext(lang=lang, me=principal, csrf=csrf, switch_url=_switch(request, lang))
        body = staff.render("message.html", ctx, "forbidden", i18n.t(lang, "staff.title"),
                            message=i18n.t(lang, "staff.forbidden").format(role=principal.role), back=None)
        return html(body, request, lang, status_code=403)
    return context(request, session, principal, csrf, lang)


def gate_form(request: Request, session: Session, found: tuple[Principal, str] | None,
              csrf_token: str | None) -> Response | StaffContext:
    """As `gate`, for a form's POST: the CSRF field must match the session's token."""
    ctx = gate(request, session, found)
    if isinstance(ctx, Response):
        return ctx
    try:
        check_form_csrf(ctx.csrf, csrf_token)
    except DomainError as exc:
        return problem_page(request, ctx, exc, back=None)
    return ctx


def problem_page(request: Request, ctx: StaffContext, exc: DomainError, back: str | None) -> HTMLResponse:
    """A refused action as a page in the staff member's language, with the way back."""
    message = exc.detail_fr if ctx.lang == "fr" else exc.detail_en
    body = staff.render("message.html", ctx, "error", i18n.t(ctx.lang, "error.title"), message=message, back=back)
    return html(body, request, ctx.lang, status_code=exc.status)


def redirect(path: str, lang: str, **params: str) -> RedirectResponse:
    """POST-redirect-GET: back to a page of ours, with the language and a notice key (replacing any old ones)."""
    parts = urlsplit(safe_back(path))
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in ("lang", *params, *NOTICES)]
    query = urlencode([*kept, ("lang", lang), *params.items()])
    return RedirectResponse(f"{parts.path}?{query}", status_code=303)


def redirect_with(path: str, lang: str, pairs: list[tuple[str, str]]) -> RedirectResponse:
    """As `redirect`, with repeated parameters (a list of refused tickets)."""
    parts = urlsplit(safe_back(path))
    names = {k for k, _ in pairs} | NOTICES
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("lang", *names)]
    return RedirectResponse(f"{parts.path}?{urlencode([*kept, ('lang', lang), *pairs])}", status_code=303)


def safe_back(value: str | None, default: str = "/staff") -> str:
    """A form's "come back here" field, only ever a back-office path of ours."""
    if value and value.startswith("/staff") and not value.startswith("//"):
        return value
    return default
