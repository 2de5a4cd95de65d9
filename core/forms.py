"""Turn a submitted HTML form into the same typed input the API receives.

One msgspec schema per input serves both faces: the API gets it from JSON, the console
from a form through `from_form`, which maps a type error to a French message on the field.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from core.errors import InvalidInput
from core.i18n import lazy

T = TypeVar("T")
_PATH = re.compile(r"at `\$\.(\w+)")
_MISSING = re.compile(r"missing required field `(\w+)`")
_LOCAL_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")

_TOO_LONG = re.compile(r"length <= (\d+)")

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
    ("matching regex '[^", lazy("Write the name with letters.")),  # registration.inputs.Name: a letter at least
]


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
    too_long = _TOO_LONG.search(text)
    if too_long:
        return InvalidInput(TOO_LONG, field=field, max=int(too_long.group(1)))
    for needle, message in _BY_TYPE:
        if needle in text:
            return InvalidInput(message, field=field)
    return InvalidInput(field=field)
