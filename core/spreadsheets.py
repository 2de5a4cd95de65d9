"""Reading a CSV file as spreadsheets write it: UTF-8 (with or without Excel's BOM), Windows-1252 (Excel's
"CSV (séparateur : point-virgule)" on a French Windows; it reads Latin-1 French alike) or UTF-16 (Excel's
"Texte Unicode"), `;`, `,` or tabs between cells, French headers. Anything else is refused on the `file` field
(UnreadableFile), never read as garbled text."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from core.errors import InvalidInput
from core.i18n import gettext, lazy
from core.text import fold

MAX_CSV_BYTES = 1024 * 1024  # a few thousand rows: more is a mistake or should be split
DATE_PATTERNS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


SAVE_AS_CSV = lazy('In your spreadsheet, choose "Save as", then "CSV (semicolon-separated)".')
NOT_TEXT = lazy("This file is not a CSV file.")
NO_SEPARATOR = lazy("The first line of the file has no column separator (; or ,).")
SNIFFED_BYTES = 2048  # where the separator must show: the header line


class UnreadableFile(InvalidInput):
    code = "unreadable_file"
    message = NOT_TEXT

    def text(self) -> str:
        return f"{super().text()} {gettext(SAVE_AS_CSV)}"


def decode(content: bytes) -> str:
    """UTF-16 when it starts with its byte-order mark (or has a NUL in every other byte), UTF-8 when it reads
    as UTF-8 (a BOM is dropped), else Windows-1252, which decodes every byte that matters here (Excel's French
    "é" is 0xE9, invalid in UTF-8). A binary file (a NUL or another control character, a byte Windows-1252
    leaves undefined) is refused (UnreadableFile)."""
    head = content[:SNIFFED_BYTES]
    try:
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = content.decode("utf-16")
        elif len(head) >= 4 and head[1::2].count(0) >= len(head) // 4:  # UTF-16 without its mark
            text = content.decode("utf-16-le" if head[1] == 0 else "utf-16-be")
        else:
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableFile(field="file") from None
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        raise UnreadableFile(field="file")
    return text


class _Semicolon(csv.excel):
    delimiter = ";"


SEPARATORS: dict[str, type[csv.Dialect]] = {";": _Semicolon, ",": csv.excel, "\t": csv.excel_tab}


def read_rows(content: bytes) -> list[list[str]]:
    """The file's rows, the header first, cells stripped. The separator is the one the header line uses most
    (`;` on a tie, as French Excel writes): headers hold no commas, whereas a comment cell in a `;` file may."""
    text = decode(content)
    if not text.strip():
        return []
    header = next((line for line in text[:SNIFFED_BYTES].splitlines() if line.strip()), "")
    separator = max(SEPARATORS, key=header.count)
    if not header.count(separator):
        raise UnreadableFile(NO_SEPARATOR, field="file")
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), SEPARATORS[separator])]
    except csv.Error:  # a cell beyond the csv module's limit (128 KB): not a list of people
        raise UnreadableFile(field="file") from None


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
