"""The operator tool manages staff accounts and API keys (issue 14, #13): the same 12-character rule as the
API, a clear one-line error for what it refuses, and disabling or a reset ends the account's sessions."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from api.auth import open_session
from cli.main import app
from core import db, migrate, users
from core.settings import get_settings


@pytest.fixture(scope="module")
def cli_database(fresh_database):
    url = fresh_database()
    migrate.upgrade(url)
    return url


@pytest.fixture
def cli(cli_database, monkeypatch):
    """`ruecommune ARGS` in this process against its own migrated database: (exit code, stdout, stderr)."""
    monkeypatch.setenv("RUECOMMUNE_DATABASE_URL", cli_database)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    runner = CliRunner()

    def run(*args, input=None):
        result = runner.invoke(app, list(args), input=input)
        # A refusal ends in typer.Exit, never in an exception that would print a traceback.
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result.exit_code, result.stdout, result.stderr

    run.url = cli_database
    yield run
    db.get_engine().dispose()
    monkeypatch.delenv("RUECOMMUNE_DATABASE_URL")
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def one_line_error(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in stderr, stderr
    return lines[0]


def test_in_its_own_process_the_cli_refuses_in_one_clear_line(cli_database):
    command = shutil.which("ruecommune", path=str(Path(sys.executable).parent)) or "ruecommune"
    env = {**os.environ, "RUECOMMUNE_DATABASE_URL": cli_database, "COLUMNS": "200"}
    for args, said in ((["--role", "agent", "--password", "x"], "12 to 1000 characters"),
                       (["--role", "boss", "--password", "long enough pass"], "Unknown role 'boss'"),
                       (["--role", "crew", "--service", "nope", "--password", "long enough pass"],
                        "Unknown service 'nope'")):
        done = subprocess.run([command, "users", "create", "a@staff.example", *args], env=env, capture_output=True,
                              text=True, check=False)
        assert done.returncode == 1 and said in one_line_error(done.stderr), done.stderr


def test_the_cli_refuses_short_passwords_unknown_roles_and_services(cli):
    for password in ("", "x", " " * 20, "eleven char"):
        code, _, err = cli("users", "create", "a@staff.example", "--role", "agent", "--password", password)
        assert code == 1 and "12" in one_line_error(err), (password, err)
    code, _, err = cli("users", "create", "a@staff.example", "--role", "crew", "--service", "nope",
                       "--password", "long enough pass")
    assert code == 1 and "Unknown service 'nope'" in one_line_error(err)
    code, _, err = cli("api-keys", "create", "Partner", "--role", "boss")
    assert code == 1 and "Unknown role 'boss'" in one_line_error(err)
    code, _, err = cli("users", "disable", "ghost@staff.example")
    assert code == 1 and "No staff account" in one_line_error(err)
    # The prompt asks twice and applies the same rule.
    code, _, err = cli("users", "create", "a@staff.example", "--role", "agent", input="short\nshort\n")
    assert code == 1 and "12" in one_line_error(err)


def test_disable_enable_and_set_password_from_the_cli_end_the_sessions(cli):
    code, _, err = cli("users", "create", "ops@staff.example", "--role", "agent", "--password", "first passphrase")
    assert code == 0, err
    engine = create_engine(cli.url)
    try:
        def open_one():
            with Session(engine) as s:
                user = users.get_or_raise(session=s, email="ops@staff.example")
                open_session(session=s, staff_id=user.id)
                s.commit()
                return user.id

        def live(staff_id):
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM staff_sessions WHERE staff_id = :i "
                                         "AND revoked_at IS NULL"), {"i": staff_id}).scalar()

        staff_id = open_one()
        code, _, err = cli("users", "disable", "ops@staff.example")
        assert code == 0 and "1 session(s) ended" in err, err
        assert live(staff_id) == 0
        assert "ops@staff.example\tagent\t-\tdisabled" in cli("users", "list")[1]
        assert cli("users", "enable", "ops@staff.example")[0] == 0
        open_one()
        code, _, err = cli("users", "set-password", "ops@staff.example", input="second passphrase\nsecond passphrase\n")
        assert code == 0 and "1 session(s) ended" in err, err
        assert live(staff_id) == 0
        with Session(engine) as s:
            assert users.authenticate(session=s, email="ops@staff.example", password="second passphrase") is not None
        code, _, err = cli("users", "set-password", "ops@staff.example", "--password", "short")
        assert code == 1 and "12" in one_line_error(err)
        # Each change is in the audit log, as the operating-system account that ran the command.
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT actor_id, action, after FROM audit_log WHERE entity = 'staff_user' "
                                     "AND entity_id = 'ops@staff.example' ORDER BY id")).all()
        assert [r.action for r in rows] == ["created", "disabled", "enabled", "password_set"]
        assert all(r.actor_id.startswith("cli:") for r in rows)
        assert "passphrase" not in str([r.after for r in rows])
    finally:
        engine.dispose()


def test_api_keys_are_created_listed_and_revoked_from_the_cli(cli):
    code, out, err = cli("api-keys", "create", "Ville de Bron", "--role", "partner")
    assert code == 0, err
    clear = out.strip()
    assert clear.startswith("rck_")
    key_id = err.split("created key ")[1].split(" ")[0]
    code, out, _ = cli("api-keys", "list")
    assert f"{key_id}\t" in out and "Ville de Bron\tpartner\tactive" in out and clear not in out
    code, _, err = cli("api-keys", "revoke", key_id)
    assert code == 0 and "revoked" in err
    assert "Ville de Bron\tpartner\trevoked" in cli("api-keys", "list")[1]
    engine = create_engine(cli.url)
    try:
        with Session(engine) as s:
            assert users.find_api_key(session=s, clear=clear) is None
    finally:
        engine.dispose()
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_log WHERE entity = 'api_key' AND entity_id = :k "
                                    "ORDER BY id"), {"k": key_id}).scalars().all()
    assert actions == ["created", "revoked"]
    engine.dispose()
    code, _, err = cli("api-keys", "revoke", "999999")
    assert code == 1 and "No API key 999999" in one_line_error(err)
