"""Asking for an export: who may, what it holds, its file; every export of personal data is in the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

from accounts import audit
from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role
from core.db import write_transaction
from core.errors import InvalidInput
from core.i18n import gettext as _
from events.tables import Event
from reporting.errors import UnknownExport
from reporting.exports import EXPORTS, FORMATS, Export
from reporting.formats import MEDIA_TYPES, csv_chunks, xlsx_bytes
from reporting.scope import Scope, parse_day, period, scope_for

ACTION = "export"
EVENT_CHOICES = 300  # events offered on the page; older ones through their own page


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes | None  # XLSX: the whole file
    chunks: AsyncIterator[bytes] | None  # CSV: streamed


def kind_and_format(file: str) -> tuple[Export, str]:
    """`registrations.csv` → the export and its format; 404 for anything else."""
    kind, _dot, fmt = file.rpartition(".")
    if kind not in EXPORTS or fmt not in FORMATS:
        raise UnknownExport()
    return EXPORTS[kind], fmt


def filename(export: Export, scope: Scope, fmt: str) -> str:
    what = f"evenement-{scope.event['id']}" if scope.event else f"{scope.start.isoformat()}_{scope.end.isoformat()}"
    return f"tremplin-{export.kind}-{what}.{fmt}"


async def _record(user: CurrentUser, export: Export, scope: Scope, fmt: str) -> None:
    if scope.event is not None:
        what = _("%(export)s of %(event)s", export=_(export.title), event=scope.event["title"])
    else:
        what = _(
            "%(export)s from %(start)s to %(end)s",
            export=_(export.title),
            start=scope.start.isoformat(),
            end=scope.end.isoformat(),
        )
    summary = _("%(who)s exported: %(what)s (%(format)s)", who=user.full_name, what=what, format=fmt.upper())
    async with write_transaction():
        await audit.record(
            user,
            scope.organisation_id,
            ACTION,
            summary,
            kind=export.kind,
            format=fmt,
            start=scope.start.isoformat(),
            end=scope.end.isoformat(),
            event=scope.event["id"] if scope.event else None,
            contact=scope.contact,
        )


async def export(
    user: CurrentUser,
    organisation_id: int,
    file: str,
    *,
    start: str | date | None,
    end: str | date | None,
    event_id: int | None,
    today: date,
) -> ExportFile:
    """An export of the organisation's data as the user may see it (reporting.scope), for the period (this
    calendar year by default) or one event; recorded in the audit log before it is read."""
    require_role(user, organisation_id, Role.viewer)  # 404 to anyone else, before reading what they ask
    export_, fmt = kind_and_format(file)
    first, last = period(_day(start, "from"), _day(end, "to"), today)
    scope = await scope_for(user, organisation_id, first, last, event_id)
    await _record(user, export_, scope, fmt)
    name = filename(export_, scope, fmt)
    if fmt == "csv":
        return ExportFile(name, MEDIA_TYPES["csv"], None, csv_chunks(export_.header_text(), export_.rows(scope)))
    content = await xlsx_bytes(_(export_.title), export_.header_text(), export_.rows(scope))
    return ExportFile(name, MEDIA_TYPES["xlsx"], content, None)


@dataclass(frozen=True)
class Request:
    """An export asked for from the console's form, once checked."""

    organisation_id: int
    file: str
    start: date | None
    end: date | None
    event_id: int | None


def check_form(user: CurrentUser, params: dict[str, str], today: date) -> tuple[Request | None, dict[str, str]]:
    """The Exports form's choices, or every error at once (field → message)."""
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        try:
            days[name] = parse_day(params.get(name), name)
        except InvalidInput as error:
            errors[name] = error.text()
    if not errors:
        try:
            period(days["from"], days["to"], today)
        except InvalidInput as error:
            errors["from"] = error.text()
    kind, fmt = params.get("kind", ""), params.get("format", "")
    if kind not in EXPORTS:
        errors["kind"] = _("Choose an export.")
    if fmt not in FORMATS:
        errors["format"] = _("Choose CSV or XLSX.")
    organisation = as_id(params.get("organisation")) or user.current_organisation
    if organisation not in user.roles:
        errors["__all__"] = _("Choose one of your organisations.")
    event = as_id(params.get("event"))
    if errors or organisation is None:
        return None, errors
    return Request(organisation, f"{kind}.{fmt}", days["from"], days["to"], event), {}


def as_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _day(value: str | date | None, field: str) -> date | None:
    return value if isinstance(value, date) else parse_day(value, field)


async def page_choices(user: CurrentUser, organisation_id: int | None) -> dict:
    """What the Exports page offers: the user's organisations, the organisation's events (latest first)."""
    organisations = (
        await Organisation.select(Organisation.id, Organisation.name)
        .where(Organisation.id.is_in(user.organisation_ids or [-1]))
        .order_by(Organisation.name)
    )
    events = []
    if organisation_id is not None:
        events = await (
            Event.select(Event.id, Event.title, Event.starts_on)
            .where(Event.organisation == organisation_id)
            .order_by(Event.starts_on, ascending=False)
            .limit(EVENT_CHOICES)
        )
    return {
        "organisations": [(o["id"], o["name"]) for o in organisations],
        "events": [(e["id"], f"{e['title']} ({e['starts_on'].strftime('%d/%m/%Y')})") for e in events],
        "exports": list(EXPORTS.values()),
    }
