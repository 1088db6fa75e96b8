"""Sign-in refuses other sites (login CSRF): Sec-Fetch-Site and Origin (or Referer) must name this site, and
the HTML sign-in forms carry a pre-session token bound to a cookie.

Without it, a page elsewhere could sign a visitor's browser into the attacker's staff account, and what
the visitor then types (a resident's details) would land in an account the attacker reads.
"""

import re
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from api.signing import matches, sign
from core.errors import CrossSiteRequest
from core.settings import get_settings

LOGIN_CSRF_COOKIE = "rc_login_csrf"
LOGIN_CSRF_FIELD = "csrf_token"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Sec-Fetch-Site values a browser sends for our own pages, or for an address typed by the user.
_OWN_SITES = frozenset({"same-origin", "none"})


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def own_origins(request: Request) -> set[str]:
    """This site as configured (public_base_url) and as the request reached it (behind a proxy or not)."""
    found = {_origin(get_settings().public_base_url), _origin(str(request.base_url))}
    return {o for o in found if o}


def ensure_same_origin(request: Request) -> None:
    """403 when a browser says the request comes from another site; clients that say nothing (curl,
    partner scripts) pass, since a browser always sends Origin on a cross-site POST."""
    site = request.headers.get("sec-fetch-site")
    claimed = request.headers.get("origin")
    if claimed is None and request.headers.get("referer"):
        claimed = _origin(request.headers["referer"]) or "null"
    if (site is not None and site.lower() not in _OWN_SITES) or (
            claimed is not None and claimed.lower() not in own_origins(request)):
        raise CrossSiteRequest("Sign-in is accepted from this site's own pages only",
                               "La connexion n'est acceptée que depuis les pages de ce site", reason="cross_site")


def login_form_token(request: Request) -> tuple[str, str]:
    """(nonce, token) of a sign-in form: the nonce goes in a cookie (`remember_login_nonce`), the token in a
    hidden field; the browser's current nonce is kept, so two open tabs both work."""
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not _NONCE.match(nonce):
        nonce = secrets.token_urlsafe(18)
    return nonce, sign("login-csrf", nonce)


def remember_login_nonce(request: Request, response: Response, nonce: str) -> None:
    secure = request.url.scheme == "https" or get_settings().environment == "production"
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict", secure=secure,
                        path="/")


def login_token_ok(request: Request, sent: str) -> bool:
    """Whether a submitted form carries the token of this browser's sign-in cookie."""
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(_NONCE.match(nonce)) and matches(sent, sign("login-csrf", nonce))
