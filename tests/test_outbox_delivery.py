"""The outbox delivers e-mail and SMS once in effect: retries, failures, invitations, a killed worker, two workers."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email.message import Message
from pathlib import Path

import pytest

from core.clock import utcnow
from core.db import is_sqlite, write_transaction
from messaging import outbox
from messaging.email import message_id_for
from messaging.services import delivery_counts, recent_messages
from messaging.tables import DeliveryStatus, OutboxMessage, OutboxWorker
from tests.factories.accounts import make_organisation
from tests.factories.messaging import queued_messages
from tests.sms_support import API_KEY, SECRET, SmsServer
from tests.support import SmtpServer, free_port

ROOT = Path(__file__).resolve().parent.parent
INVITATION = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tremplin//FR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    "UID:session-1@tremplin\r\nDTSTAMP:20260310T090000Z\r\nDTSTART:20260312T090000Z\r\n"
    "DTEND:20260312T110000Z\r\nSUMMARY:Information collective\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


class SlowAckSmtpServer(SmtpServer):
    """Keeps the message, then waits before saying 250: a worker killed meanwhile never learns it went out."""

    ack_delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(self.ack_delay)
        return reply


@pytest.fixture
def sms_server():
    server = SmsServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_server():
    server = SlowAckSmtpServer()
    server.start()
    yield server
    server.stop()


def configured(settings, mail: SmtpServer, sms: SmsServer):
    return dataclasses.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=mail.port,
        sms_provider="brevo",
        sms_api_key=API_KEY,
        sms_api_url=sms.url,
    )


async def _row(key: str) -> OutboxMessage:
    return await OutboxMessage.objects().where(OutboxMessage.idempotency_key == key).first()


async def _make_due_now() -> None:
    async with write_transaction():
        await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow() - timedelta(seconds=1)}).where(
            OutboxMessage.status == DeliveryStatus.queued
        )


# --- one process ------------------------------------------------------------------------------------------


async def test_an_invitation_goes_out_as_a_calendar_part(settings, mail_server, sms_server):
    async with write_transaction():
        await outbox.enqueue_email(
            to="ines@exemple.fr",
            subject="Invitation",
            text="Venez !",
            html="<p>Venez !</p>",
            key="invite:1",
            attachment=INVITATION,
            attachment_method="request",
        )
    await outbox.deliver_due(configured(settings, mail_server, sms_server))
    [mail] = await mail_server.wait_for(1)
    types = [part.get_content_type() for part in mail.walk()]
    assert types[:5] == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    calendar = next(part for part in mail.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST" and calendar.get_content_charset() == "utf-8"
    assert "SUMMARY:Information collective" in calendar.get_content()
    attached = [part for part in mail.walk() if part.get_filename() == "invitation.ics"]
    assert len(attached) == 1 and b"METHOD:REQUEST" in attached[0].get_payload(decode=True)
    row = await _row("invite:1")
    assert mail["Message-ID"] == message_id_for(settings, "invite:1") == row.provider_message_id
    assert row.status == "sent" and row.sent_at is not None


async def test_a_cancellation_is_sent_with_method_cancel(settings, mail_server, sms_server):
    async with write_transaction():
        await outbox.enqueue_email(
            to="ines@exemple.fr",
            subject="Annulation",
            text="Annulé",
            key="cancel:1",
            attachment=INVITATION.replace("METHOD:REQUEST", "METHOD:CANCEL"),
            attachment_method="CANCEL",
        )
    await outbox.deliver_due(configured(settings, mail_server, sms_server))
    [mail] = await mail_server.wait_for(1)
    calendar = next(part for part in mail.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "CANCEL"


async def test_sms_retried_after_a_server_error_then_sent(settings, mail_server, sms_server):
    conf = configured(settings, mail_server, sms_server)
    async with write_transaction():
        await outbox.enqueue_sms(to="06 12 34 56 78", text="Rappel : demain 9h", key="sms:1", urgent=True)
    sms_server.script.append(500)
    assert await outbox.deliver_due(conf) == 1
    row = await _row("sms:1")
    assert row.status == "queued" and row.attempts == 1 and "500" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)  # backoff
    assert await outbox.deliver_due(conf) == 0  # not due yet
    await _make_due_now()
    await outbox.deliver_due(conf)
    row = await _row("sms:1")
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""
    [arrival] = sms_server.arrivals
    assert arrival.reference == "sms:1" and arrival.to == "33612345678"
    assert row.provider_message_id == "1511882900176220"
    assert sms_server.lookups == ["sms:1"]  # the retry looked for an earlier copy first


async def test_sms_refused_by_the_provider_fails_with_its_reason(settings, mail_server, sms_server):
    sms_server.bad_numbers.add("33612345678")
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="Bonjour", key="sms:2", urgent=True)
    await outbox.deliver_due(configured(settings, mail_server, sms_server))
    row = await _row("sms:2")
    assert row.status == "failed" and "Invalid recipient" in row.last_error and "400" in row.last_error


async def test_a_malformed_address_fails_only_its_own_message(settings, mail_server, sms_server):
    async with write_transaction():
        await outbox.enqueue_sms(to="06 12", text="a", key="bad-phone", urgent=True)
        await outbox.enqueue_sms(to="01 42 68 53 00", text="b", key="landline", urgent=True)
        await outbox.enqueue_email(to="pas-une-adresse", subject="S", text="c", key="bad-mail")
        await outbox.enqueue_sms(to="+33612345678", text="d", key="good-phone", urgent=True)
        await outbox.enqueue_email(to="ok@exemple.fr", subject="S", text="e", key="good-mail")
    await outbox.deliver_due(configured(settings, mail_server, sms_server))
    rows = {r.idempotency_key: r for r in await OutboxMessage.objects()}
    assert {k: r.status for k, r in rows.items()} == {
        "bad-phone": "failed",
        "landline": "failed",
        "bad-mail": "failed",
        "good-phone": "sent",
        "good-mail": "sent",
    }
    assert "06 12" in rows["bad-phone"].last_error and "portable" in rows["landline"].last_error  # in French
    assert "pas-une-adresse" in rows["bad-mail"].last_error
    assert [a.reference for a in sms_server.arrivals] == ["good-phone"] and len(mail_server.messages) == 1


async def test_an_interrupted_brevo_send_is_found_not_sent_again(settings, mail_server, sms_server):
    """The worker died after Brevo took the text: the next worker finds it by its tag and records it."""
    conf = configured(settings, mail_server, sms_server)
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="Rappel", key="sms:3", urgent=True)
    messages, _lease = await outbox._claim(10, timedelta(seconds=60))  # worker 1 claims…
    import httpx

    from messaging.sms import provider_from

    async with httpx.AsyncClient() as client:  # …sends, and dies before recording anything
        await provider_from(conf, client).send(to="+33612345678", text="Rappel", sender="Tremplin", reference="sms:3")
    async with write_transaction():  # its lease runs out
        await OutboxMessage.update({OutboxMessage.claimed_until: utcnow() - timedelta(seconds=1)}).where(
            OutboxMessage.id == messages[0].id
        )
    assert await outbox.deliver_due(conf) == 1
    row = await _row("sms:3")
    assert row.status == "sent" and row.attempts == 2 and row.provider_message_id == "1511882900176220"
    assert len(sms_server.arrivals) == 1


async def test_a_text_the_gateway_took_too_long_to_accept_is_looked_up_not_sent_again(settings, sms_server):
    conf = dataclasses.replace(
        settings,
        sms_provider="webhook",
        sms_webhook_url=f"{sms_server.url}/gateway",
        sms_webhook_secret=SECRET,
        outbox_lease_seconds=3,  # a send may take one second
    )
    sms_server.delay = 2.0  # the gateway takes the text, and answers too late
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="Rappel", key="slow-gw", urgent=True)
    await outbox.deliver_due(conf)
    row = await _row("slow-gw")
    assert row.status == "queued" and "1" in row.last_error and len(sms_server.arrivals) == 1
    sms_server.delay = 0.0
    await _make_due_now()
    await outbox.deliver_due(conf)
    row = await _row("slow-gw")
    assert row.status == "sent" and row.provider_message_id.startswith("gw-")
    assert sms_server.lookups == ["slow-gw"] and len(sms_server.arrivals) == 1  # found, not sent again


async def test_a_message_that_keeps_killing_its_worker_ends_up_failed(settings, mail_server, sms_server):
    async with write_transaction():
        await outbox.enqueue_email(to="ok@exemple.fr", subject="S", text="t", key="poison")
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.sending,
                OutboxMessage.attempts: outbox.MAX_INTERRUPTIONS,
                OutboxMessage.interruptions: outbox.MAX_INTERRUPTIONS - 1,  # this claim finds it interrupted again
                OutboxMessage.claimed_until: utcnow() - timedelta(seconds=1),
            }
        ).where(OutboxMessage.idempotency_key == "poison")
    await outbox.deliver_due(configured(settings, mail_server, sms_server))
    row = await _row("poison")
    assert row.status == "failed" and "interrompu" in row.last_error and mail_server.messages == []


async def test_a_short_lease_gives_back_what_it_cannot_send_in_time(settings, mail_server, sms_server):
    # Each send takes 1 s and may take up to 2 s (a third of the 6 s lease), so sends may start during the
    # first 4 s: 8 at a time, waves start at 0, 1, 2, 3 and 4 s; the sixth wave is given back. The margins
    # are whole seconds so a loaded machine does not turn a slow send into a time-out.
    conf = dataclasses.replace(configured(settings, mail_server, sms_server), outbox_lease_seconds=6)
    sms_server.delay = 1.0
    async with write_transaction():
        for n in range(48):
            await outbox.enqueue_sms(to=f"+336120000{n:02d}", text="t", key=f"lease:{n}", urgent=True)
    await outbox.deliver_due(conf)
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.attempts)
    sent = [r for r in rows if r["status"] == "sent"]
    given_back = [r for r in rows if r["status"] == "queued"]
    assert sent and given_back and len(sent) + len(given_back) == 48
    assert all(r["attempts"] == 0 for r in given_back)  # not counted: never tried
    assert len(sms_server.arrivals) == len(sent)


async def test_delivery_counts_and_recent_messages(settings, mail_server, sms_server):
    ml, other = await make_organisation("ML Drôme"), await make_organisation("ML Ardèche")
    async with write_transaction():
        await outbox.enqueue_email(to="a@exemple.fr", subject="S", text="t", key="c:1", organisation_id=ml.id)
        await outbox.enqueue_sms(to="06 12", text="t", key="c:2", organisation_id=ml.id, urgent=True)
        await outbox.enqueue_email(to="b@exemple.fr", subject="S", text="t", key="c:3", organisation_id=other.id)
    await outbox.deliver_due(configured(settings, mail_server, sms_server), limit=2)
    counts = await delivery_counts([ml.id])
    assert counts == {"queued": 0, "sending": 0, "sent": 1, "delivered": 0, "failed": 1}
    assert (await delivery_counts([other.id]))["queued"] == 1 and await delivery_counts([]) == dict.fromkeys(counts, 0)
    recent = await recent_messages([ml.id], limit=1)
    assert [r["recipient"] for r in recent] == ["06 12"] and recent[0]["channel"] == "sms"
    assert "body_text" not in recent[0]


async def test_an_email_is_retried_for_a_day_with_a_growing_wait_then_failed(settings, mail_server, sms_server):
    conf = dataclasses.replace(configured(settings, mail_server, sms_server), smtp_port=free_port())  # nobody there
    async with write_transaction():
        await outbox.enqueue_email(to="ines@exemple.fr", subject="S", text="t", key="down")

    async def tried_after(hours_since_first_try: float) -> OutboxMessage:
        async with write_transaction():
            await OutboxMessage.update(
                {OutboxMessage.first_attempt_at: utcnow() - timedelta(hours=hours_since_first_try)}
            ).where(OutboxMessage.first_attempt_at.is_not_null())
        await _make_due_now()
        before = utcnow()
        await outbox.deliver_due(conf)
        row = await _row("down")
        row.wait = row.next_attempt_at - before
        return row

    await outbox.deliver_due(conf)
    row = await _row("down")
    assert row.status == "queued" and row.first_attempt_at is not None
    assert timedelta(seconds=20) < row.next_attempt_at - utcnow() <= timedelta(seconds=30)
    for _ in range(outbox.MAX_ATTEMPTS + 2):  # more tries than there used to be in all
        row = await tried_after(2)
    assert row.status == "queued" and row.attempts == outbox.MAX_ATTEMPTS + 3
    assert (
        timedelta(minutes=59) < row.wait < outbox.BACKOFF_CAP + timedelta(seconds=5)
    )  # the wait stops growing at an hour
    row = await tried_after(23.5)
    assert row.status == "queued" and timedelta(minutes=29) < row.wait < timedelta(
        minutes=30, seconds=5
    )  # at the day's end
    row = await tried_after(24)
    assert row.status == "failed" and row.last_error and mail_server.messages == []


async def test_messages_of_a_worker_that_is_gone_go_out_well_before_its_lease_ends(
    settings, mail_server, sms_server, start_worker
):
    ended = await asyncio.create_subprocess_exec("true")  # a worker's process that was here and is no more
    await ended.wait()
    silent = utcnow() - outbox.gone_after(settings) - timedelta(seconds=1)
    async with write_transaction():
        await OutboxWorker.insert(
            OutboxWorker(name="killed", machine=outbox.MACHINE, pid=ended.pid, pid_started="1"),
            OutboxWorker(name="silent", machine="another machine", pid=1, seen_at=silent),
            OutboxWorker(name="busy", machine="another machine", pid=1),
        )
        for n, worker in enumerate(["killed", "killed", "silent", "busy"]):
            await outbox.enqueue_email(to=f"j{n}@exemple.fr", subject="S", text="t", key=f"held:{n}")
            await OutboxMessage.update(
                {
                    OutboxMessage.status: DeliveryStatus.sending,
                    OutboxMessage.claimed_by: worker,
                    OutboxMessage.claimed_until: utcnow() + timedelta(seconds=120),
                    OutboxMessage.attempts: 1,
                }
            ).where(OutboxMessage.idempotency_key == f"held:{n}")
    start_worker(configured(settings, mail_server, sms_server))
    await mail_server.wait_for(3, seconds=5)
    rows = {r.idempotency_key: r for r in await OutboxMessage.objects()}
    assert sorted(m["Message-ID"] for m in mail_server.messages) == sorted(
        message_id_for(settings, f"held:{n}") for n in range(3)
    )
    assert all(rows[f"held:{n}"].interruptions == 1 and rows[f"held:{n}"].attempts == 2 for n in range(3))
    assert rows["held:3"].status == "sending"  # its worker is alive elsewhere: still its own
    names = {w["name"] for w in await OutboxWorker.select(OutboxWorker.name)}
    assert "busy" in names and not names & {"killed", "silent"} and len(names) == 2  # and this worker


# --- one worker: a lane per channel, slots refilled one by one ------------------------------------------


@pytest.fixture
async def start_worker():
    """Runs `outbox.run_worker` in the test's loop; stops it (as the app does at shutdown) at the end."""
    tasks: list[asyncio.Task] = []

    def start(conf) -> asyncio.Task:
        tasks.append(asyncio.create_task(outbox.run_worker(conf, idle_seconds=0.5)))
        return tasks[-1]

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_slow_sms_provider_does_not_hold_back_emails(settings, mail_server, sms_server, start_worker):
    sms_server.delay = 1.0  # each text takes a second to be accepted
    async with write_transaction():
        for n in range(16):
            await outbox.enqueue_sms(to=f"+336120000{n:02d}", text="t", key=f"slow:{n}", urgent=True)
        for n in range(3):
            await outbox.enqueue_email(to=f"jeune{n}@exemple.fr", subject="S", text="t", key=f"quick:{n}")
    start_worker(configured(settings, mail_server, sms_server))
    await mail_server.wait_for(3, seconds=5)
    # The e-mails went out while the first eight texts were still waiting for Brevo's answer.
    assert len(sms_server.arrivals) <= outbox.CONCURRENCY
    await sms_server.wait_for(16, seconds=10)


