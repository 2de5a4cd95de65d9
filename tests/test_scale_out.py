"""Scale-out: two app processes and one outbox worker on the same database and the same Redis, as a regional
collective runs Tremplin (README, "Scale-out"). Registrations through both never overbook; a login on one is
valid on the other; the public form's rate limit counts across both; a check-in through one redraws the other's
live board at once; the one worker sends what both queued, once each.

On the SQLite run the two processes share one database file: the same test shows that this is safe too
(writers take turns, core.db)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as redis

from messaging.tables import DeliveryStatus, OutboxMessage
from registration.tables import Registration, RegistrationStatus
from tests.factories.checkin import scan_event
from tests.factories.registration import published_event, youth
from tests.scan_support import ServerProcess
from tests.support import SmtpServer, login, post_form

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_POSTS = 40  # the rate limit the two processes share, per IP and 10 minutes

pytestmark = pytest.mark.xdist_group("scale_out")  # one pair of servers for the module


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def two_apps(redis_url: str, mail: SmtpServer, tmp_path_factory) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    # Texts go out at any hour in these stories: a text's hour is set when it is queued, by the app process.
    env = {"REDIS_URL": redis_url, "PUBLIC_POSTS_PER_10_MIN": str(PUBLIC_POSTS), "QUIET_HOURS": ""}
    apps = (ServerProcess(env=env), ServerProcess(env=env))
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    worker_env = {
        **os.environ,
        **env,
        "TREMPLIN_WORKER": "external",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
    }
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        for app in apps:
            app.start()
        yield apps
    finally:
        for app in apps:
            app.stop()
        worker.kill()
        worker.wait(timeout=10)


@pytest.fixture(autouse=True)
async def fresh_redis(redis_url: str) -> None:
    """Each story starts with no counters and no sessions left by the one before."""
    connection = redis.Redis.from_url(redis_url)
    try:
        await connection.flushdb()
    finally:
        await connection.aclose()


def clients(*apps: ServerProcess) -> list[httpx.AsyncClient]:
    return [httpx.AsyncClient(base_url=app.url, timeout=30) for app in apps]


async def test_registrations_through_both_processes_never_overbook_and_the_worker_sends_each_once(two_apps, mail):
    event = await published_event(capacity=10)
    first, second = two_apps

    async def register(n: int) -> int:
        async with httpx.AsyncClient(base_url=(first if n % 2 else second).url, timeout=30) as client:
            await client.get(f"/e/{event.public_token}")
            answer = await post_form(client, f"/e/{event.public_token}", youth(n, email=f"jeune{n}@exemple.fr"))
            return answer.status_code

    answers = await asyncio.gather(*(register(n) for n in range(1, 31)))
    assert answers == [302] * 30  # every youth got an answer: a place or the waiting list
    assert await Registration.count().where(Registration.status == RegistrationStatus.confirmed) == 10
    assert await Registration.count().where(Registration.status == RegistrationStatus.waiting) == 20

    emails = await OutboxMessage.count().where(OutboxMessage.channel == "email")
    assert emails == 30  # one confirmation each, whichever process took the registration
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if await OutboxMessage.count().where(OutboxMessage.status != DeliveryStatus.sent) == 0:
            break
        await asyncio.sleep(0.2)
    assert await OutboxMessage.count().where(OutboxMessage.status != DeliveryStatus.sent) == 0
    received = await mail.wait_for(30, seconds=10)
    assert sorted(m["To"] for m in received) == sorted(f"jeune{n}@exemple.fr" for n in range(1, 31))


async def test_a_login_on_one_process_is_valid_on_the_other(two_apps):
    data = await scan_event(youths=1)
    first, second = two_apps
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as one:
        assert (await login(one, data["user"].email)).status_code == 302
        cookies = dict(one.cookies)
    async with httpx.AsyncClient(base_url=second.url, timeout=30, cookies=cookies) as other:
        home = await other.get("/", follow_redirects=False)
        assert home.status_code == 200 and "Job dating du jour" in home.text


async def test_the_public_forms_rate_limit_counts_across_both_processes(two_apps):
    event = await published_event(capacity=None)
    answers: list[int] = []
    for n in range(1, PUBLIC_POSTS + 11):  # one at a time: the order of the answers is the order of the posts
        app = two_apps[n % 2]
        async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
            await client.get(f"/e/{event.public_token}")
            answers.append((await post_form(client, f"/e/{event.public_token}", youth(n))).status_code)
    assert answers[:PUBLIC_POSTS] == [302] * PUBLIC_POSTS
    assert answers[PUBLIC_POSTS:] == [429] * 10  # both processes refuse once the shared count is reached
    assert await Registration.count() == PUBLIC_POSTS


async def test_a_check_in_through_one_process_redraws_the_others_live_board_at_once(two_apps):
    data = await scan_event(youths=2)
    event_id, list_id = data["event"].id, data["list"]
    first, second = two_apps
    board = f"/events/{event_id}/checkin/board"
    async with (
        httpx.AsyncClient(base_url=first.url, timeout=30) as one,
        httpx.AsyncClient(base_url=second.url, timeout=30) as other,
    ):
        await login(one, data["user"].email)
        await login(other, data["user"].email)
        shown = await other.get(board)
        version = re.search(r"v=([0-9a-f]{16})", shown.text)
        assert shown.status_code == 200 and version, shown.text[:500]

        waiting = asyncio.create_task(other.get(board, params={"v": version.group(1)}))
        await asyncio.sleep(0.5)  # the board on the second process is waiting for a change
        assert not waiting.done()
        started = time.monotonic()
        registration = data["registrations"][0].id
        status = f"/events/{event_id}/checkin/lists/{list_id}/status"
        marked = await post_form(one, status, {"registration": str(registration), "status": "present"})
        assert marked.status_code in (302, 303)
        redrawn = await asyncio.wait_for(waiting, timeout=10)
        elapsed = time.monotonic() - started
    assert redrawn.status_code == 200 and redrawn.text != shown.text
    assert elapsed < 2.0, f"the other process's board answered after {elapsed:.1f} s"
