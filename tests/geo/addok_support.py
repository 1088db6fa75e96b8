"""A real addok (the BAN's geocoder) on loopback: its own venv under .data/, its own redis-server, our data."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.pgcluster import free_port
from core.settings import PROJECT_ROOT
from geo.addok import export

ADDOK_VENV = PROJECT_ROOT / ".data" / "addok-venv"
# The versions checked here (PyPI); addok-fr and addok-france are the BAN's French plugins.
ADDOK_PACKAGES = ["addok==1.3.2", "addok-fr==1.1.0", "addok-france==1.2.0"]


def addok_bin() -> Path:
    """addok in its own virtual environment (it pins its own redis client), installed on first use."""
    binary = ADDOK_VENV / "bin" / "addok"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ADDOK_VENV)], check=True)
        subprocess.run([str(ADDOK_VENV / "bin" / "pip"), "install", "-q", *ADDOK_PACKAGES], check=True)
    return binary


def _wait(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@contextmanager
def running_addok(*, engine: Engine, workdir: Path) -> Iterator[str]:
    """addok serving the database's addresses on a free loopback port; yields its base URL."""
    redis = shutil.which("redis-server")
    assert redis, "redis-server is missing: `make test` installs it (scripts/system-deps.sh --browser)"
    binary = addok_bin()
    with Session(engine) as session:
        config, data, count = export(session=session, directory=workdir)
    assert count > 100
    redis_port, http_port = free_port(), free_port()
    (workdir / "redis").mkdir(exist_ok=True)
    redis_server = subprocess.Popen([redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no", "--dir", str(workdir / "redis")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = {**os.environ, "ADDOK_CONFIG_MODULE": str(config), "REDIS_PORT": str(redis_port),
           "ADDOK_LOG_DIR": str(workdir)}
    server = None
    try:
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(redis_port), "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        for args in (["batch", str(data)], ["ngrams"]):
            subprocess.run([str(binary), *args], env=env, check=True, capture_output=True, timeout=600)
        server = subprocess.Popen([str(binary), "serve", "--host", "127.0.0.1", "--port", str(http_port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{http_port}"
        _wait(f"{url}/search/?q=lyon", server)
        yield url
    finally:
        for process in (server, redis_server):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
