"""The check-in API the scan app (and scripts) use: lists, offline lists, scans, corrections, walk-ins, pairing.

Callers: a console session, an organisation's API token (Bearer) or a paired phone (`Authorization: Device
<token>`), which reaches this API only, for its own event. Every answer is JSON; refusals are the usual
`{"code", "detail", "extra"}`. A scan's outcome (ok, already, unknown…) is a 200 answer, not an error:
the phone shows it and moves on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from checkin import attendance, corrections, presence, tickets
from checkin import services as checkin
from checkin.services import Answer, Principal
from checkin.tables import AttendanceStatus
from core.errors import InvalidInput
from core.forms import Input

Caller = Request[Principal, Any, Any]
Nonce = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
ListId = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class ListOut(msgspec.Struct):
    id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    expected: int
    present: int


class OfflineEntry(msgspec.Struct):
    h: str
    iv: str
    d: str


class OfflineOut(msgspec.Struct):
    list_id: str = msgspec.field(name="list")
    event: int = 0
    generated_at: datetime | None = None
    entries: list[OfflineEntry] = []


class RedeemIn(Input, kw_only=True):
    other_dates = frozenset({"scanned_at"})  # a phone's clock: checked by the scan itself
    token: Token
    list: ListId
    nonce: Nonce
    scanned_at: datetime
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""


class RedeemOut(msgspec.Struct):
    result: str
    reason: str
    name: str
    team: str | None
    first_at: datetime | None
    first_by: str | None
    flagged: bool
    registration: int | None = None
    status: str | None = None
    # the session's start, only when it is on another day than the scan (left out otherwise)
    session_at: datetime | msgspec.UnsetType = msgspec.UNSET


class ExitIn(Input, kw_only=True):
    other_dates = frozenset({"exited_at"})  # a phone's clock: checked by the scan itself
    """An exit: the ticket scanned (`token`), or the person found by a search (`registration`)."""

    list: ListId
    nonce: Nonce
    exited_at: datetime
    token: Token | None = None
    registration: int | None = None
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""


class UndoIn(Input):
    nonce: Nonce


class UndoOut(msgspec.Struct):
    undone: bool


class SearchOut(msgspec.Struct):
    registration: int
    name: str
    team: str | None
    status: str | None


class ManualIn(Input, kw_only=True):
    other_dates = frozenset({"scanned_at"})  # a phone's clock: checked by the scan itself
    registration: int
    list: ListId
    nonce: Nonce
    scanned_at: datetime | None = None
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""
    status: AttendanceStatus | None = AttendanceStatus.present


class WalkInIn(Input, kw_only=True):
    list: ListId
    first_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    last_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    phone: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    nonce: Nonce
    device: Annotated[str, msgspec.Meta(max_length=100)] = ""


class SignatureIn(Input, kw_only=True):
    list: ListId
    registration: int
    path: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]


class StatusOut(msgspec.Struct):
    expected: int
    present: int
    late: int
    excused: int
    absent: int
    flagged: int


class PairIn(Input):
    token: Token


class PairOut(msgspec.Struct):
    event: int
    event_title: str
    device: str
    expires_at: datetime


def _out(answer: Answer) -> RedeemOut:
    return RedeemOut(
        answer.result,
        answer.reason,
        answer.name,
        answer.team,
        answer.first_at,
        answer.first_by,
        answer.flagged,
        answer.registration,
        answer.status,
        answer.session_at or msgspec.UNSET,
    )


class CheckInApi(Controller):
    path = "/api/checkin"
    tags = ["check-in"]
    include_in_schema = True

    @get("/events/{event_id:int}/lists", summary="An event's check-in lists (sessions, team visits), today's first")
    async def lists(self, request: Caller, event_id: FromPath[int]) -> list[ListOut]:
        rows = await attendance.event_lists(request.user, event_id)
        return [ListOut(r["id"], r["title"], r["starts_at"], r["ends_at"], r["expected"], r["present"]) for r in rows]

    @get(
        "/lists/{list_id:str}/offline",
        summary="A list for scanning offline: each entry is readable only with its ticket's token",
    )
    async def offline(self, request: Caller, list_id: FromPath[str]) -> OfflineOut:
        data = await tickets.offline_list(request.user, list_id)
        entries = [OfflineEntry(**e) for e in data["entries"]]
        return OfflineOut(data["list"], data["event"], data["generated_at"], entries)

    @get("/lists/{list_id:str}/status", summary="A list's figures: expected, present (late included), late…")
    async def status(self, request: Caller, list_id: FromPath[str]) -> StatusOut:
        return StatusOut(**await attendance.list_status(request.user, list_id))

    @post("/redeem", summary="Record a ticket scan (idempotent by the client's nonce)", status_code=200)
    async def redeem(self, request: Caller, data: JSONBody[RedeemIn]) -> RedeemOut:
        answer, lst = await checkin.redeem(
            request.user, data.list, data.token, data.nonce, data.scanned_at, data.device
        )
        if answer.result == "ok" or answer.flagged:
            attendance.publish(lst.event_id, lst.id)
        return _out(answer)

    @post(
        "/exit",
        summary="Record when someone left (idempotent by the client's nonce); refused before their entry scan",
        status_code=200,
    )
    async def exit(self, request: Caller, data: JSONBody[ExitIn]) -> RedeemOut:
        if (data.token is None) == (data.registration is None):
            raise InvalidInput(field="token")
        answer = await presence.record_exit(
            request.user,
            data.list,
            data.nonce,
            data.exited_at,
            token=data.token,
            registration_id=data.registration,
            device=data.device,
        )
        return _out(answer)

    @post("/undo", summary="Remove the check-in a scan recorded (the phone's undo)", status_code=200)
    async def undo(self, request: Caller, data: JSONBody[UndoIn]) -> UndoOut:
        return UndoOut(await corrections.undo(request.user, data.nonce))

    @get("/search", summary="Find someone expected on a list by name or phone (2 characters at least)")
    async def search(
        self, request: Caller, list_id: Annotated[str, QueryParameter(name="list")] = "", q: FromQuery[str] = ""
    ) -> list[SearchOut]:
        return [SearchOut(**row) for row in await attendance.search(request.user, list_id, q)]

    @post("/manual", summary="Check someone in by hand, or change their status (null: no record)", status_code=200)
    async def manual(self, request: Caller, data: JSONBody[ManualIn]) -> RedeemOut:
        answer = await corrections.set_status(
            request.user, data.list, data.registration, data.status, data.nonce, data.scanned_at, data.device
        )
        return _out(answer)

    @post("/walk-in", summary="Register someone on the spot and check them in", status_code=200)
    async def walk_in(self, request: Caller, data: JSONBody[WalkInIn]) -> RedeemOut:
        answer = await corrections.walk_in(
            request.user, data.list, data.first_name, data.last_name, data.phone, data.nonce, data.device
        )
        return _out(answer)

    @post(
        "/signature", summary="Keep a person's on-screen signature (an SVG path) with their check-in", status_code=204
    )
    async def signature(self, request: Caller, data: JSONBody[SignatureIn]) -> None:
        await corrections.sign(request.user, data.list, data.registration, data.path)

    @post(
        "/pair",
        summary="Check a device token from a pairing code; the phone then sends `Authorization: Device <token>`",
        status_code=200,
        opt={"public": True, "errors": (401,)},  # errors: an unknown or expired pairing (core.api)
    )
    async def pair(self, data: JSONBody[PairIn]) -> PairOut:
        device = await tickets.device_principal(data.token)
        return PairOut(device.event_id, device.event_title, device.name, device.expires_at)


ROUTES: list = [CheckInApi]
