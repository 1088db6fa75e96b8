"""Load the .sql files of maps/sql, with the shared filter fragments spliced in where a query names them."""

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

from dispatch.vocabulary import render_sql

SQL_DIR = Path(__file__).resolve().parent / "sql"
FRAGMENTS = ("heatmap", "filters", "public")  # heatmap first: it holds /*filters*/


def _read(name: str) -> str:
    lines = (SQL_DIR / f"{name}.sql").read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--"))


@cache
def sql(name: str) -> TextClause:
    """The named query, `/*filters*/`, `/*public*/` and `/*heatmap*/` replaced by their text (static only)."""
    body = (SQL_DIR / f"{name}.sql").read_text()
    for fragment in FRAGMENTS:
        body = body.replace(f"/*{fragment}*/", f"({_read(fragment)})")
    return text(render_sql(body))
