"""The youth's ticket on their personal page (/r/<link>/ticket…): the QR code, its PDF, a new code."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.response import Redirect

from checkin import tickets
from checkin.services import short_name
from core.errors import NotFound
from events.services import programme
from events.tables import Event
from planning.services import published_team
from registration.public import event_for_youth, mine


class PersonalTicket(Controller):
    path = "/r"
    include_in_schema = False
    opt = {"public": True}

    async def _ticket(self, token: str) -> tuple[dict, str]:
        registration = await mine(token)
        ticket = await tickets.ticket_of(registration)
        if ticket is None:  # only a confirmed place has a ticket
            raise NotFound()
        return registration, ticket

    @get("/{token:str}/ticket.svg", cache_control=CacheControlHeader(private=True, no_cache=True))
    async def ticket_svg(self, token: FromPath[str]) -> Response[bytes]:
        _registration, ticket = await self._ticket(token)
        return Response(tickets.qr_svg(ticket), media_type="image/svg+xml")

    @get("/{token:str}/ticket.pdf", cache_control=CacheControlHeader(private=True, no_store=True))
    async def ticket_pdf(self, token: FromPath[str]) -> Response[bytes]:
        registration, ticket = await self._ticket(token)
        event = await event_for_youth(Event.id == registration["event"])
        team = await published_team(registration["id"])
        name = f"{registration['participant.first_name']} {registration['participant.last_name']}"
        body = await tickets.ticket_pdf(
            {"event": event, "days": await programme(event), "name": name, "team": team and team["number"]}, ticket
        )
        filename = f"billet-{short_name(registration['participant.first_name'], '').lower() or 'evenement'}.pdf"
        return Response(
            body, media_type="application/pdf", headers={"content-disposition": f'inline; filename="{filename}"'}
        )

    @post("/{token:str}/ticket/reissue")
    async def reissue_ticket(self, token: FromPath[str]) -> Redirect:
        """The youth's code was lost or shared: a new one, and the old one stops working."""
        registration, _ticket = await self._ticket(token)
        await tickets.reissue(registration["id"])
        return Redirect(f"/r/{token}?reissued=1#ticket")


ROUTES = [PersonalTicket]
