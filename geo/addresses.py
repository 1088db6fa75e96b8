"""Loading the Base Adresse Nationale's CSV files (adresses-69.csv.gz) into addresses, streamed with COPY."""

import gzip
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.errors import InvalidAddressFile
from geo.sqlfiles import sql

# The columns of the BAN's "adresses-XX.csv" files that the loader reads; the others are carried, unused.
REQUIRED = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat")
OPTIONAL = ("nom_ld",)


@dataclass(frozen=True)
class AddressLoad:
    """What a load did: rows read from the file, addresses now held for its départements, changes."""

    rows: int
    kept: int
    written: int
    deleted: int
    places: int
    departments: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


class _Counting(io.RawIOBase):
    """A byte stream that reports how far it has read the underlying (compressed) file."""

    def __init__(self, raw: IO[bytes], report: Callable[[int], None]) -> None:
        self._raw, self._report = raw, report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._report(len(data))
        return len(data)


def _open(path: Path, progress: Callable[[int], None]) -> IO[bytes]:
    counting = io.BufferedReader(_Counting(path.open("rb"), progress), buffer_size=1 << 20)
    if path.suffix == ".gz":
        return gzip.GzipFile(fileobj=counting)  # type: ignore[return-value]
    return counting  # type: ignore[return-value]


def _header(line: bytes, path: Path) -> list[str]:
    names = [name.strip().strip('"') for name in line.decode("utf-8-sig").rstrip("\r\n").split(";")]
    missing = [name for name in REQUIRED if name not in names]
    if missing or len(set(names)) != len(names):
        raise InvalidAddressFile(
            f"{path.name} is not a BAN address file (semicolon-separated, with a header): missing {missing}",
            f"{path.name} n'est pas un fichier d'adresses de la BAN (séparé par des points-virgules, avec en-tête) :"
            f" il manque {missing}", missing=missing)
    return names


def load_file(*, session: Session, path: Path, territory_only: bool = True,
              progress: Callable[[int, int], None] | None = None) -> AddressLoad:
    """Load or refresh the addresses of a BAN CSV file (plain or .gz): upsert by BAN id, delete those gone.

    Only addresses of the territory's current communes and arrondissements are kept unless territory_only is
    off (or no zone is loaded). The file is streamed into PostgreSQL with COPY, so its size does not matter.
    """
    total, done = path.stat().st_size, 0
    seconds: dict[str, float] = {}
    began = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal began
        now = time.perf_counter()
        seconds[name] = round(now - began, 2)
        began = now

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    with _open(path, advance) as stream:
        columns = _header(stream.readline(), path)
        session.execute(text("DROP TABLE IF EXISTS address_input, territory_codes"))
        column_list = ", ".join(f'"{name}" text' for name in columns)
        session.execute(text(f"CREATE TEMPORARY TABLE address_input ({column_list}) ON COMMIT DROP"))
        for name in OPTIONAL:
            if name not in columns:
                session.execute(text(f"ALTER TABLE address_input ADD COLUMN {name} text"))
        cursor = session.connection().connection.cursor()
        quoted = ", ".join(f'"{name}"' for name in columns)
        cursor.copy_expert(f"COPY address_input ({quoted}) FROM STDIN WITH (FORMAT csv, DELIMITER ';')", stream)
        rows = cursor.rowcount
    lap("copy")
    session.execute(text("CREATE INDEX ON address_input (id)"))
    session.execute(text("ANALYZE address_input"))
    session.execute(text(
        "CREATE TEMPORARY TABLE territory_codes ON COMMIT DROP AS SELECT DISTINCT code FROM zones "
        "WHERE kind IN ('commune', 'arrondissement') AND valid_to IS NULL"))
    territory_only = territory_only and bool(session.scalar(text("SELECT count(*) FROM territory_codes")))
    departments = sorted(session.scalars(text(
        "SELECT DISTINCT left(code_insee, 2) FROM address_input WHERE code_insee <> ''")))
    params = {"territory_only": territory_only, "departments": departments}
    lap("prepare")
    written = session.execute(sql("addresses_upsert"), params).rowcount  # type: ignore[attr-defined]
    lap("upsert")
    deleted = session.execute(sql("addresses_gone"), params).rowcount  # type: ignore[attr-defined]
    lap("delete")
    session.execute(text("ANALYZE addresses"))
    places = rebuild_places(session=session)
    lap("places")
    kept = int(session.scalar(text("SELECT count(*) FROM addresses WHERE left(citycode, 2) = ANY(:d)"),
                              {"d": departments}) or 0)
    session.execute(text("DROP TABLE IF EXISTS address_input, territory_codes"))
    return AddressLoad(rows=rows, kept=kept, written=written, deleted=deleted, places=places,
                       departments=departments, seconds=seconds)


def rebuild_places(*, session: Session) -> int:
    """Rebuild the searched places (streets, lieux-dits, communes, arrondissements) from addresses."""
    session.execute(sql("address_places"))
    return int(session.scalar(text("SELECT count(*) FROM address_places")) or 0)
