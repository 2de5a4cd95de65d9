"""The Jinja environment: translations, date formatting in the user's language, helpers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request

from core.i18n import current_language, raw_gettext, raw_ngettext
from core.labels import label
from core.settings import ROOT


def _date(value: date | datetime | None, fmt: str = "full") -> str:
    if value is None:
        return ""
    return format_date(value, format=fmt, locale=current_language.get())


def _datetime(value: datetime | None, fmt: str = "medium", tz: Any = None) -> str:
    if value is None:
        return ""
    return format_datetime(value, format=fmt, tzinfo=tz, locale=current_language.get())


def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_time(value, format="HH:mm", locale=current_language.get())


def current_user(request: Request) -> Any:
    return request.scope.get("user")


def pop_flashes(request: Request) -> list[dict[str, str]]:
    if "session" not in request.scope or not isinstance(request.scope.get("session"), dict):
        return []
    return request.session.pop("flash", [])


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(ROOT / "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext=raw_gettext, ngettext=raw_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(date=_date, datetime=_datetime, time=_time)
    env.globals.update(
        label=label,
        current_user=current_user,
        pop_flashes=pop_flashes,
        current_language=lambda: current_language.get(),
    )
    return env
