"""What check-in tells the registration lists (an adviser's youths, an event's registrations): who came.

Kept apart from checkin/receivers.py; app/features.py connects both."""

from __future__ import annotations

from checkin.tables import AttendanceStatus, CheckIn
from core.signals import receiver
from registration import signals as registration_signals

# When a youth has several sessions, the list shows the best of them: they came at least once.
RANK = {
    AttendanceStatus.present: 0,
    AttendanceStatus.late: 1,
    AttendanceStatus.excused: 2,
    AttendanceStatus.absent: 3,
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
