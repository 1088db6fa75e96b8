"""Reaching the running compose stack (scripts/test-deploy.sh started it): the proxy, and `docker` itself."""

import os
import shlex
import subprocess
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

import httpx

PROXY = f"http://127.0.0.1:{os.environ.get('RUECOMMUNE_HTTP_PORT', '8630')}"
PROJECT = os.environ.get("COMPOSE_PROJECT_NAME", "rcdeploy")
T = TypeVar("T")


def proxy(**kwargs: object) -> httpx.Client:
    """An HTTP client of the proxy, as a resident's phone would be (no proxy of its own)."""
    return httpx.Client(base_url=PROXY, timeout=30, trust_env=False, **kwargs)  # type: ignore[arg-type]


def containers(service: str) -> list[str]:
    """The running containers of a compose service, by name."""
    out = subprocess.run(["docker", "ps", "--filter", f"label=com.docker.compose.project={PROJECT}",
                          "--filter", f"label=com.docker.compose.service={service}", "--format", "{{.Names}}"],
                         capture_output=True, text=True, check=True).stdout
    return sorted(out.split())


def sh(container: str, script: str, *, stdin: str | None = None, check: bool = True) -> str:
    """A shell command inside a container; its standard output."""
    cmd = ["docker", "exec", *(["-i"] if stdin is not None else []), container, "sh", "-c", script]
    result = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=False, timeout=60)
    if check and result.returncode != 0:
        raise AssertionError(f"{container}: {script!r} exited {result.returncode}: {result.stderr}")
    return result.stdout


def psql(service: str, query: str, **params: str) -> str:
    """One query on the primary (db) or the replica (db-replica), params as psql variables (:'name')."""
    args = " ".join(f"-v {name}={shlex.quote(value)}" for name, value in params.items())
    return sh(containers(service)[0], f"psql -X -q -U ruecommune -d ruecommune -At -v ON_ERROR_STOP=1 {args}",
              stdin=query + ";\n").strip()


def inside_get(container: str, path: str) -> tuple[int, int]:
    """GET a path on one API replica from inside its container (no proxy): status and body length."""
    script = ("import urllib.request, sys\n"
              f"r = urllib.request.urlopen('http://127.0.0.1:8000{path}', timeout=10)\n"
              "print(r.status, len(r.read()))")
    out = subprocess.run(["docker", "exec", container, "python3", "-c", script], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    return int(out[0]), int(out[1])


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float = 60, every_s: float = 0.5) -> T:
    """Poll until probe returns something truthy; fail naming what never came."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"{what}: not within {timeout_s:g} s")


def unique_email() -> str:
    return f"resident-{uuid.uuid4().hex[:10]}@example.org"
