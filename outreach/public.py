"""The organisation's public page, /o/<code>: its coming events, each leading to its registration page.

No login, phone-first like the event page (registration.public); only published events that have not begun."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from core.web import page
from outreach import pages
from registration.people import display_phone


class PublicOrganisationPage(Controller):
    include_in_schema = False
    opt = {"public": True}

    @get("/o/{code:str}")
    async def show(self, code: FromPath[str]) -> Template:
        found = await pages.public_page(code)
        organisation = found["organisation"]
        return page(
            "outreach/public.html",
            organisation=organisation,
            phone=display_phone(organisation["phone"]) if organisation["phone"] else "",
            entries=found["entries"],
        )


ROUTES = [PublicOrganisationPage]
