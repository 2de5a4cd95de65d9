"""A youth's personal data from their console page: the export (JSON, PDF) and the erasure, for the admins of
the organisation holding the record."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.organisation_settings import logo_data_uri
from accounts.services import CurrentUser
from checkin.tickets import render_html
from core.errors import Refusal
from core.i18n import gettext
from core.i18n import gettext as _
from core.pdf import render_pdf
from core.settings import get_settings
from core.web import flash, page
from outcomes.situations import RESULT_LABELS, SITUATION_LABELS
from privacy import erasure, export
from registration.lists import ATTENDANCE_LABELS

User = Request[CurrentUser, Any, Any]
PRIVATE = {"cache-control": "private, no-store"}  # a person's data


def _attachment(participant_id: int, extension: str) -> dict[str, str]:
    return {**PRIVATE, "content-disposition": f'attachment; filename="donnees-jeune-{participant_id}.{extension}"'}


class PrivacyConsole(Controller):
    path = "/youths/{participant_id:int}/data"
    include_in_schema = False

    @get("/export.json")
    async def export_json(self, request: User, participant_id: FromPath[int]) -> Response[bytes]:
        data = await export.collect(request.user, participant_id)
        return Response(
            export.as_json(data), media_type="application/json", headers=_attachment(participant_id, "json")
        )

    @get("/export.pdf")
    async def export_pdf(self, request: User, participant_id: FromPath[int]) -> Response[bytes]:
        data = await export.collect(request.user, participant_id)
        html = render_html(
            "privacy/export.html",
            logo=await logo_data_uri(data["organisation"]["id"]),
            tz=get_settings().tz,
            situation_labels={k.value: gettext(v) for k, v in SITUATION_LABELS.items()},
            result_labels={k.value: gettext(v) for k, v in RESULT_LABELS.items()},
            attendance_labels={k: gettext(v) for k, v in ATTENDANCE_LABELS.items()},
            **data,
        )
        return Response(
            await render_pdf(html, str(request.base_url)),
            media_type="application/pdf",
            headers=_attachment(participant_id, "pdf"),
        )

    @get("/erase")
    async def confirm_erase(self, request: User, participant_id: FromPath[int]) -> Template:
        try:
            view = await erasure.preview(request.user, participant_id)
        except Refusal as refusal:
            youth = await export.held_youth(request.user, participant_id)
            return page("privacy/erase.html", status_code=refusal.status_code, youth=youth, refusal=refusal.text())
        return page("privacy/erase.html", refusal=None, **view)

    @post("/erase")
    async def erase(self, request: User, participant_id: FromPath[int]) -> Template | Redirect:
        try:
            await erasure.erase(request.user, participant_id)
        except Refusal as refusal:
            youth = await export.held_youth(request.user, participant_id)
            return page("privacy/erase.html", status_code=refusal.status_code, youth=youth, refusal=refusal.text())
        flash(request, _("The person's data are erased; the anonymous figures are kept."))
        return Redirect(f"/youths/{participant_id}")


ROUTES = [PrivacyConsole]
