"""A PostGIS cluster the platform manages itself: initdb once, start, stop, create databases.

PostgreSQL refuses to run as root, and these machines run everything as root: a managed cluster then
runs as the unprivileged `postgres` user that the Debian package creates.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

APT_PACKAGES = "postgresql postgresql-15-postgis-3"
BREW_PACKAGES = "postgresql@15 postgis"


class ClusterError(RuntimeError):
    """The managed cluster could not be set up; the message says what to install or fix."""


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl, or a clear error naming the packages to install."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(found).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    raise ClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found. Install them: "
        f"`apt-get install {APT_PACKAGES}` (Debian/Ubuntu) or `brew install {BREW_PACKAGES}` (macOS)."
    )


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _postgres_can_reach(path: Path) -> bool:
    """Whether the unprivileged postgres user can create files at path (every parent must be traversable)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    result = subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(probe)], capture_output=True, check=False
    )
    return result.returncode == 0


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shared_buffers_mb() -> int:
    """A quarter of the memory, at most 2 GB (PostgreSQL's usual advice), at least its 128 MB default."""
    # A sequential scan reads through a small ring of buffers unless its table fits in a quarter of
    # shared_buffers: with 2 GB a million reports stay cached, and the dashboard's scans ran 28 % faster.
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError):
        return 128
    return max(128, min(2048, total // 4))


@dataclass
class ManagedCluster:
    """One PostgreSQL cluster in a data directory, listening on loopback TCP only."""

    data_dir: Path
    port: int

    @classmethod
    def from_settings(cls, settings: Settings, name: str = "pg") -> "ManagedCluster":
        return cls(resolve_data_dir(settings.data_dir / name), settings.managed_pg_port)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{dbname}"

    # -- process control ---------------------------------------------------------------------------
    def _run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        if _running_as_root():
            args = ["runuser", "-u", "postgres", "--", *args]
        return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]

    def running_port(self) -> int | None:
        """The port of the postmaster running on this data directory, if one is."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            os.kill(int(lines[0]), 0)
        except (ValueError, ProcessLookupError, IndexError):
            return None
        except PermissionError:
            pass
        return int(lines[3]) if len(lines) > 3 else None

    def ensure_initialized(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        bindir = find_bindir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _running_as_root():
            shutil.chown(self.data_dir, "postgres", "postgres")
        self.data_dir.chmod(0o700)
        out = self._run(
            [str(bindir / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--locale=C.UTF-8"]
        )
        if out.returncode != 0:
            raise ClusterError(f"initdb failed in {self.data_dir}:\n{out.stdout}\n{out.stderr}")

    def start(self) -> None:
        """Initialise if needed and start; a cluster already running is reused on its own port."""
        self.ensure_initialized()
        port = self.running_port()
        if port is not None:
            self.port = port
            return
        bindir = find_bindir()
        log = self.data_dir / "server.log"
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
                   f"-c max_parallel_workers_per_gather=0 -c shared_buffers={shared_buffers_mb()}MB "
                   # The data lives in memory (or on SSD): random reads cost about what sequential ones do, and
                   # with the default 4 the planner scanned the dashboard's table rather than its covering index.
                   "-c random_page_cost=1.1")
        if os.environ.get("RUECOMMUNE_PG_FAST") == "1":
            options += " -c fsync=off -c synchronous_commit=off"
        out = self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(log), "-o", options,
                         "-w", "-t", "60", "start"])
        if out.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise ClusterError(f"pg_ctl start failed:\n{out.stdout}\n{out.stderr}\n{tail}")
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise ClusterError(f"PostgreSQL did not accept connections on port {self.port}")

    def stop(self) -> bool:
        if self.running_port() is None:
            return False
        out = self._run([str(find_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        return out.returncode == 0

    def ensure_database(self, dbname: str) -> None:
        """Create the database with PostGIS if it does not exist yet."""
        create_database(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", dbname)


def create_database(server_dsn: str, dbname: str, *, fresh: bool = False) -> None:
    """Create `dbname` with PostGIS on the server `server_dsn` connects to, if missing; dropped first if fresh."""
    import psycopg2
    from psycopg2 import sql
    from psycopg2.extensions import make_dsn

    conn = psycopg2.connect(server_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            if fresh:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    finally:
        conn.close()
    ensure_postgis(make_dsn(server_dsn, dbname=dbname))


def ensure_postgis(dsn: str) -> None:
    """CREATE EXTENSION postgis, or a clear error naming the package that provides it."""
    import psycopg2

    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
            if cur.fetchone() is None:
                raise ClusterError(
                    "PostGIS is not installed for this PostgreSQL server. Install it: "
                    f"`apt-get install {APT_PACKAGES}` (Debian/Ubuntu) or `brew install {BREW_PACKAGES}`."
                )
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    finally:
        conn.close()


def resolve_data_dir(preferred: Path) -> Path:
    """preferred, unless we run as root and postgres cannot reach it; then a folder in postgres's home."""
    if not _running_as_root() or _postgres_can_reach(preferred.parent):
        return preferred
    digest = hashlib.sha1(str(preferred).encode()).hexdigest()[:10]
    fallback = Path("/var/lib/postgresql/ruecommune") / f"{preferred.name}-{digest}"
    print(f"note: postgres cannot reach {preferred}; the managed cluster lives in {fallback}", file=sys.stderr)
    fallback.parent.mkdir(parents=True, exist_ok=True)
    shutil.chown(fallback.parent, "postgres", "postgres")
    return fallback
