"""A scan on the session's day is a plain green, earlier or later that day; on another day it is recorded but
the phone says which day the session is (the wrong list was probably chosen)."""

from datetime import datetime, timedelta

from checkin import services as checkin
from core.clock import utcnow
from core.settings import get_settings
from events.tables import Session
from tests.factories.checkin import pair_token, scan, scan_event
from tests.support import device_headers, post


async def _session_at(session_id: int, starts_at: datetime) -> None:
    await Session.update({Session.starts_at: starts_at, Session.ends_at: starts_at + timedelta(hours=2)}).where(
        Session.id == session_id
    )
    checkin._lists.clear()


async def test_a_scan_hours_before_a_session_of_the_same_day_is_a_plain_green(client):
    data = await scan_event()
    headers = device_headers(await pair_token(data))
    now = utcnow().replace(microsecond=0)
    tz = get_settings().tz
    midnight = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), datetime.min.time(), tz)
    await _session_at(data["session"].id, now + (midnight - now) / 2)  # later today
    answer = (
        await post(client, "/api/checkin/redeem", scan(data["registrations"][0].ticket_token, data["list"]), headers)
    ).json()
    assert (answer["result"], answer["reason"], answer["status"]) == ("ok", "checked_in", "present")
    assert "session_at" not in answer


async def test_a_scan_days_before_the_session_is_recorded_and_says_the_sessions_day(client):
    data = await scan_event()
    headers = device_headers(await pair_token(data))
    tuesday = utcnow().replace(microsecond=0) + timedelta(days=3)
    await _session_at(data["session"].id, tuesday)
    answer = (
        await post(client, "/api/checkin/redeem", scan(data["registrations"][0].ticket_token, data["list"]), headers)
    ).json()
    assert (answer["result"], answer["reason"]) == ("ok", "other_day")
    assert datetime.fromisoformat(answer["session_at"]) == tuesday
