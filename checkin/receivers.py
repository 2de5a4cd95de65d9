"""What check-in adds to the features below it: who came, and the paired phones' identities."""

from __future__ import annotations

from typing import Any

from accounts import signals as accounts_signals
from checkin import presence
from checkin.services import PRESENT, came
from checkin.tables import AttendanceStatus, CheckIn, Device
from checkin.tickets import DevicePrincipal, device_principal
from core.clock import utcnow
from core.db import marks, read
from core.signals import receiver
from events import signals as events_signals
from events.tables import Event
from registration import signals as registration_signals


@receiver(events_signals.figures_wanted)
async def present_by_event(*, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many people came to each event (present, late or left early), counted by the database: every event
    list and the console's home ask (plain SQL: Piccolo's join building cost more than the count). Reached from
    the events' sessions, so only their check-ins are read, not every registration of a large event."""
    if not event_ids:
        return {}
    rows = await read(
        "SELECT s.event, count(DISTINCT c.registration) AS n FROM event_session s "
        "JOIN check_in c ON c.session = s.id "
        f"WHERE s.event IN ({marks(event_ids)}) "
        f"AND c.status IN ({', '.join(repr(status.value) for status in PRESENT)}) GROUP BY s.event",
        *event_ids,
    )
    return {row["event"]: {"present": row["n"]} for row in rows}


# When a youth has several sessions, the list shows the best of them: they came at least once.
RANK = {
    AttendanceStatus.present: 0,
    AttendanceStatus.late: 1,
    AttendanceStatus.left_early: 2,
    AttendanceStatus.excused: 3,
    AttendanceStatus.absent: 4,
}


@receiver(registration_signals.attendance_wanted)
async def attendance(*, registration_ids: list[int]) -> dict[int, str]:
    rows = await CheckIn.select(CheckIn.registration, CheckIn.status).where(
        CheckIn.registration.is_in(registration_ids or [-1])
    )
    best: dict[int, str] = {}
    for row in rows:
        known = best.get(row["registration"])
        if row["status"] in RANK and (known is None or RANK[row["status"]] < RANK[known]):
            best[row["registration"]] = row["status"]
    return best


@receiver(accounts_signals.device_presented)
async def device(*, token: str) -> DevicePrincipal:
    return await device_principal(token)


@receiver(accounts_signals.member_left)
async def phones_of_a_member_who_left(*, user_id: int, organisation_id: int) -> None:
    """The phones they paired for the organisation's events stop checking people in."""
    events = Event.select(Event.id).where(Event.organisation == organisation_id)
    await Device.update({Device.revoked_at: utcnow()}).where(
        (Device.created_by == user_id) & Device.event.is_in(events) & Device.revoked_at.is_null()
    )


@receiver(registration_signals.attendance_by_session)
async def attendance_by_session(*, registration_ids: list[int]) -> dict[int, dict[int, str]]:
    rows = await CheckIn.select(CheckIn.registration, CheckIn.session, CheckIn.status).where(
        CheckIn.registration.is_in(registration_ids or [-1]) & CheckIn.session.is_not_null()
    )
    best: dict[int, dict[int, str]] = {}
    for row in rows:
        sessions = best.setdefault(row["registration"], {})
        known = sessions.get(row["session"])
        if row["status"] in RANK and (known is None or RANK[row["status"]] < RANK[known]):
            sessions[row["session"]] = row["status"]
    return best


@receiver(registration_signals.attended_time)
async def attended_time(*, registration_ids: list[int]) -> dict[int, dict[int, int]]:
    return await presence.minutes_by_session(registration_ids)


@receiver(registration_signals.came_to)
async def came_to() -> Any:
    return came()
