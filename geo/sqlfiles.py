"""Load the .sql files that live next to the code that runs them."""

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> TextClause:
    """The named query of geo/sql/, parsed once."""
    return text((SQL_DIR / f"{name}.sql").read_text())
