"""An organisation's messages: the wording of each automatic message, and what became of the last ones."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.errors import InvalidInput, Refusal
from core.i18n import gettext as _
from core.i18n import lazy, ngettext
from core.web import errors_of, flash, form_data, page
from messaging import services, templates
from messaging.sms import gsm7_friendly, outside_gsm7, sms_length
from messaging.tables import TO_PEOPLE, Channel

User = Request[CurrentUser, Any, Any]


def _channel(value: str) -> Channel:
    if value not in TO_PEOPLE:
        raise InvalidInput(lazy("Choose one of the proposed options."), field="channel")
    return Channel(value)


def _preview(body: str, channel: Channel) -> dict[str, Any]:
    """The example message and, for a text, its length and the characters that leave GSM-7 (the standard set):
    one of them makes the whole text UCS-2, 70 characters a message instead of 160."""
    text = templates.render(body, templates.EXAMPLE)
    if channel != Channel.sms:
        return {"text": text, "length": None}
    text = gsm7_friendly(text)  # as the outbox will send it
    outside = outside_gsm7(text)
    standard = sms_length("".join("-" if c in outside else c for c in text)) if outside else None
    return {
        "text": text,
        "length": sms_length(text),
        "outside": ", ".join(f"« {c} »" for c in outside),
        "outside_count": len(outside),
        "standard_segments": standard.segments if standard else None,
    }


def _what(message: dict[str, Any]) -> str:
    """What a message in the list was: its subject (e-mails), else the kind of text it was."""
    if message["subject"]:
        return message["subject"]
    if message["kind"] in templates.DEFAULTS:
        return _(templates.DEFAULTS[message["kind"]].label)
    if message["kind"] == "broadcast":
        return _("The organiser's own text")
    return _("Text message")


class MessagesConsole(Controller):
    path = "/organisations/{organisation_id:int}/messages"
    include_in_schema = False

    async def _page(
        self, request: User, organisation_id: int, errors: dict | None = None, status: int = 200, **kw: Any
    ) -> Template:
        entries = await templates.organisation_templates(request.user, organisation_id)
        for entry in entries:
            for channel in TO_PEOPLE:
                entry[channel.value]["preview"] = _preview(entry[channel.value]["body"], channel)
        return page(
            "messaging/messages.html",
            status_code=status,
            organisation_id=organisation_id,
            entries=entries,
            variables=templates.VARIABLES,
            errors=errors or {},
            can_edit=request.user.at_least(organisation_id, Role.organiser),
            recent=[m | {"what": _what(m)} for m in await services.recent_messages([organisation_id])],
            counts=await services.delivery_counts([organisation_id]),
            **kw,
        )

    @get("/")
    async def show(self, request: User, organisation_id: FromPath[int]) -> Template:
        return await self._page(request, organisation_id)

    @post("/preview")
    async def preview(self, request: User, organisation_id: FromPath[int]) -> Template:
        require_role(request.user, organisation_id, Role.viewer)
        form = await form_data(request)
        channel = _channel(form.get("channel", ""))
        return page("messaging/_preview.html", preview=_preview(form.get("body", ""), channel))

    @post("/retry")
    async def retry(self, request: User, organisation_id: FromPath[int]) -> Redirect:
        """Queue the failed messages again: all of them, or the one `message_id` names."""
        form = await form_data(request)
        raw = form.get("message_id", "")
        count = await services.retry_failed(request.user, organisation_id, int(raw) if raw.isdigit() else None)
        if count:
            flash(
                request, ngettext("%(num)s message will be sent again.", "%(num)s messages will be sent again.", count)
            )
        else:
            flash(request, _("No failed message to send again."))
        return Redirect(f"/organisations/{organisation_id}/messages#delivery")

    @post("/{key:str}/{channel:str}")
    async def save(
        self, request: User, organisation_id: FromPath[int], key: FromPath[str], channel: FromPath[str]
    ) -> Template | Redirect:
        form = await form_data(request)
        try:
            await templates.save_template(
                request.user, organisation_id, key, _channel(channel), form.get("subject", ""), form.get("body", "")
            )
        except Refusal as error:
            return await self._page(
                request, organisation_id, {f"{key}-{channel}": errors_of(error)}, error.status_code, typed=form
            )
        flash(request, _("Message saved: it is used from now on."))
        return Redirect(f"/organisations/{organisation_id}/messages#{key}")

    @post("/{key:str}/{channel:str}/reset")
    async def reset(
        self, request: User, organisation_id: FromPath[int], key: FromPath[str], channel: FromPath[str]
    ) -> Redirect:
        await templates.reset_template(request.user, organisation_id, key, _channel(channel))
        flash(request, _("Back to the default wording."))
        return Redirect(f"/organisations/{organisation_id}/messages#{key}")


ROUTES = [MessagesConsole]
