"""Dependencies: one database session and one transaction per request."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from core.settings import Settings
from maps import runner
from maps.runner import Runner


def get_session(request: Request) -> Iterator[Session]:
    """The request's session: committed when the handler returns, rolled back when it raises."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_read_session(request: Request) -> Iterator[Session]:
    """A read-only session for maps and figures, on the replica when one is configured."""
    session: Session = request.app.state.read_session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


# scope="function": commit before the answer is sent, so a client never reads 201 for a rolled-back report
# (since FastAPI 0.118 a plain yield dependency ends after the response has gone out).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]


def get_read_runner(request: Request) -> Runner:
    """Runs independent read queries side by side, each on a fresh read session (the dashboard's scans)."""
    return runner.in_parallel(request.app.state.read_session_factory)


ReadRunnerDep = Annotated[Runner, Depends(get_read_runner)]


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


NO_STORE = {"Cache-Control": "no-store"}


def no_store(response: Response) -> None:
    """Personal answers that change by the minute (a crew's tickets, who is signed in): never kept by a cache.

    The PWA keeps its own copy of such lists, labelled with the time it was fetched, so no cache may hand an
    old one back as if it were fresh. An endpoint that returns its own Response passes NO_STORE itself.
    """
    response.headers.update(NO_STORE)
