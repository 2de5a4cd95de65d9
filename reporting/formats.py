"""The two file formats of every export, and the escaping that keeps a spreadsheet from running a cell.

- CSV as French spreadsheets open it without asking: UTF-8 with a byte-order mark, `;` between cells.
- XLSX written as its rows come (reporting/xlsx.py): a year of data never sits in memory as cells.
A text cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return, which some spreadsheets skip
before reading a formula) is a formula to Excel and LibreOffice: a youth named "=HYPERLINK(…)" would run. Such
text is prefixed with `'`, which both read as "this is text". Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from reporting import xlsx

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
BOM = "\ufeff"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FLUSH_ROWS = 2000  # CSV rows per chunk sent


def neutral(value: Any) -> Any:
    """A cell's value as it may be written: text escaped when a spreadsheet would read it as a formula, dates
    in ISO form, numbers as numbers, None as an empty cell. (Called for every cell: text, the common case,
    is decided first.)"""
    kind = type(value)
    if kind is str:
        return "'" + value if value[:1] in _FORMULA_FIRST else value
    if value is None:
        return ""
    if kind is bool:
        return "oui" if value else "non"
    if kind is int or kind is float:
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutral(str(value))


async def csv_chunks(header: Sequence[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[bytes]:
    """The CSV file, a few thousand rows at a time: the header row even when there are no rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([neutral(h) for h in header])
    count = 0
    async for row in rows:
        writer.writerow([neutral(v) for v in row])
        count += 1
        if count % FLUSH_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def xlsx_bytes(title: str, header: Sequence[str], rows: AsyncIterator[list[Any]]) -> bytes:
    """The XLSX file: one sheet named `title` (31 characters at most), its header row, then the rows."""
    return await xlsx.write(title[:31], [neutral(h) for h in header], _neutral_rows(rows))


async def _neutral_rows(rows: AsyncIterator[list[Any]]) -> AsyncIterator[list[Any]]:
    async for row in rows:
        yield [neutral(v) for v in row]
