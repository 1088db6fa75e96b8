"""Who is calling: staff by a server-side session (signed cookie, CSRF check), partners by hashed API key,
residents by magic-link token; role checks."""

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from api import origin
from api.deps import SessionDep
from api.signing import matches, sign
from core import login, staff_sessions, users
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


def open_session(*, session: Session, staff_id: int, lifetime_s: int | None = None) -> tuple[str, str]:
    """A new server-side session: the signed cookie value and the CSRF token bound to it."""
    secret = staff_sessions.open_(session=session, staff_id=staff_id,
                                  lifetime_s=get_settings().session_max_age_seconds if lifetime_s is None
                                  else lifetime_s)
    return f"{secret}.{sign('session', secret)}", csrf_token(secret)


def csrf_token(secret: str) -> str:
    return sign("csrf", secret)


def _read_cookie(value: str) -> str | None:
    """The session secret of a cookie we signed; None for anything forged or malformed."""
    secret, _, mac = value.rpartition(".")
    if not secret or not secret.isascii() or not matches(mac, sign("session", secret)):
        return None
    return secret


def session_secret(request: Request) -> str | None:
    """The secret of the caller's session cookie, if it carries one we signed."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return _read_cookie(cookie) if cookie else None


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
    if not request.cookies.get(SESSION_COOKIE):
        return None
    secret = session_secret(request)
    if secret is None:
        raise Unauthenticated("Your session has expired; sign in again", "Votre session a expiré ; reconnectez-vous")
    # Looked up on every request: a session signed out, expired or of a disabled account opens nothing.
    user = users.user_of_session(session=session, secret=secret)
    if request.method not in SAFE_METHODS and not matches(request.headers.get(CSRF_HEADER, ""), csrf_token(secret)):
        raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header given at sign-in)",
                        "Jeton CSRF absent ou faux (envoyez l'en-tête X-CSRF-Token reçu à la connexion)",
                        reason="csrf")
    return users.principal_of(user)


def cookie_staff(request: Request, session: Session) -> tuple[Principal, str] | None:
    """The signed-in staff member and their session's CSRF token, from the cookie alone; None when signed out.

    For server-rendered pages: their forms carry the token in a field (checked by `check_form_csrf`),
    since a plain HTML form cannot send the X-CSRF-Token header.
    """
    secret = session_secret(request)
    if secret is None:
        return None
    try:
        user = users.user_of_session(session=session, secret=secret)
    except Unauthenticated:
        return None
    return users.principal_of(user), csrf_token(secret)


def check_form_csrf(expected: str, sent: str | None) -> None:
    """A form's CSRF field must be the session's token: another site cannot read it to forge the post."""
    if not matches(sent or "", expected):
        raise Forbidden("Missing or wrong CSRF token: reload the page and send the form again",
                        "Jeton CSRF absent ou faux : rechargez la page et renvoyez le formulaire", reason="csrf")


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


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def sign_in(response: Response, request: Request, *, session: Session, email: str, password: str) -> tuple[
        users.StaffUser, str]:
    """Check origin, throttles and password, open a session, set its cookie and the readable CSRF cookie."""
    origin.ensure_same_origin(request)
    user = login.attempt(session=session, email=email, password=password, address=client_address(request))
    if user is None:
        # The failure must be counted although this request fails: commit it before the error rolls back.
        session.commit()
        raise Unauthenticated("Wrong email or password", "Email ou mot de passe incorrect")
    value, csrf = open_session(session=session, staff_id=user.id)
    settings = get_settings()
    # Secure whenever it can be: always in production (behind a TLS proxy the app may see http).
    secure = request.url.scheme == "https" or settings.environment == "production"
    common: dict[str, Any] = {"max_age": settings.session_max_age_seconds, "secure": secure, "samesite": "lax",
                              "path": "/"}
    response.set_cookie(SESSION_COOKIE, value, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **common)
    return user, csrf


def sign_out(request: Request, response: Response, *, session: Session) -> None:
    """End the caller's session on the server (its cookie replays to a 401 from now on) and forget the cookies."""
    secret = session_secret(request)
    if secret is not None:
        staff_sessions.revoke(session=session, secret=secret)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
