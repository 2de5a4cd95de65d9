"""Corrections on site and in the console: a status set by hand, a scan undone, a walk-in registered and
checked in, a reviewed duplicate dismissed, an on-screen signature kept. Each announces itself on the live board.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser
from checkin.attendance import publish, records, split
from checkin.services import (
    PRESENT,
    REGISTRATION,
    Answer,
    CheckList,
    Principal,
    allow,
    announce,
    aware,
    load_list,
    refusal,
    short_name,
    status_at,
    who,
)
from checkin.tables import AttendanceStatus
from core.clock import utcnow
from core.db import again_if_raced, read, sql, write_transaction
from core.errors import NotFound, Refusal
from core.i18n import lazy
from registration import services
from registration.errors import DuplicateRegistration
from registration.inputs import RegistrationInput
from registration.people import normalise_phone
from registration.tables import Source

SIGNATURE_PATH = re.compile(r"^[MmLlHhVvCcSsQqTtZz0-9 ,.\-]{1,20000}$")


class WalkInOnSessionsOnly(Refusal):
    code = "walk_in_session_only"
    status_code = 409
    message = lazy("Register walk-ins on a session's list, not on a team's visit.")


class InvalidSignature(Refusal):
    code = "invalid_signature"
    status_code = 400
    message = lazy("The signature could not be read. Please sign again.")


async def set_status(
    principal: Principal,
    list_id: str,
    registration_id: int,
    status: AttendanceStatus | None,
    nonce: str,
    scanned_at: datetime | None = None,
    device: str = "",
) -> Answer:
    """A status set by hand (None: no record). Idempotent: replaying a nonce sets the same status again."""
    lst = await load_list(list_id)
    allow(principal, lst)
    found = await read(REGISTRATION + "r.id = {}", registration_id)
    reg = found[0] if found else None
    refused = refusal(lst, reg)
    if refused is not None or reg is None:
        return refused or Answer("unknown", "unknown_ticket")
    now = utcnow()
    at = min(scanned_at or now, now)
    recorded_by, device = who(principal, device)
    # A phone's scan may record this person while the correction decides: run again, it updates that record.
    await again_if_raced(lambda: _record(lst, registration_id, status, nonce, at, now, recorded_by, device))
    publish(lst.event_id, lst.id)
    by = principal.full_name if isinstance(principal, CurrentUser) and principal.id else device
    team = str(reg["team_number"]) if reg["team_number"] is not None else None
    name = short_name(reg["first_name"], reg["last_name"])
    return Answer("ok", "status_set", name, team, at, by, False, registration_id, status.value if status else None)


async def _record(
    lst: CheckList,
    registration_id: int,
    status: AttendanceStatus | None,
    nonce: str,
    at: datetime,
    now: datetime,
    recorded_by: int | None,
    device: str,
) -> None:
    """Write a status set by hand: update the person's record, or add one, or remove theirs (None)."""
    column = f'"{lst.kind}"'
    async with write_transaction():
        rows = await sql(
            f"SELECT id, status, nonce FROM check_in WHERE registration = {{}} AND +{column} = {{}} "
            "AND NOT flagged ORDER BY scanned_at, id LIMIT 1",
            registration_id,
            lst.key,
        )
        if status is None:
            await sql(f"DELETE FROM check_in WHERE registration = {{}} AND +{column} = {{}}", registration_id, lst.key)
        elif rows:
            arrives = status in PRESENT and rows[0]["status"] not in PRESENT
            await sql(
                "UPDATE check_in SET status = {}, recorded_by = {}, device = {}, recorded_at = {}, "
                + ("scanned_at = {}, " if arrives else "")
                + "source = 'manual' WHERE id = {}",
                *(status.value, recorded_by, device, now),
                *((at,) if arrives else ()),
                rows[0]["id"],
            )
        elif not await sql("SELECT 1 AS x FROM check_in WHERE nonce = {}", nonce):
            await sql(
                f"INSERT INTO check_in (registration, {column}, status, scanned_at, recorded_at, recorded_by, "
                "device, nonce, source, flagged, notes, signature) VALUES "
                "({}, {}, {}, {}, {}, {}, {}, {}, 'manual', {}, '', '')",
                registration_id,
                lst.key,
                status.value,
                at,
                now,
                recorded_by,
                device,
                nonce,
                False,
            )
        if status is not None:
            await announce(registration_id, status, at)


