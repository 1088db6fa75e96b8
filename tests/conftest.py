"""Test harness: a real PostGIS (TEST_DATABASE_URL, or a throwaway cluster the suite starts itself).

Once per run: a fresh database, PostGIS, `alembic upgrade head`, the demo territory. Per test: an outer
transaction rolled back at the end, so tests are isolated and independent of their order.
"""

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pytest_postgresql.janitor import DatabaseJanitor
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from api.app import create_app
from api.auth import SESSION_COOKIE, open_session
from api.deps import get_read_runner, get_read_session, get_session
from core import migrate
from core.pgcluster import ManagedCluster, ensure_postgis, free_port, resolve_data_dir
from core.settings import PROJECT_ROOT
from geo.demo import load_demo_addresses, load_territory
from maps.runner import in_series

if TYPE_CHECKING:
    from dispatch.mailer import SmtpConfig


@pytest.fixture(scope="session")
def pg_server() -> Iterator[dict[str, object]]:
    """Host, port and user of a PostGIS-capable server: TEST_DATABASE_URL's, or our own throwaway cluster."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        parsed = make_url(url)
        yield {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432, "user": parsed.username or "postgres",
               "password": parsed.password}
        return
    cluster = ManagedCluster(resolve_data_dir(PROJECT_ROOT / ".data" / "pg-test"), free_port())
    cluster.start()  # fails loudly (ClusterError) when PostgreSQL or PostGIS cannot be had: never skips
    yield {"host": "127.0.0.1", "port": cluster.port, "user": "postgres", "password": None}


def _url(server: dict[str, object], dbname: str) -> str:
    auth = f"{server['user']}:{server['password']}" if server["password"] else str(server["user"])
    return f"postgresql+psycopg2://{auth}@{server['host']}:{server['port']}/{dbname}"


@pytest.fixture(scope="session")
def fresh_database(pg_server: dict[str, object]) -> Iterator[object]:
    """A factory of empty PostGIS databases, dropped at the end of the run."""
    janitors: list[DatabaseJanitor] = []

    def make(template: str | None = None) -> str:
        name = f"rc_test_{uuid.uuid4().hex[:10]}"
        janitor = DatabaseJanitor(user=str(pg_server["user"]), host=str(pg_server["host"]),
                                  port=int(str(pg_server["port"])), dbname=name, template_dbname=template,
                                  password=pg_server["password"])  # type: ignore[arg-type]
        janitor.init()
        janitors.append(janitor)
        url = _url(pg_server, name)
        ensure_postgis(make_url(url).render_as_string(hide_password=False).replace("postgresql+psycopg2", "postgresql"))
        return url

    yield make
    for janitor in janitors:
        janitor.drop()


@pytest.fixture(scope="session")
def database_url(fresh_database: object) -> str:
    """The run's database: migrated by Alembic, holding the demo territory."""
    template = os.environ.get("RUECOMMUNE_TEST_TEMPLATE")
    if template:
        # A database already migrated and loaded (scripts/mutation.py makes one): a copy takes 0.1 s where
        # migrating and loading take seconds, paid by every one of the mutation run's many short sessions.
        copied: str = fresh_database(template)  # type: ignore[operator]
        return copied
    url: str = fresh_database()  # type: ignore[operator]
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as session:
        load_territory(session=session)
        # The synthetic demo addresses (BAN format), generated once into .data/ and reused by later runs.
        load_demo_addresses(session=session, cache_dir=PROJECT_ROOT / ".data" / "addresses")
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back at the end of the test."""
    connection = engine.connect()
    outer = connection.begin()
    sess = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield sess
    finally:
        sess.close()
        outer.rollback()
        connection.close()


def app_on_session(engine: Engine, session: Session) -> FastAPI:
    """The real app whose requests run as savepoints inside the test's outer transaction."""
    app = create_app(engine)
    # Tests file many reports from one address: the intake limit has its own tests. The shared counts
    # (PostgreSQL, committed outside the test's transaction) start from zero for each test.
    from api.ratelimit import RateLimiter

    app.state.intake_limiter = RateLimiter(limit=1_000_000, window_s=60)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rate_limit"))

    def test_session() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = test_session
    app.dependency_overrides[get_read_session] = test_session
    # The dashboard's side-by-side queries would each take a new connection, blind to the test's transaction.
    app.dependency_overrides[get_read_runner] = lambda: in_series(session)
    return app


