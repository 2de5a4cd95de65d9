"""The JSON API of outreach: an event's invitations to past participants and the registrations they brought;
sending them (the same checks as the console: consent, came to a similar event, not registered, may be texted).

Scoped like the console: an API token reads as a viewer of its organisation and sends as an organiser."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from accounts.services import CurrentUser
from core.forms import Input
from outreach import services

User = Request[CurrentUser, Any, Any]


class InvitationOut(msgspec.Struct):
    participant_id: int
    first_name: str
    last_name: str
    sent_at: datetime
    registered_at: datetime | None  # when they registered for the event after the invitation
    registration_status: str | None


class InvitationsOut(msgspec.Struct):
    event_id: int
    sent: int
    brought: int  # registrations the invitations brought
    invitations: list[InvitationOut]


class InviteIn(Input):
    participant_ids: list[int] | None = None  # None: everyone the preview would text


class InviteOut(msgspec.Struct):
    texted: int


class OutreachApi(Controller):
    path = "/api/events/{event_id:int}/invitations"
    tags = ["outreach"]

    @get("/", summary="An event's invitations to past participants, and the registrations they brought")
    async def invitations(self, request: User, event_id: FromPath[int]) -> InvitationsOut:
        rows = await services.invitations_of(request.user, event_id)
        return InvitationsOut(
            event_id=event_id,
            sent=len(rows),
            brought=sum(1 for r in rows if r["registered_at"]),
            invitations=[
                InvitationOut(
                    participant_id=r["participant"],
                    first_name=r["first_name"],
                    last_name=r["last_name"],
                    sent_at=r["sent_at"],
                    registered_at=r["registered_at"],
                    registration_status=r["status"],
                )
                for r in rows
            ],
        )

    @post(
        "/",
        summary="Text the invitation to past participants who agreed to hear about other events (once each)",
        status_code=HTTP_201_CREATED,
    )
    async def invite(self, request: User, event_id: FromPath[int], data: JSONBody[InviteIn]) -> InviteOut:
        return InviteOut(texted=await services.invite(request.user, event_id, data.participant_ids))


ROUTES = [OutreachApi]
