"""Translations: English message ids in the code, a French and an English catalogue.

Catalogues are compiled from the `.po` files in memory when first used, so there is no
build step and no stale `.mo` file. The current language lives in a context variable set
per request; Jinja and Python code read it through the same `gettext`.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOGUE_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"
LANGUAGES = ("fr", "en")

current_language: ContextVar[str] = ContextVar("current_language", default="fr")


@cache
def catalogue(language: str) -> _gettext.NullTranslations:
    po_path = CATALOGUE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as po:
        messages = read_po(po, locale=language)
    buffer = BytesIO()
    write_mo(buffer, messages, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def raw_gettext(message: str) -> str:
    """For Jinja, whose new-style gettext does the %-formatting itself."""
    return catalogue(current_language.get()).gettext(message)


def raw_ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current_language.get()).ngettext(singular, plural, n)


def gettext(message: str, **variables: object) -> str:
    text = catalogue(current_language.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = catalogue(current_language.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def lazy(message: str) -> str:
    """Mark a message for extraction where it is defined; translate it where it is shown."""
    return message


@contextmanager
def language(code: str) -> Iterator[None]:
    token = current_language.set(code if code in LANGUAGES else LANGUAGES[0])
    try:
        yield
    finally:
        current_language.reset(token)
