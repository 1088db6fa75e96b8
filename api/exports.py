"""Every export goes through here: CSV cells a spreadsheet would run as a formula are defused, rows stream, and
anonymous callers get a row cap.

OWASP's advice for CSV injection: a text cell starting with `=`, `+`, `-`, `@`, TAB or CR gets a leading
single quote, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it. Numbers stay
numbers (a longitude of -0.5 is not a formula). Rows are written and sent a batch at a time, so an export
of a million rows costs the memory of one batch, never the whole file.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from starlette.responses import StreamingResponse

from core.errors import ExportTooLarge
from core.settings import Settings
from core.users import Principal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_ROWS = 1000
CSV_TYPE = "text/csv; charset=utf-8"


def cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text that starts like a formula is prefixed with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The header, then the rows, as UTF-8 CSV, one chunk per batch of rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(c) for c in columns])
    for count, row in enumerate(rows, 1):
        writer.writerow([cell(v) for v in row])
        if count % BATCH_ROWS == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def response(filename: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
             headers: dict[str, str] | None = None) -> StreamingResponse:
    """A streamed CSV download named `filename` (without extension)."""
    return StreamingResponse(lines(columns, rows), media_type=CSV_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{filename}.csv"', **(headers or {})})


def row_cap(settings: Settings, caller: Principal | None) -> int:
    """The most rows this caller may ask for: anonymous callers far fewer than staff and partner keys."""
    return settings.export_max_rows if caller is not None else settings.export_anonymous_max_rows


def rows_wanted(asked: int | None, *, settings: Settings, caller: Principal | None) -> int:
    """The rows to export: what was asked (the caller's cap by default); 400 naming the cap past it."""
    cap = row_cap(settings, caller)
    if asked is None:
        return cap
    if asked > cap:
        who_en, who_fr = ("", "") if caller is not None else (" without signing in", " sans connexion")
        raise ExportTooLarge(f"At most {cap} rows can be exported{who_en}; you asked for {asked}. "
                             "Narrow the filters or page with offset.",
                             f"Au plus {cap} lignes peuvent être exportées{who_fr} ; vous en demandez {asked}. "
                             "Restreignez les filtres ou paginez avec offset.", max_rows=cap)
    return asked