async def undo(principal: Principal, nonce: str) -> bool:
    """Remove a scan (the phone's "undo"); an earlier-flagged duplicate of it becomes the record."""
    rows = await read("SELECT id, registration, session, visit, flagged FROM check_in WHERE nonce = {}", nonce)
    if not rows:
        return False
    row = rows[0]
    list_id = f"session-{row['session']}" if row["session"] else f"visit-{row['visit']}"
    lst = await load_list(list_id)
    allow(principal, lst)
    column = f'"{lst.kind}"'
    async with write_transaction():
        await sql("DELETE FROM check_in WHERE id = {}", row["id"])
        if not row["flagged"]:
            others = await sql(
                f"SELECT id FROM check_in WHERE registration = {{}} AND +{column} = {{}} ORDER BY scanned_at, id "
                "LIMIT 1",
                row["registration"],
                lst.key,
            )
            if others:
                await sql("UPDATE check_in SET flagged = {} WHERE id = {}", False, others[0]["id"])
    publish(lst.event_id, lst.id)
    return True


async def _registered_with(event_id: int, phone: str) -> int | None:
    """The registration a phone already has at an event: the same walk-in sent twice at once by a phone
    whose network hesitates lands here, once the first one has committed."""
    rows = await read(
        "SELECT r.id FROM registration r JOIN participant p ON p.id = r.participant "
        "WHERE r.event = {} AND p.phone = {}",
        event_id,
        normalise_phone(phone),
    )
    return rows[0]["id"] if rows else None


async def walk_in(
    principal: Principal, list_id: str, first_name: str, last_name: str, phone: str, nonce: str, device: str = ""
) -> Answer:
    """Someone who turns up unregistered: registered on the spot (confirmed) and checked in."""
    lst = await load_list(list_id)
    allow(principal, lst)
    if lst.kind != "session":
        raise WalkInOnSessionsOnly()
    done = await read("SELECT registration FROM check_in WHERE nonce = {}", nonce)
    if done:
        registration_id = done[0]["registration"]
    else:
        by = principal if isinstance(principal, CurrentUser) and principal.id else None
        data = RegistrationInput(first_name=first_name, last_name=last_name, phone=phone)
        try:
            registration_id = (
                await services.register(lst.event_id, data, source=Source.walk_in, by=by)
            ).registration_id
        except DuplicateRegistration as already:  # registered beforehand: just check them in
            registration_id = already.registration_id or await _registered_with(lst.event_id, phone)
            if registration_id is None:
                raise
    now = utcnow()
    return await set_status(principal, list_id, registration_id, status_at(lst, now), nonce, now, device)


async def dismiss(user: CurrentUser, check_in_id: int) -> int:
    """The organiser looked at a duplicate scan: it leaves a line in the record's notes, then goes."""
    rows = await read(
        "SELECT id, registration, session, visit, scanned_at, device FROM check_in WHERE id = {}", check_in_id
    )
    if not rows:
        raise NotFound()
    row = rows[0]
    lst = await load_list(f"session-{row['session']}" if row["session"] else f"visit-{row['visit']}")
    allow(user, lst)
    record, review = split([r for r in await records(lst) if r["registration"] == row["registration"]])
    if all(r["id"] != check_in_id for r in review):
        return lst.event_id  # it is the record itself: nothing to dismiss
    keep = record.get(row["registration"])
    when = aware(row["scanned_at"]).astimezone(ZoneInfo(lst.timezone)).strftime("%d/%m %H:%M:%S")
    line = f"{when} {row['device'] or '?'} (reviewed by {user.full_name})"
    async with write_transaction():
        if keep is not None:
            await sql("UPDATE check_in SET notes = {} WHERE id = {}", (keep["notes"] + "\n" + line).strip(), keep["id"])
        await sql("DELETE FROM check_in WHERE id = {}", check_in_id)
    publish(lst.event_id, lst.id)
    return lst.event_id


async def sign(principal: Principal, list_id: str, registration_id: int, path: str) -> None:
    """Keep a person's on-screen signature (an SVG path) on their record, as part of the attendance proof."""
    lst = await load_list(list_id)
    allow(principal, lst)
    if not SIGNATURE_PATH.match(path):
        raise InvalidSignature(field="path")
    async with write_transaction():
        await sql(
            f'UPDATE check_in SET signature = {{}} WHERE registration = {{}} AND "{lst.kind}" = {{}} AND NOT flagged',
            path,
            registration_id,
            lst.key,
        )
