"""Staff sign-in and sign-out (server-side session, cookie + CSRF token), password change, and who am I."""

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from api.auth import CurrentStaff, session_secret, sign_in, sign_out
from api.deps import SessionDep, no_store
from core import users
from core.errors import Forbidden
from core.users import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, Principal

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(no_store)])


class Login(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)
    new_password: str = Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)


class Me(BaseModel):
    """The signed-in principal and the scope they act in."""

    kind: str
    id: int
    role: str
    name: str
    email: str | None
    commune_code: str | None
    service_code: str | None
    sector_codes: list[str]
    language: str


class LoginResult(BaseModel):
    staff: Me
    csrf_token: str = Field(description="Send it back as the X-CSRF-Token header on every POST/PUT/PATCH/DELETE")


def me_of(principal: Principal) -> Me:
    return Me(kind=principal.kind, id=principal.id, role=principal.role, name=principal.name, email=principal.email,
              commune_code=principal.commune_code, service_code=principal.service_code,
              sector_codes=list(principal.sector_codes), language=principal.language)


@router.post("/login", response_model=LoginResult)
def login(data: Login, request: Request, response: Response, session: SessionDep) -> LoginResult:
    """Sign in with email and password: sets an HttpOnly session cookie and returns the CSRF token.

    Refused from another site (403), and throttled per account and per address with exponential backoff
    (429 with Retry-After); 503 with Retry-After when too many passwords are being checked at once.
    """
    user, csrf = sign_in(response, request, session=session, email=data.email, password=data.password)
    return LoginResult(staff=me_of(users.principal_of(user)), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, session: SessionDep) -> Response:
    """End the session on the server (the cookie no longer opens anything) and forget the cookies."""
    sign_out(request, response, session=session)
    response.status_code = 204
    return response


@router.post("/password", status_code=204)
def change_password(data: PasswordChange, request: Request, response: Response, session: SessionDep,
                    principal: CurrentStaff) -> Response:
    """Change my own password, giving the current one; every other session of mine ends, this one stays."""
    if principal.kind != "staff":
        raise Forbidden("API keys have no password", "Les clés d'API n'ont pas de mot de passe")
    user = users.get_or_raise(session=session, staff_id=principal.id)
    users.change_password(session=session, user=user, current=data.current_password, new=data.new_password,
                          keep_session=session_secret(request))
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(principal: CurrentStaff) -> Me:
    return me_of(principal)
