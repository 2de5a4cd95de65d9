"""Reading a CSV file as spreadsheets write it: UTF-8 (with or without Excel's BOM) or Windows-1252 (Excel's
"CSV (séparateur : point-virgule)" on a French Windows), `;` or `,` between cells, French headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from core.text import fold

MAX_CSV_BYTES = 1024 * 1024  # a few thousand rows: more is a mistake or should be split
DATE_PATTERNS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def decode(content: bytes) -> str:
    """UTF-8 when it reads as UTF-8 (a BOM is dropped), else Windows-1252, which decodes every byte that
    matters here (Excel's French "é" is 0xE9, invalid in UTF-8)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


class _Semicolon(csv.excel):
    delimiter = ";"


SEPARATORS: dict[str, type[csv.Dialect]] = {";": _Semicolon, ",": csv.excel, "\t": csv.excel_tab}


def read_rows(content: bytes) -> list[list[str]]:
    """The file's rows, the header first, cells stripped. The separator is the one the header line uses most
    (`;` on a tie, as French Excel writes): headers hold no commas, whereas a comment cell in a `;` file may."""
    text = decode(content)
    if not text.strip():
        return []
    header = next(line for line in text.splitlines() if line.strip())
    dialect = SEPARATORS[max(SEPARATORS, key=header.count)]
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def _header(name: str) -> str:
    return " ".join(fold(name).replace("_", " ").replace("-", " ").split())


def columns(header: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Where each expected column is: {key: index}. A header matches one of its key's aliases whatever its
    accents, case, underscores or hyphens ("Date de naissance", "date_naissance")."""
    names = [_header(h) for h in header]
    found: dict[str, int] = {}
    for key, names_of_key in aliases.items():
        wanted = {_header(a) for a in (key, *names_of_key)}
        for index, name in enumerate(names):
            if name in wanted and key not in found:
                found[key] = index
    return found


def cells(row: Sequence[str], where: Mapping[str, int]) -> dict[str, str]:
    """The row's cells by key ("" for a cell the row does not have)."""
    return {key: (row[i].strip() if i < len(row) else "") for key, i in where.items()}


def is_blank(row: Sequence[str]) -> bool:
    return not any(cell.strip() for cell in row)


def parse_date(value: str) -> date | None:
    """A date as French spreadsheets write it (31/12/2005, 2005-12-31…); None when it is not one."""
    value = value.strip()
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None
