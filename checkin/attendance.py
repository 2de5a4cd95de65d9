"""Attendance: who is expected on a list, their record, the counts, and the live board (corrections by hand:
registration.corrections).

Expected on a session list: the event's confirmed registrations that chose this session or none; on a visit
list: the team's members. A person's record is their earliest unflagged check-in on the list (see
checkin.services); every other row of theirs there is for the organiser to review. Once a list has
ended, whoever is expected and has no record counts as "absence non excusée".

Changes are announced on the event's channel (Litestar channels: in memory in one process, Redis when
REDIS_URL is set) so the console's live board redraws at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import unicodedata
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from accounts.tables import Role
from checkin.services import (
    PRESENT,
    REGISTRATION,
    CheckList,
    Principal,
    allow,
    aware,
    check_access,
    load_list,
    short_name,
)
from checkin.tables import AttendanceStatus
from core.clock import utcnow
from core.db import read
from core.errors import NotFound
from core.settings import Settings
from events import access
from events.tables import Event

_plugin: ChannelsPlugin | None = None
_wait_s = 2.0


# --------------------------------------------------------------------------- live updates


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    """The app's channels: in memory for the default single process, Redis pub/sub to share between workers."""
    global _plugin, _wait_s
    if settings.redis_url:  # imported here: the app without Redis does not load it
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend: Any = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url), key_prefix="tremplin")
        _wait_s = 20.0
    else:
        backend = MemoryChannelsBackend()
        # Several workers without Redis do not hear each other: a board then waits 2 s at most before redrawing.
        _wait_s = 2.0
    _plugin = ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, create_ws_route_handlers=False)
    return _plugin


def channel(event_id: int) -> str:
    return f"checkin-{event_id}"


def publish(event_id: int, list_id: str) -> None:
    if _plugin is None:
        return
    with contextlib.suppress(RuntimeError):  # the plugin is not started (an app called without its lifespan)
        _plugin.publish({"list": list_id}, channel(event_id))


@contextlib.asynccontextmanager
async def changes(event_id: int):
    """Subscribe to an event's changes; yields a coroutine function that waits for the next one (or a while)."""
    plugin = _plugin
    try:
        subscription = plugin.start_subscription([channel(event_id)]) if plugin else None
        subscriber = await subscription.__aenter__() if subscription else None
    except Exception:  # noqa: BLE001 - no running backend: fall back to waiting a little
        subscription = subscriber = None

    async def next_change() -> None:
        if subscriber is None:
            await asyncio.sleep(_wait_s)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_wait_s), contextlib.aclosing(subscriber.iter_events()) as events:
                async for _ in events:
                    return

    try:
        yield next_change
    finally:
        if subscription is not None:
            await subscription.__aexit__(None, None, None)


# --------------------------------------------------------------------------- who is expected, and their records


async def members(lst: CheckList) -> list[dict[str, Any]]:
    if lst.kind == "visit":
        where = "r.event = {} AND r.status = 'confirmed' AND tm.team = {}"
        args: tuple = (lst.event_id, lst.team_id)
    else:
        where = "r.event = {} AND r.status = 'confirmed' AND (r.session IS NULL OR r.session = {})"
        args = (lst.event_id, lst.key)
    return await read(
        REGISTRATION.replace("SELECT r.id,", "SELECT r.id, r.ticket_sealed, p.phone,")
        + where
        + " ORDER BY p.last_name, p.first_name, r.id",
        *args,
    )


async def records(lst: CheckList) -> list[dict[str, Any]]:
    return await read(
        "SELECT c.id, c.registration, c.status, c.scanned_at, c.recorded_at, c.flagged, c.exited_at, c.signature, "
        "c.source, c.nonce, c.notes, c.device, COALESCE(u.full_name, c.device) AS by, p.first_name, p.last_name "
        "FROM check_in c LEFT JOIN account_user u ON u.id = c.recorded_by "
        "JOIN registration r ON r.id = c.registration JOIN participant p ON p.id = r.participant "
        f'WHERE c."{lst.kind}" = {{}} ORDER BY c.scanned_at, c.id',
        lst.key,
    )


def split(rows: list[dict[str, Any]]) -> tuple[dict[int, dict], list[dict]]:
    """(the record of each registration, the other rows: duplicates to review)."""
    record: dict[int, dict] = {}
    review = []
    for row in rows:  # ordered by scanned_at: the first unflagged row is the record
        if not row["flagged"] and row["registration"] not in record:
            record[row["registration"]] = row
        else:
            review.append(row)
    return record, review


