"""The app process killed (SIGKILL) in the middle of a registration burst: after a restart every registration
a youth got an answer for is there, none is half-written (a registration without its youth, its confirmation
message or its place counted), places are never given twice, and the youths who got no answer send the form
again safely: the same copy of the form, sent again, answers with the registration it made, if it made one."""

from __future__ import annotations

import asyncio
import os
import re
import signal

import httpx

from core.db import is_sqlite
from messaging.tables import OutboxMessage
from registration.tables import Participant, Registration, RegistrationStatus
from tests.factories.registration import published_event, youth, youth_phone
from tests.scan_support import ServerProcess
from tests.support import post_form

YOUTHS = 60
CAPACITY = 25


FORMS: dict[int, dict[str, str]] = {}  # youth n's copy of the form, as their phone keeps it to send it again


async def send_form(url: str, token: str, n: int) -> int | None:
    """Youth n sends the form (the copy their phone has, if it got one); the status of the answer, or None when the
    connection broke without one."""
    try:
        async with httpx.AsyncClient(base_url=url, timeout=20) as client:
            if n not in FORMS:
                page = await client.get(f"/e/{token}")
                submission = re.search(r'name="submission" value="([^"]+)"', page.text)
                FORMS[n] = youth(n, email=f"jeune{n}@exemple.fr") | {"submission": submission.group(1)}
            return (await post_form(client, f"/e/{token}", FORMS[n])).status_code
    except httpx.HTTPError:
        return None


async def registrations_made(count: int, within_s: float = 30.0) -> None:
    for _ in range(int(within_s / 0.002)):
        if await Registration.count() >= count:
            return
        await asyncio.sleep(0.002)
    raise AssertionError(f"the server did not make {count} registrations in {within_s} s")


async def statements_under_way_ended(within_s: float = 30.0) -> None:
    """PostgreSQL ends (and commits) the statements a killed app had sent: the database is looked at once they
    are done. SQLite's writes die with the process."""
    if is_sqlite():
        return
    for _ in range(int(within_s / 0.05)):
        busy = await Registration.raw(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state = 'active'"
        )
        if not busy[0]["n"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"statements of the killed app still running after {within_s} s")


async def test_a_killed_app_loses_no_answered_registration_and_half_writes_nothing(tmp_path):
    event = await published_event(capacity=CAPACITY)
    server = ServerProcess(env={"PUBLIC_POSTS_PER_10_MIN": "1000"})
    server.start()
    try:
        # A third of the youths register and get their answers; then the others all at once, and the server is
        # killed once it has made half of the registrations (counted where it writes them: the clients, slower
        # than the server, may not have read their answers yet).
        first = await asyncio.gather(*(send_form(server.url, event.public_token, n) for n in range(1, YOUTHS // 3 + 1)))
        burst = [
            asyncio.create_task(send_form(server.url, event.public_token, n)) for n in range(len(first) + 1, YOUTHS + 1)
        ]
        await registrations_made(YOUTHS // 2)
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        answers = [*first, *await asyncio.gather(*burst)]
    finally:
        server.stop()

    await statements_under_way_ended()
    answered = {n for n, status in zip(range(1, YOUTHS + 1), answers, strict=True) if status == 302}
    unanswered = {n for n, status in zip(range(1, YOUTHS + 1), answers, strict=True) if status is None}
    assert answered and unanswered, answers  # the kill did fall in the middle of the burst

    phones = {row["phone"]: row["id"] for row in await Participant.select(Participant.phone, Participant.id)}
    registered = {row["participant"] for row in await Registration.select(Registration.participant)}
    for n in answered:  # every answered registration is there
        assert phones.get(_e164(youth_phone(n))) in registered, f"youth {n} was answered but is lost"
    for row in await Registration.select(Registration.id, Registration.participant):  # nothing half-written
        assert row["participant"] in phones.values()
        assert await OutboxMessage.count().where(OutboxMessage.recipient == f"jeune{_n_of(row, phones)}@exemple.fr")
    assert await Registration.count().where(Registration.status == RegistrationStatus.confirmed) <= CAPACITY

    restarted = ServerProcess(env={"PUBLIC_POSTS_PER_10_MIN": "1000"})
    restarted.start()
    try:  # the youths left without an answer send the form again
        again = await asyncio.gather(*(send_form(restarted.url, event.public_token, n) for n in sorted(unanswered)))
    finally:
        restarted.stop()
    assert set(again) == {302}, again  # each lands on their page: a registration made before the kill, or a new one
    assert await Registration.count() == len(answered) + len(unanswered)  # each youth once, nobody lost
    confirmed = await Registration.count().where(Registration.status == RegistrationStatus.confirmed)
    assert confirmed == CAPACITY  # the places were all given, and not one more


def _e164(phone: str) -> str:
    return "+33" + phone.replace(" ", "")[1:]


def _n_of(row: dict, phones: dict[str, int]) -> int:
    phone = next(p for p, pid in phones.items() if pid == row["participant"])
    return int(phone[-4:])
