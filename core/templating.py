"""The Jinja environment: translations, date formatting in the user's language, helpers."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_datetime, format_time, get_date_format, get_datetime_format, get_time_format
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request

from core.i18n import current_language, raw_gettext, raw_ngettext
from core.labels import label
from core.settings import ROOT


def _date(value: date | datetime | None, fmt: str = "full") -> str:
    if value is None:
        return ""
    return _formatted_date(value, fmt, current_language.get())


@lru_cache(maxsize=4096)
def _formatted_date(value: date | datetime, fmt: str, locale: str) -> str:
    # A list page formats the same few dates over and over (each youth's last event): Babel once for each.
    return format_date(value, format=fmt, locale=locale)


def _datetime(value: datetime | None, fmt: str = "medium", tz: Any = None) -> str:
    """The date in the given length, the time always without seconds ("10 mars 2026, 09:30", never "09:30:00")."""
    if value is None:
        return ""
    locale = current_language.get()
    if fmt in ("full", "long", "medium", "short"):
        fmt = (
            get_datetime_format(fmt, locale=locale)
            .replace("{1}", get_date_format(fmt, locale=locale).pattern)
            .replace("{0}", get_time_format("short", locale=locale).pattern)
        )
    return format_datetime(value, format=fmt, tzinfo=tz, locale=locale)


def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_time(value, format="HH:mm", locale=current_language.get())


def _number(value: float | int | None, fmt: str = "#,##0.##") -> str:
    """A number as the reader writes it: "0,41" and "1 250" in French, "0.41" and "1,250" in English."""
    if value is None:
        return ""
    return format_decimal(value, format=fmt, locale=current_language.get())


def _duration(minutes: float | int | None) -> str:
    """A length of time from minutes, the way people say it: "9 h 43", "45 min" (the same in both languages)."""
    if minutes is None:
        return ""
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def current_user(request: Request) -> Any:
    return request.scope.get("user")


def pop_flashes(request: Request) -> list[dict[str, str]]:
    if "session" not in request.scope or not isinstance(request.scope.get("session"), dict):
        return []
    return request.session.pop("flash", [])


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(ROOT / "templates"),
        # Compiled once per process: checking every template's file time on each render was a sixth of a console
        # page's time. A template edited under a running server shows after a restart, as Python code does.
        auto_reload=False,
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext=raw_gettext, ngettext=raw_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(date=_date, datetime=_datetime, time=_time, number=_number, duration=_duration)
    env.globals.update(
        label=label,
        current_user=current_user,
        pop_flashes=pop_flashes,
        current_language=lambda: current_language.get(),
    )
    return env


@lru_cache(maxsize=1)
def _print_environment() -> Environment:
    return make_environment()


def render_html(template: str, **context: Any) -> str:
    """A print template (a PDF's page), rendered without a request: background jobs use it too."""
    return _print_environment().get_template(template).render(**context)