def counts(expected: list[int], record: dict[int, dict], review: list, ended: bool) -> dict[str, int]:
    """`present` counts everyone who came (présent·e, en retard, parti·e en avance); `late`: those who came late."""
    statuses = [record[r]["status"] for r in record]
    missing = sum(1 for r in expected if r not in record) if ended else 0
    return {
        "expected": len(expected),
        "present": sum(s in PRESENT for s in statuses),
        "late": statuses.count(AttendanceStatus.late),
        "excused": statuses.count(AttendanceStatus.excused),
        "absent": statuses.count(AttendanceStatus.absent) + missing,
        "flagged": len(review),
    }


async def list_status(principal: Principal, list_id: str) -> dict[str, int]:
    lst = await load_list(list_id)
    allow(principal, lst, minimum=Role.viewer)
    record, review = split(await records(lst))
    return counts([m["id"] for m in await members(lst)], record, review, lst.ends_at < utcnow())


async def event_lists(principal: Principal, event_id: int) -> list[dict[str, Any]]:
    """Every list of an event with its figures: today's first, then by start."""
    event = await Event.select(Event.organisation, Event.timezone).where(Event.id == event_id).first()
    if event is None:
        raise NotFound()
    partners = await access.partners_of(event_id)
    check_access(principal, event_id, event["organisation"], partners.co_organisers, partners.all, minimum=Role.viewer)
    lists = await read(
        "SELECT 'session' AS kind, s.id, s.title AS name, s.starts_at, s.ends_at, NULL AS team, NULL AS number, "
        "NULL AS site FROM event_session s WHERE s.event = {} UNION ALL "
        "SELECT 'visit', v.id, site.name, v.starts_at, v.ends_at, t.id, t.number, site.id FROM visit v "
        "JOIN team t ON t.id = v.team JOIN site ON site.id = v.site WHERE t.event = {}",
        event_id,
        event_id,
    )
    regs = await read(
        "SELECT r.id, r.session, tm.team FROM registration r LEFT JOIN team_member tm ON tm.registration = r.id "
        "WHERE r.event = {} AND r.status = 'confirmed'",
        event_id,
    )
    rows = await read(
        "SELECT c.registration, c.session, c.visit, c.status, c.flagged FROM check_in c "
        "JOIN registration r ON r.id = c.registration WHERE r.event = {} ORDER BY c.scanned_at, c.id",
        event_id,
    )
    by_list: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_list[f"session-{row['session']}" if row["session"] else f"visit-{row['visit']}"].append(row)
    tz, now = ZoneInfo(event["timezone"]), utcnow()
    today = now.astimezone(tz).date()
    out = []
    for item in lists:
        list_id = f"{item['kind']}-{item['id']}"
        if item["kind"] == "session":
            expected = [r["id"] for r in regs if r["session"] in (None, item["id"])]
        else:
            expected = [r["id"] for r in regs if r["team"] == item["team"]]
        record, review = split(by_list.get(list_id, []))
        starts, ends = aware(item["starts_at"]), aware(item["ends_at"])
        lst = CheckList(
            list_id,
            item["kind"],
            item["id"],
            event_id,
            event["organisation"],
            partners.co_organisers,
            (),
            "",
            event["timezone"],
            item["name"],
            starts,
            ends,
            item["team"],
            item["number"],
        )
        out.append(
            {
                "id": list_id,
                "kind": item["kind"],
                "title": lst.title,
                "name": item["name"],
                "starts_at": starts,
                "ends_at": ends,
                "team": item["number"],
                "site": item["site"],
                "today": starts.astimezone(tz).date() == today,
                **counts(expected, record, review, ends < now),
            }
        )
    out.sort(key=lambda x: (not x["today"], x["starts_at"], x["team"] or 0))
    return out


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


async def search(principal: Principal, list_id: str, q: str) -> list[dict[str, Any]]:
    """Expected people whose name or phone contains `q` (accents and case ignored; 06… finds +336…)."""
    lst = await load_list(list_id)
    allow(principal, lst)
    q = q.strip()
    if len(q) < 2:
        return []
    needle, digits = _fold(q), re.sub(r"\D", "", q)
    if digits.startswith("0"):
        digits = digits[1:]
    record, _review = split(await records(lst))
    found = []
    for m in await members(lst):
        name = _fold(f"{m['first_name']} {m['last_name']}")
        if (
            needle in name
            or _fold(f"{m['last_name']} {m['first_name']}").startswith(needle)
            or (len(digits) >= 2 and digits in re.sub(r"\D", "", m["phone"]))
        ):
            row = record.get(m["id"])
            found.append(
                {
                    "registration": m["id"],
                    "name": short_name(m["first_name"], m["last_name"]),
                    "team": str(m["team_number"]) if m["team_number"] is not None else None,
                    "status": row["status"] if row else None,
                }
            )
    return found[:20]
