"""Turn a submitted HTML form into the same typed input the API receives.

One msgspec schema per input serves both faces: the API gets it from JSON, the console
from a form through `from_form`, which maps a type error to a French message on the field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, ClassVar, TypeVar

import msgspec

from core.errors import InvalidInput
from core.i18n import lazy

T = TypeVar("T")
_PATH = re.compile(r"at `\$\.(\w+)")
_MISSING = re.compile(r"missing required field `(\w+)`")
_LOCAL_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")

_TOO_LONG = re.compile(r"length <= (\d+)")

# Every date or time typed anywhere lies in these years: a far date (9999-12-31) would overflow the date
# arithmetic of pages and calendar files. Birth dates have their own rule (registration.people).
FIRST_YEAR = 2000
LAST_YEAR = 2100
OUT_OF_RANGE = lazy("Choose a date between %(first)s and %(last)s.")
_OUT_OF_RANGE_TAG = "date out of range"
# The largest whole number a form or a body may hold: ids are PostgreSQL `integer`s (SQLite's go to 2**63 - 1).
LARGEST = 2**31 - 1
_TOO_LARGE_TAG = "number too large"
_NUL_TAG = "text with a NUL character"
NUL_REFUSED = lazy("This text contains a character that cannot be saved.")
# A time of day as <input type="time"> sends it; no backslash, so msgspec's error quotes it as written.
CLOCK_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
Clock = Annotated[str, msgspec.Meta(pattern=CLOCK_PATTERN)]

REQUIRED = lazy("This field is required.")
TOO_LONG = lazy("%(max)s characters at most.")
_BY_TYPE = [
    ("`int`", lazy("Enter a whole number.")),
    ("`float`", lazy("Enter a number.")),
    ("`datetime`", lazy("Enter a date and a time.")),
    ("`date`", lazy("Enter a date.")),
    ("`time`", lazy("Enter a time.")),
    ("Invalid enum value", lazy("Choose one of the proposed options.")),
    (">= ", lazy("This number is too small.")),
    ("length >= 1", REQUIRED),
    ("matching regex '[^", lazy("Write the name with letters.")),
    (f"matching regex '{CLOCK_PATTERN}'", lazy("Enter a time such as 09:30.")),
    (_TOO_LARGE_TAG, lazy("This number is too large.")),
    ("Integer value out of range", lazy("This number is too large.")),
    (_NUL_TAG, NUL_REFUSED),  # registration.inputs.Name: a letter at least
]


def in_range(day: date) -> bool:
    """Whether a date (or a datetime's date) is within the years anything is planned in."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def check_day(day: date | None, field: str) -> None:
    """Refuse a date typed outside the years anything is planned in, on its field."""
    if day is not None and not in_range(day):
        raise InvalidInput(OUT_OF_RANGE, field=field, first=FIRST_YEAR, last=LAST_YEAR)


class Input(msgspec.Struct):
    """A schema checked the same way whether it comes from JSON or a form: its dates and times lie within
    FIRST_YEAR..LAST_YEAR (fields named in `other_dates`, a birth date, follow a rule of their own), its whole
    numbers fit the database, its texts hold no NUL character (PostgreSQL refuses them)."""

    other_dates: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            problem = _problem(getattr(self, name), dates=name not in self.other_dates)
            if problem:
                # msgspec turns this into a ValidationError; field_error() reads the field back from the path.
                raise ValueError(f"{problem} - at `$.{name}`")


def _problem(value: Any, *, dates: bool = True) -> str | None:
    """What is wrong with a value of a schema (or an item of its lists and dicts) that its type cannot say."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _TOO_LARGE_TAG if abs(value) > LARGEST else None
    if isinstance(value, str):
        return _NUL_TAG if "\x00" in value else None
    if isinstance(value, date):
        return _OUT_OF_RANGE_TAG if dates and not in_range(value) else None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else ()
    keys = value.keys() if isinstance(value, dict) else ()
    return next((p for p in map(_problem, [*items, *keys]) if p), None)


def refuse_nul(form: dict[str, str]) -> None:
    """A submitted form's texts must hold no NUL character: PostgreSQL cannot store one."""
    for key, value in form.items():
        if "\x00" in value:
            raise InvalidInput(NUL_REFUSED, field=key)


def _clean(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if _LOCAL_MINUTES.match(value):  # <input type="datetime-local"> omits the seconds
        return value + ":00"
    return value


def from_form(
    schema: type[T], form: dict[str, str], *, checkboxes: tuple[str, ...] = (), lists: dict | None = None
) -> T:
    refuse_nul(form)
    data: dict[str, Any] = {}
    for key, raw in form.items():
        if key.startswith("_") or key in checkboxes:
            continue
        cleaned = _clean(raw)
        if cleaned is not None:
            data[key] = cleaned
    for key in checkboxes:
        data[key] = form.get(key) in {"on", "true", "1", "yes"}
    data.update(lists or {})
    return convert(schema, data)


def convert(schema: type[T], data: dict[str, Any]) -> T:
    try:
        return msgspec.convert(data, schema, strict=False)
    except msgspec.ValidationError as exc:
        raise field_error(str(exc)) from exc


def field_error(text: str) -> InvalidInput:
    missing = _MISSING.search(text)
    if missing:
        return InvalidInput(REQUIRED, field=missing.group(1))
    path = _PATH.search(text)
    field = path.group(1) if path else None
    if _OUT_OF_RANGE_TAG in text:
        return InvalidInput(OUT_OF_RANGE, field=field, first=FIRST_YEAR, last=LAST_YEAR)
    too_long = _TOO_LONG.search(text)
    if too_long:
        return InvalidInput(TOO_LONG, field=field, max=int(too_long.group(1)))
    for needle, message in _BY_TYPE:
        if needle in text:
            return InvalidInput(message, field=field)
    return InvalidInput(field=field)
