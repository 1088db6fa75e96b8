"""Who is calling: staff by signed session cookie (with CSRF check), partners by hashed API key, residents by
magic-link token; role checks."""

import base64
import hashlib
import hmac
import secrets
import time
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from core import users
from core.errors import Forbidden, InvalidToken, Unauthenticated
from core.settings import get_settings
from core.users import Principal
from dispatch import magic_links
from dispatch.models import Resident

SESSION_COOKIE = "rc_session"
CSRF_COOKIE = "rc_csrf"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_HEADER = "X-API-Key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _mac(purpose: str, message: str) -> str:
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"{purpose}|{message}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def session_token(staff_id: int, *, issued_at: int | None = None) -> tuple[str, str]:
    """A signed session cookie value and the CSRF token bound to it."""
    nonce = secrets.token_urlsafe(16)
    payload = f"{staff_id}.{issued_at or int(time.time())}.{nonce}"
    return f"{payload}.{_mac('session', payload)}", csrf_token(nonce)


def csrf_token(nonce: str) -> str:
    return _mac("csrf", nonce)


def _read_session(value: str) -> tuple[int, str] | None:
    """(staff id, nonce) of a valid, unexpired cookie; None for anything forged, expired or malformed."""
    parts = value.split(".")
    if len(parts) != 4:
        return None
    payload = ".".join(parts[:3])
    if not payload.isascii():
        return None
    if not hmac.compare_digest(parts[3].encode(), _mac("session", payload).encode()):
        return None
    try:
        staff_id, issued = int(parts[0]), int(parts[1])
    except ValueError:
        return None
    if time.time() - issued > get_settings().session_max_age_seconds:
        return None
    return staff_id, parts[2]


def _api_key(request: Request) -> str | None:
    key = request.headers.get(API_KEY_HEADER)
    if key:
        return key
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.startswith("rck_") else None


def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller if they proved who they are, else None; a cookie on an unsafe request must carry its CSRF token."""
    clear = _api_key(request)
    if clear:
        key = users.find_api_key(session=session, clear=clear)
        if key is None:
            raise Unauthenticated("Unknown or revoked API key", "Clé d'API inconnue ou révoquée")
        return users.principal_of_key(key)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    read = _read_session(cookie)
    if read is None:
        raise Unauthenticated("Your session has expired; sign in again", "Votre session a expiré ; reconnectez-vous")
    staff_id, nonce = read
    user = session.get(users.StaffUser, staff_id)
    if user is None or not user.active:
        raise Unauthenticated("This account is disabled", "Ce compte est désactivé")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        # Bytes, not str: compare_digest refuses non-ASCII strings, and a header may carry any Latin-1 byte.
        if not hmac.compare_digest(sent.encode("utf-8", "replace"), csrf_token(nonce).encode()):
            raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header given at sign-in)",
                            "Jeton CSRF absent ou faux (envoyez l'en-tête X-CSRF-Token reçu à la connexion)",
                            reason="csrf")
    return users.principal_of(user)


# The checks below do no I/O: as coroutines they run on the event loop, where a plain function would cost
# a trip through the thread pool on every staff request.
async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """The signed-in staff member or partner system; 401 otherwise."""
    if principal is None:
        raise Unauthenticated("Sign in first", "Connectez-vous d'abord")
    return principal


def require_roles(*roles: str) -> Any:
    """A dependency that lets only these roles through: `staff: Annotated[Principal, require_roles("agent")]`."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"This action is for: {', '.join(roles)}; you are {principal.role}",
                            f"Cette action est réservée à : {', '.join(roles)} ; vous êtes {principal.role}",
                            allowed_roles=list(roles))
        return principal

    return Depends(check)


CurrentStaff = Annotated[Principal, Depends(current_principal)]
MaybeStaff = Annotated[Principal | None, Depends(optional_principal)]
AdminOnly = Annotated[Principal, require_roles("admin")]
RelationsCentre = Annotated[Principal, require_roles("agent", "admin")]


def bearer_token(request: Request) -> str:
    """The token of `Authorization: Bearer <token>`, or 401 asking for the emailed link."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Open the link we emailed you (or ask for a new one).",
                           "Ouvrez le lien reçu par e-mail (ou demandez-en un nouveau).")
    return token.strip()


def current_resident(request: Request, session: SessionDep) -> Resident:
    """The resident whose session token (from an opened magic link) is sent as `Authorization: Bearer`."""
    return magic_links.resident_of_session(session=session, token=bearer_token(request))


CurrentResident = Annotated[Resident, Depends(current_resident)]


def sign_in(response: Response, request: Request, *, session: Session, email: str, password: str) -> tuple[
        users.StaffUser, str]:
    """Check the password, set the session cookie and the readable CSRF cookie; returns the user and CSRF token."""
    user = users.authenticate(session=session, email=email, password=password)
    if user is None:
        raise Unauthenticated("Wrong email or password", "Email ou mot de passe incorrect")
    value, csrf = session_token(user.id)
    settings = get_settings()
    # Secure whenever it can be: always in production (behind a TLS proxy the app may see http).
    secure = request.url.scheme == "https" or settings.environment == "production"
    common: dict[str, Any] = {"max_age": settings.session_max_age_seconds, "secure": secure, "samesite": "lax",
                              "path": "/"}
    response.set_cookie(SESSION_COOKIE, value, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **common)
    return user, csrf


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")