async def test_a_text_queued_during_a_slow_send_goes_out_without_waiting_for_it(
    settings, mail_server, sms_server, start_worker
):
    sms_server.delays["33612000099"] = 4.0  # one text is slow to be accepted
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612000099", text="t", key="slow", urgent=True)
    start_worker(configured(settings, mail_server, sms_server))
    await sms_server.wait_for(1, seconds=5)
    async with write_transaction():
        for n in range(3):
            await outbox.enqueue_sms(to=f"+336120000{n:02d}", text="t", key=f"next:{n}", urgent=True)
    outbox.wake()
    await sms_server.wait_for(4, seconds=2)  # not after the slow one: its slot alone is taken
    assert (await _row("slow")).status == "sending"
    await _drained(10)
    assert sorted(sms_server.references()) == ["next:0", "next:1", "next:2", "slow"]


# --- real worker processes --------------------------------------------------------------------------------


def _start_worker(mail: SmtpServer, sms: SmsServer, log: Path, **extra: str) -> subprocess.Popen:
    env = {
        **os.environ,  # DATABASE_URL, TREMPLIN_VAR_DIR and TREMPLIN_ENV of this test run
        "TREMPLIN_WORKER": "external",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "SMS_PROVIDER": "brevo",
        "SMS_API_KEY": API_KEY,
        "SMS_API_URL": sms.url,
        "OUTBOX_LEASE_SECONDS": "2",
        **extra,
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def _drained(seconds: float, *logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await OutboxMessage.count().where(OutboxMessage.status != DeliveryStatus.sent) == 0:
            return
        await asyncio.sleep(0.2)
    left = await OutboxMessage.select(OutboxMessage.idempotency_key, OutboxMessage.status, OutboxMessage.last_error)
    output = "".join(log.read_text() for log in logs)
    raise AssertionError(f"outbox not drained: {[r for r in left if r['status'] != 'sent'][:5]}…\n{output}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def _mail_ids(messages: list[Message]) -> list[str]:
    return [m["Message-ID"] for m in messages]


async def test_a_worker_killed_mid_batch_loses_nothing_and_sends_each_message_once_in_effect(
    settings, mail_server, sms_server, tmp_path, record_property
):
    mail_server.ack_delay = 0.03
    sms_server.delay = 0.03
    keys = await queued_messages(emails=30, texts=30)
    log = tmp_path / "worker.log"
    # The lease is long: the messages the killed worker held go back at once, not when it runs out.
    first = _start_worker(mail_server, sms_server, log, OUTBOX_LEASE_SECONDS="120")
    try:
        deadline = time.monotonic() + 30
        while len(mail_server.messages) + len(sms_server.arrivals) < 15:
            assert first.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        _stop(first)
    at_kill = Counter(r["status"] for r in await OutboxMessage.select(OutboxMessage.status))
    assert at_kill["sent"] < 60, at_kill  # the kill interrupted the work
    arrived_before_restart = len(mail_server.messages) + len(sms_server.arrivals)

    second = _start_worker(mail_server, sms_server, log, OUTBOX_LEASE_SECONDS="120")
    try:
        await _drained(30, log)
    finally:
        _stop(second)

    expected_mail = {message_id_for(settings, k) for k in keys if k.startswith("mail:")}
    expected_sms = {k for k in keys if k.startswith("sms:")}
    mail_ids, references = _mail_ids(mail_server.messages), sms_server.references()
    # Exactly once in effect: counted by idempotency key, every message arrived, none is unknown.
    assert set(mail_ids) == expected_mail and set(references) == expected_sms
    assert len(set(mail_ids)) + len(set(references)) == 60
    raw_mail_copies = len(mail_ids) - len(set(mail_ids))
    raw_sms_copies = len(references) - len(set(references))
    assert raw_sms_copies == 0  # Brevo: the retry found the first copy by its tag and did not send again
    # E-mail: only those whose DATA the server had taken when the worker died can arrive twice (same Message-ID).
    assert raw_mail_copies <= outbox.CONCURRENCY
    rows = await OutboxMessage.objects()
    assert all(r.status == "sent" and r.provider_message_id for r in rows)
    report = (
        f"killed with statuses {dict(at_kill)} after {arrived_before_restart} arrivals; "
        f"raw duplicates: {raw_mail_copies} e-mail (same Message-ID), {raw_sms_copies} SMS; "
        f"Brevo lookups before a resend: {len(sms_server.lookups)}"
    )
    record_property("crash_report", report)
    print("\ncrash test:", report)


async def test_two_workers_never_send_the_same_message(settings, mail_server, sms_server, tmp_path, record_property):
    sms_server.delay = 0.05
    keys = await queued_messages(emails=20, texts=100)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [
        _start_worker(mail_server, sms_server, logs[0], SMS_SENDER="WorkerA", OUTBOX_LEASE_SECONDS="30"),
        _start_worker(mail_server, sms_server, logs[1], SMS_SENDER="WorkerB", OUTBOX_LEASE_SECONDS="30"),
    ]
    try:
        await _drained(60, *logs)
    finally:
        for worker in workers:
            _stop(worker)
    references, mail_ids = sms_server.references(), _mail_ids(mail_server.messages)
    # No crash here, so not even a raw copy: each message went out exactly once.
    assert sorted(references) == sorted(k for k in keys if k.startswith("sms:"))
    assert sorted(mail_ids) == sorted(message_id_for(settings, k) for k in keys if k.startswith("mail:"))
    rows = await OutboxMessage.select(OutboxMessage.attempts, OutboxMessage.status)
    assert all(r["attempts"] == 1 and r["status"] == "sent" for r in rows)
    by_worker = Counter(a.sender for a in sms_server.arrivals)
    output = "".join(log.read_text() for log in logs)
    if is_sqlite():
        # One writer at a time: each claim is one IMMEDIATE transaction, so the second worker waits for the
        # first one's claim to commit and then sees those rows as taken; the wait never turns into an error.
        assert "database is locked" not in output and "Traceback" not in output, output
        assert sum(by_worker.values()) == 100
    else:
        # FOR UPDATE SKIP LOCKED: both workers claim batches at the same time, each row goes to one of them.
        assert set(by_worker) == {"WorkerA", "WorkerB"}, (by_worker, output)
        assert "Traceback" not in output, output
    record_property("two_workers", dict(by_worker))
    print("\ntwo workers:", dict(by_worker), "engine:", "sqlite" if is_sqlite() else "postgresql")


async def test_a_worker_stopped_mid_batch_finishes_what_it_started_and_nothing_goes_twice(
    settings, mail_server, sms_server, tmp_path
):
    mail_server.ack_delay = 0.05
    sms_server.delay = 0.05
    keys = await queued_messages(emails=30, texts=30)
    log = tmp_path / "worker.log"
    first = _start_worker(mail_server, sms_server, log, OUTBOX_LEASE_SECONDS="120")
    try:
        deadline = time.monotonic() + 30
        while len(mail_server.messages) + len(sms_server.arrivals) < 15:
            assert first.poll() is None and time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.005)
        first.send_signal(signal.SIGTERM)  # a deploy, systemd stopping the service
        assert await asyncio.to_thread(first.wait, 15) == 0, log.read_text()
    finally:
        _stop(first)
    statuses = Counter(r["status"] for r in await OutboxMessage.select(OutboxMessage.status))
    assert statuses["sending"] == 0 and statuses["sent"] < 60, statuses  # what it started was recorded
    assert await OutboxWorker.count() == 0  # it said it was gone

    second = _start_worker(mail_server, sms_server, log, OUTBOX_LEASE_SECONDS="120")
    try:
        await _drained(30, log)
    finally:
        _stop(second)
    assert sorted(_mail_ids(mail_server.messages)) == sorted(message_id_for(settings, k) for k in keys if "mail" in k)
    assert sorted(sms_server.references()) == sorted(k for k in keys if k.startswith("sms:"))
    assert sms_server.lookups == []  # nothing was interrupted: nothing to look up


async def test_an_outage_of_the_smtp_server_and_the_sms_provider_delays_messages_without_losing_or_doubling_any(
    settings, sms_server, tmp_path
):
    mail = SlowAckSmtpServer()  # not started yet: the SMTP server is down, connections are refused
    sms_server.down = True  # and the SMS provider answers 503
    keys = await queued_messages(emails=20, texts=40)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [_start_worker(mail, sms_server, path, OUTBOX_LEASE_SECONDS="30") for path in logs]
    try:
        deadline = time.monotonic() + 30
        while await OutboxMessage.count().where(
            (OutboxMessage.status != DeliveryStatus.queued) | (OutboxMessage.attempts == 0)
        ):
            assert time.monotonic() < deadline, "".join(log.read_text() for log in logs)
            await asyncio.sleep(0.1)
        # Every message was tried and is waiting for its next try; the services come back.
        mail.start()
        sms_server.down = False
        await _make_due_now()  # rather than wait for the backoff
        await _drained(30, *logs)
    finally:
        for worker in workers:
            _stop(worker)
        mail.stop()
    assert sorted(_mail_ids(mail.messages)) == sorted(message_id_for(settings, k) for k in keys if "mail" in k)
    assert sorted(sms_server.references()) == sorted(k for k in keys if k.startswith("sms:"))
    rows = await OutboxMessage.select(OutboxMessage.attempts, OutboxMessage.last_error)
    assert all(r["attempts"] >= 2 and r["last_error"] == "" for r in rows)
