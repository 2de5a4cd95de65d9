"""The JSON API of an adviser's proposals: propose an event to a youth, and follow what became of each proposal.

Scoped like the console (registration.proposals): the youth must be one the user sees and contacts, the event
one they see. Handlers parse, call one service and shape the answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from accounts.services import CurrentUser
from core.forms import Input
from registration import proposals

User = Request[CurrentUser, Any, Any]


class ProposalIn(Input):
    event_id: int
    resend: bool = False  # send an earlier proposal of the same event again


class ProposedOut(msgspec.Struct):
    channels: list[str]  # "sms", "email"


class ProposalOut(msgspec.Struct):
    id: int
    participant_id: int
    youth: str
    event_id: int
    event_title: str
    starts_on: date
    sent_at: datetime
    sends: int
    state: str  # proposed, registered, attended


class ProposalsApi(Controller):
    path = "/api"
    tags = ["registration"]

    @get("/proposals", summary="The events I proposed to my youths, and where each stands")
    async def mine(self, request: User) -> list[ProposalOut]:
        return [
            ProposalOut(
                id=row.id,
                participant_id=row.participant,
                youth=row.youth,
                event_id=row.event,
                event_title=row.event_title,
                starts_on=row.starts_on,  # type: ignore[arg-type]
                sent_at=row.sent_at,
                sends=row.sends,
                state=row.state,
            )
            for row in await proposals.proposals_of(request.user)
        ]

    @post(
        "/youths/{participant_id:int}/proposals",
        summary="Propose a coming event to a youth: a text with the pre-filled registration link",
        status_code=HTTP_201_CREATED,
    )
    async def propose(self, request: User, participant_id: FromPath[int], data: JSONBody[ProposalIn]) -> ProposedOut:
        sent = await proposals.propose(request.user, participant_id, data.event_id, resend=data.resend)
        return ProposedOut(channels=[channel.value for channel in sent])


ROUTES = [ProposalsApi]
