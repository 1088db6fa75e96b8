"""Staff sign-in and sign-out (session cookie + CSRF token), and who am I."""

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from api.auth import CurrentStaff, sign_in, sign_out
from api.deps import SessionDep, no_store
from core.users import Principal

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[Depends(no_store)])


class Login(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


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
    """Sign in with email and password: sets an HttpOnly session cookie and returns the CSRF token."""
    from core.users import principal_of

    user, csrf = sign_in(response, request, session=session, email=data.email, password=data.password)
    return LoginResult(staff=me_of(principal_of(user)), csrf_token=csrf)


@router.post("/logout", status_code=204)
def logout(response: Response) -> Response:
    """Forget the session cookie."""
    sign_out(response)
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(principal: CurrentStaff) -> Me:
    return me_of(principal)
