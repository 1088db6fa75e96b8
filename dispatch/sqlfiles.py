"""Load the .sql files of dispatch/sql/, next to the code that runs them."""

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

from dispatch.vocabulary import render_sql

SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql(name: str) -> TextClause:
    """The named query of dispatch/sql/, parsed once."""
    return text(read(name))


def read(name: str) -> str:
    """The named query's text, the vocabulary's state sets written in (dispatch.vocabulary)."""
    return render_sql((SQL_DIR / f"{name}.sql").read_text())