@pytest.fixture
def client(engine: Engine, session: Session) -> Iterator[TestClient]:
    """The real app; each request's transaction is a savepoint inside the test's outer transaction."""
    with TestClient(app_on_session(engine, session)) as test_client:
        yield test_client


STAFF_PASSWORD = "correct horse battery staple"


@lru_cache
def _staff_password_hash() -> str:
    from core.users import _hasher

    return _hasher.hash(STAFF_PASSWORD)


@pytest.fixture
def staff_client(engine: Engine, session: Session) -> Iterator[Callable[..., TestClient]]:
    """A factory of clients signed in as a new staff member: `staff_client("crew", service_code="voirie")`.

    Each client has its own cookie jar (the session cookie) and sends the CSRF token on every request;
    `client.staff` is the signed-in account as /api/v1/auth/me returns it.
    """
    from core import users

    app = app_on_session(engine, session)
    opened: list[TestClient] = []

    def make(role: str, *, commune_code: str | None = None, service_code: str | None = None,
             sector_codes: tuple[str, ...] = (), language: str = "fr", email: str | None = None) -> TestClient:
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@staff.example"
        # Argon2 is slow on purpose; one hash per run keeps a matrix of a hundred callers quick.
        user = users.StaffUser(email=email, name=f"{role.title()} {email[:6]}", role=role, commune_code=commune_code,
                               service_code=service_code, sector_codes=list(sector_codes), language=language,
                               password_hash=_staff_password_hash(), active=True)
        session.add(user)
        session.commit()
        test_client = TestClient(app)
        test_client.__enter__()
        opened.append(test_client)
        # Signed in as the login endpoint would (tests/api/test_auth.py checks the endpoint itself).
        cookie, csrf = open_session(session=session, staff_id=user.id)
        session.commit()
        test_client.cookies.set(SESSION_COOKIE, cookie)
        test_client.headers["X-CSRF-Token"] = csrf
        test_client.staff = test_client.get("/api/v1/auth/me").json()  # type: ignore[attr-defined]
        return test_client

    yield make
    for test_client in opened:
        test_client.__exit__(None, None, None)


# -- a real SMTP server on loopback ------------------------------------------------------------------------


class SmtpServer:
    """aiosmtpd on a loopback port, collecting what it receives; stop() and start() keep the same port."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller: object | None = None

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content  # type: ignore[attr-defined]
        self.messages.append(BytesParser(policy=policy.default).parsebytes(raw))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))  # type: ignore[attr-defined]
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        controller = Controller(self, hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()  # type: ignore[attr-defined]
            self._controller = None

    def config(self) -> "SmtpConfig":
        from dispatch.mailer import SmtpConfig

        return SmtpConfig(host=self.host, port=self.port, mail_from="Rue Commune <no-reply@ruecommune.example>",
                          timeout=5.0)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages received for one recipient."""
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback for the test; `.messages` holds parsed emails, `.config()` the SmtpConfig."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


DATA_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"

# The five points of the foundation issue.
BELLECOUR = (45.7578, 4.8320)
VILLEURBANNE_TOWN_HALL = (45.7666, 4.8795)
PARIS = (48.8566, 2.3522)


# -- a real server and a real browser -------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


