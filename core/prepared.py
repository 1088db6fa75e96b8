"""Short hot queries prepared once per database connection and run on the session's bare driver cursor.

psycopg2 never prepares on the server, and for a query of a fraction of a millisecond planning costs as
much as running it; SQLAlchemy's result machinery costs about a third more (bench/assign.py, bench/crews.py).
"""

import re
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Prepared:
    """A statement with :named parameters and their PostgreSQL types, in the order PREPARE declares them."""

    name: str
    sql: str
    types: dict[str, str]
    prepare: str = field(init=False)
    execute: str = field(init=False)

    def __post_init__(self) -> None:
        position = {param: f"${i}" for i, param in enumerate(self.types, start=1)}
        names = "|".join(re.escape(param) for param in self.types)  # only these: never a '::cast' or '10:00'
        body = re.sub(rf"(?<![:\w]):({names})\b", lambda m: position[m.group(1)], self.sql)
        object.__setattr__(self, "prepare", f"PREPARE {self.name}({', '.join(self.types.values())}) AS {body}")
        object.__setattr__(self, "execute",
                           f"EXECUTE {self.name}({', '.join(f'%({param})s' for param in self.types)})")


def fetch(session: Session, statement: Prepared, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement's rows as dicts, inside the session's transaction; prepared on first use per connection."""
    dbapi = session.connection().connection
    with closing(dbapi.cursor()) as cursor:
        # A prepared statement outlives transactions, rollbacks included, for the connection's life.
        if statement.name not in dbapi.info:
            cursor.execute(statement.prepare)
            dbapi.info[statement.name] = True
        cursor.execute(statement.execute, params)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
