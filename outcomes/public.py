"""The youth's own page to say where they are now (/s/<token>): no account, three questions, once."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from core.clock import utcnow
from core.errors import InvalidInput
from core.i18n import gettext, lazy
from core.web import form_data, page
from outcomes import errors, forms, self_report
from outcomes.services import situation_errors
from outcomes.tables import SituationKind

# The situations as a youth says them of themselves.
YOUTH_LABELS = {
    SituationKind.cdi: lazy("I have a permanent job (CDI)"),
    SituationKind.long_contract: lazy("I have a fixed-term or temp job of 6 months or more"),
    SituationKind.short_contract: lazy("I have a fixed-term or temp job of less than 6 months"),
    SituationKind.subsidised_contract: lazy("I have a subsidised contract (PEC, CIE…)"),
    SituationKind.alternance: lazy("I am in a work-study contract (alternance)"),
    SituationKind.training: lazy("I am in training"),
    SituationKind.siae_hire: lazy("I was hired by an integration structure (SIAE)"),
    SituationKind.immersion: lazy("I am doing a work immersion (PMSMP)"),
    SituationKind.civic_service: lazy("I am doing a civic service"),
    SituationKind.business_creation: lazy("I am creating my business"),
    SituationKind.back_to_school: lazy("I went back to school"),
    SituationKind.job_seeking: lazy("I am looking for work"),
    SituationKind.inactive: lazy("I am not looking for now"),
}


class SelfReport(Controller):
    path = "/s"
    include_in_schema = False
    opt = {"public": True}

    @get("/{token:str}")
    async def show(self, token: FromPath[str]) -> Template:
        try:
            link = await self_report.open_link(token)
        except errors.SelfReportUsed as used:
            return page("outcomes/self_report_done.html", status_code=used.status_code, already=True)
        return _form(token, link, {"since": utcnow().date().isoformat()}, {})

    @post("/{token:str}")
    async def answer(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        try:
            link = await self_report.open_link(token)
        except errors.SelfReportUsed as used:
            return page("outcomes/self_report_done.html", status_code=used.status_code, already=True)
        values = await form_data(request)
        data, problems = forms.parse({**values, "source": "youth"}, event=link["event"])
        found = await situation_errors(data, today=utcnow().date())
        if found or problems:
            return _form(token, link, values, forms.errors_of(found, problems), status_code=400)
        try:
            await self_report.answer(token, data.kind, data.since, data.notes)
        except errors.SelfReportUsed as used:
            return page("outcomes/self_report_done.html", status_code=used.status_code, already=True)
        except InvalidInput as refusal:  # checked above; a race with another answer lands here
            return _form(token, link, values, {refusal.field or "__all__": refusal.text()}, status_code=400)
        return page("outcomes/self_report_done.html", already=False, first_name=link["first_name"])


def _form(token: str, link: dict, values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    return page(
        "outcomes/self_report.html",
        status_code=status_code,
        token=token,
        link=link,
        values=values,
        errors=errors,
        first_error=forms.first_error(errors),
        kinds=[("", gettext("Choose…"))] + [(k.value, gettext(label)) for k, label in YOUTH_LABELS.items()],
    )


ROUTES = [SelfReport]