class LiveServer:
    """The real app served by uvicorn on a free loopback port, over its own committed database."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_database_url(fresh_database: object) -> str:
    """A second database for the live server, where requests really commit."""
    url: str = fresh_database()  # type: ignore[operator]
    migrate.upgrade(url)
    eng = create_engine(url)
    with Session(eng) as sess:
        load_territory(session=sess)
        load_demo_addresses(session=sess, cache_dir=PROJECT_ROOT / ".data" / "addresses")
        sess.commit()
    eng.dispose()
    return url


@contextmanager
def _serve(app: FastAPI, eng: Engine) -> Iterator[LiveServer]:
    """uvicorn in a background thread on a free port, stopped on exit."""
    import threading
    import time

    import uvicorn

    port = free_port()
    # Browser journeys file many reports from one loopback address, with real photos: lift the anonymous
    # rate limit (tested on its own) and keep their photo files in a throwaway folder, not the working copy.
    from api.ratelimit import RateLimiter
    from dispatch.storage import LocalStorage

    app.state.intake_limiter = RateLimiter(limit=1_000_000, window_s=60)
    app.state.photo_storage = LocalStorage(Path(tempfile.mkdtemp(prefix="rc-live-photos-")))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", eng)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(live_database_url: str) -> Iterator[LiveServer]:
    """uvicorn in a background thread, stopped at the end of the run."""
    eng = create_engine(live_database_url, pool_pre_ping=True)
    with _serve(create_app(eng), eng) as server:
        yield server
    eng.dispose()


@contextmanager
def _serve_with(live_database_url: str, **settings: object) -> Iterator[LiveServer]:
    """Another live server on the same database, built with some settings changed."""
    from core.settings import get_settings

    eng = create_engine(live_database_url, pool_pre_ping=True)
    with _serve(create_app(eng, settings=get_settings().model_copy(update=settings)), eng) as server:
        yield server
    eng.dispose()


@pytest.fixture(scope="session")
def live_server_no_tiles(live_database_url: str) -> Iterator[LiveServer]:
    """A second live server on the same database, built with the basemap tile URL empty (tiles off)."""
    with _serve_with(live_database_url, tile_url="") as server:
        yield server


@pytest.fixture(scope="session")
def live_server_few_markers(live_database_url: str) -> Iterator[LiveServer]:
    """A live server whose public map loads 3 markers at most, then the reports of the visible area only."""
    with _serve_with(live_database_url, map_max_markers=3, tile_url="") as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; fails loudly (never skips) when it is missing."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/system-deps.sh --browser (apt-get install chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class PageWatch:
    """What a page did: console errors (text, url) and the hosts it sent requests to."""

    def __init__(self) -> None:
        self.console_errors: list[tuple[str, str]] = []
        self.failed_requests: list[str] = []
        self.hosts: set[str] = set()

    def errors_except(self, *hosts: str) -> list[str]:
        """Console errors and failed requests, leaving out those about the given hosts (basemap tiles...)."""
        failed = [u for u in self.failed_requests if not any(h in u for h in hosts)]
        console = [t for t, u in self.console_errors if not any(h in u for h in hosts)
                   and not (t.startswith("Failed to load resource") and u == "" and not failed)]
        return console + failed


@pytest.fixture
def page(browser: object, live_server: LiveServer) -> Iterator[object]:
    """A fresh browser context and page; `page.watch` records console errors and requested hosts."""
    from urllib.parse import urlsplit

    context = browser.new_context(locale="fr-FR")  # type: ignore[attr-defined]
    pg = context.new_page()
    watch = PageWatch()
    pg.on("console", lambda msg: watch.console_errors.append((msg.text, msg.location.get("url", "")))
          if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: watch.console_errors.append((f"uncaught: {exc}", "")))
    # net::ERR_ABORTED is a request cancelled by the page itself or by leaving it (a test going to its next
    # page while the map's outlines still load), not a failure of the page.
    pg.on("requestfailed", lambda req: watch.failed_requests.append(req.url)
          if "ERR_ABORTED" not in (req.failure or "") else None)
    pg.on("request", lambda req: watch.hosts.add(urlsplit(req.url).netloc) if req.url.startswith("http") else None)
    pg.watch = watch
    yield pg
    context.close()


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[object, list[int]]]:
    """A sessionmaker that really commits, and the outbox rows it made, removed afterwards."""
    from sqlalchemy import delete
    from sqlalchemy.orm import sessionmaker

    from dispatch.outbox import OutboxMessage

    factory = sessionmaker(bind=engine, expire_on_commit=False)
    made: list[int] = []
    yield factory, made
    with factory() as s:
        s.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(made)))
        s.commit()
