"""Write messages in the caller's transaction; deliver them afterwards, each once in effect.

Writing: `enqueue_email`, `enqueue_sms` and `enqueue_webhook` must be called inside the caller's
`write_transaction()`, next to the change that causes the message, so that both are saved or neither is.
They are idempotent by `key` (a second call with the same key changes nothing). Call `wake()` after the commit.

Delivering (`run_worker`, one `Worker` per process): a lane per channel (e-mail, SMS, webhook) keeps up to
CONCURRENCY sends going; as soon as one ends the lane claims the next due message of its channel, so a slow
SMS provider never holds back e-mails, and nothing waits for a whole batch. A claim (`FOR UPDATE SKIP LOCKED`
on PostgreSQL, the one write lock on SQLite) marks rows `sending`, by this worker, with a lease of
OUTBOX_LEASE_SECONDS; the outcome of each send is recorded as soon as it is known. `deliver_due` delivers
what is due once (tests, scripts). The rules that keep a message from going out twice:

* a worker starts a send only while its lease has at least one send timeout left and its heartbeat is
  fresh, and every send is cut at that timeout: no send outlives its lease, nor its worker's last heartbeat
  by more than `gone_after`, so no other worker takes a message while it is being sent;
* each worker heartbeats (`OutboxWorker`); the rows of a worker that is gone go back to the queue: at once
  when it ran on this machine and its process no longer exists (killed, crashed), after `gone_after` of
  silence otherwise (about 45 s with the default lease), after the lease when nothing else is known;
* a worker that is stopped (SIGTERM, the app shutting down) claims nothing more and lets the sends under
  way finish and be recorded before it exits, so a restart duplicates nothing;
* a message taken back from a vanished worker is sent again with the same idempotency key: the same
  Message-ID for an e-mail (see `email.message_id_for`), the same reference for a text (Brevo's tag, the
  gateway's Idempotency-Key), and for texts the provider is first asked whether it already took it
  (`FindsSent`): if so, it is recorded, not sent again. SMTP has no such question: an e-mail goes out twice
  only when its worker dies between the end of DATA and the recording of the server's answer (README,
  "Messages: what once means");
* a message whose worker vanishes MAX_INTERRUPTIONS times in its sends is failed (it may be what kills it).

Errors: `TemporaryFailure` puts the message back with a backoff (30 s, doubling, at most BACKOFF_CAP);
e-mails and texts are retried for RETRY_FOR after their first try, webhooks MAX_ATTEMPTS times (the
webhooks package disables an endpoint that keeps failing). `PermanentFailure` fails the message with the
reason; organisers can queue failed messages again from the console (`retry_failed`). A malformed address
or number fails that message only. docs/state-machines.md draws the states of a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from core import signals
from core.clock import utcnow
from core.db import is_sqlite, sql, write_transaction
from core.i18n import _, language
from core.settings import Settings, get_settings
from messaging import senders
from messaging import signals as messaging_signals
from messaging.email import PermanentFailure, TemporaryFailure, build_email, check_address, message_id_for, send_email
from messaging.sms import FindsSent, SmsProvider, gsm7_friendly, normalise_phone, provider_from
from messaging.tables import Channel, DeliveryStatus, OutboxMessage, OutboxWorker

log = logging.getLogger("tremplin.outbox")

MAX_ATTEMPTS = 8  # webhooks: tries of one delivery (the webhooks package disables an endpoint that keeps failing)
RETRY_FOR = timedelta(days=1)  # e-mails and texts: temporary failures are retried this long after the first try
BACKOFF_CAP = timedelta(hours=1)
MAX_INTERRUPTIONS = 3  # a message whose worker vanished mid-send this often is failed: it may be what kills it
CONCURRENCY = 8  # sends of one channel under way at the same time in one worker
_wakeups: set[asyncio.Event] = set()  # the lanes of the workers of this process, woken by `wake()`


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 30 s, doubling, at most BACKOFF_CAP."""
    return min(timedelta(seconds=30 * 2 ** min(max(attempts, 1) - 1, 20)), BACKOFF_CAP)


def send_timeout(settings: Settings) -> float:
    """Seconds one send may take: a third of the lease, at most 30."""
    return max(0.5, min(30.0, settings.outbox_lease_seconds / 3))


def heartbeat_seconds(settings: Settings) -> float:
    """How often a worker tells the others it is alive: a tenth of the lease, between 0.5 and 5 s."""
    return max(0.5, min(5.0, settings.outbox_lease_seconds / 10))


def gone_after(settings: Settings) -> timedelta:
    """A worker silent this long is gone and its rows are taken back. It starts a send only within two
    heartbeats of its last one and every send is cut at the send timeout: none of its sends can be under way."""
    return timedelta(seconds=3 * heartbeat_seconds(settings) + send_timeout(settings))


async def enqueue_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    key: str,
    organisation_id: int | None = None,
    attachment: str = "",
    attachment_method: str = "",
) -> bool:
    """Queue an e-mail (inside the caller's `write_transaction()`); `attachment` is an iCalendar invitation.
    Whether it was queued: False when a message with the same key already was."""
    return await _insert(
        OutboxMessage(
            organisation=organisation_id,
            channel=Channel.email,
            recipient=to,
            subject=subject,
            body_text=text,
            body_html=html,
            idempotency_key=key,
            attachment=attachment,
            attachment_method=attachment_method.upper(),
        )
    )


async def enqueue_sms(
    *,
    to: str,
    text: str,
    key: str,
    organisation_id: int | None = None,
    urgent: bool = False,
    category: str = "service",
    now: datetime | None = None,
) -> bool:
    """Queue a text message (inside the caller's `write_transaction()`); whether it was (see `enqueue_email`).

    Look-alikes are put in GSM-7 (`gsm7_friendly`) when that keeps the whole text GSM-7, so one "—" in an
    event's title does not make it twice as many SMS. Written during the quiet hours (the organisation's, else
    QUIET_HOURS; local time), it waits for their end
    unless `urgent`. The caller checks the person's consent and opt-out (STOP) before calling."""
    now = now or utcnow()
    due = await sms_due(organisation_id, now, urgent=urgent)
    if due > now:
        log.info("Text %s is held for the quiet hours until %s UTC", key, due.strftime("%Y-%m-%d %H:%M"))
    return await _insert(
        OutboxMessage(
            organisation=organisation_id,
            channel=Channel.sms,
            recipient=to,
            body_text=gsm7_friendly(text),  # what is stored is what is sent, and billed
            idempotency_key=key,
            urgent=urgent,
            category=category,
            next_attempt_at=due,
            created_at=now,
        )
    )


async def enqueue_webhook(*, to: str, body: str, event_type: str, key: str, organisation_id: int) -> int | None:
    """Queue a POST of `body` (JSON) to a partner's endpoint, inside the caller's `write_transaction()`; the
    webhooks package signs and sends it when the worker asks (`messaging.signals.webhook_due`). The new
    message's id, or None when a message with the same key already was queued."""
    rows = (
        await OutboxMessage.insert(
            OutboxMessage(
                organisation=organisation_id,
                channel=Channel.webhook,
                recipient=to,
                subject=event_type,
                body_text=body,
                idempotency_key=key,
            )
        )
        .on_conflict(target=OutboxMessage.idempotency_key, action="DO NOTHING")
        .returning(OutboxMessage.id)
    )
    return rows[0]["id"] if rows else None


async def _insert(message: OutboxMessage) -> bool:
    # ON CONFLICT DO NOTHING: a replayed change (same key) adds nothing, even from two transactions at once.
    rows = (
        await OutboxMessage.insert(message)
        .on_conflict(target=OutboxMessage.idempotency_key, action="DO NOTHING")
        .returning(OutboxMessage.id)
    )
    return bool(rows)


async def sms_due(organisation_id: int | None, now: datetime, *, urgent: bool = False) -> datetime:
    """When a text of this organisation written at `now` may go: now, or the end of its quiet hours."""
    if urgent:
        return now
    return quiet_until(now, get_settings(), await senders.quiet_hours(organisation_id)) or now


def quiet_until(now: datetime, settings: Settings, hours: str = "") -> datetime | None:
    """When the quiet hours around `now` end (aware UTC), or None when `now` is not in them; `hours` are an
    organisation's own ("HH:MM-HH:MM"), "" for the platform's (QUIET_HOURS)."""
    window = senders.quiet_window(settings, hours)
    if window is None:
        return None
    start, end = window
    tz = settings.tz
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    if start > end:  # over midnight, e.g. 21:00-08:00
        if t >= start:
            day = local.date() + timedelta(days=1)
        elif t < end:
            day = local.date()
        else:
            return None
    elif start <= t < end:  # within one day, e.g. 12:00-14:00
        day = local.date()
    else:
        return None
    return datetime.combine(day, end, tzinfo=tz).astimezone(UTC)


def wake() -> None:
    """Tell the workers of this process that something was committed to the outbox."""
    for event in list(_wakeups):
        event.set()


# --- where a worker runs: enough to tell, on the same machine, that its process is gone --------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _this_machine() -> str:
    """The kernel's boot id and this process's PID namespace: where a worker's PID means that process ("" when
    unknown, off Linux: then only heartbeats tell)."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{namespace}"[:120] if boot else ""


def _process_started(pid: int) -> str:
    """When process `pid` started (clock ticks since boot), "" when there is no such process."""
    stat = _read(f"/proc/{pid}/stat")
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return fields[19] if len(fields) > 19 else ""


MACHINE = _this_machine()


def _gone_here(worker: dict) -> bool:
    """Whether a worker of this machine is certainly gone: its process ended (or its PID is another's now)."""
    return bool(MACHINE) and worker["machine"] == MACHINE and _process_started(worker["pid"]) != worker["pid_started"]


# --- claiming, recording ----------------------------------------------------------------------------------


async def _claim(
    limit: int, lease: timedelta, *, channel: Channel | None = None, worker: str = ""
) -> tuple[list[OutboxMessage], datetime]:
    """Claim up to `limit` due messages (of `channel`, else any) for `worker`; returns them and their lease end."""
    now = utcnow()
    until = now + lease
    due = (OutboxMessage.status == DeliveryStatus.queued) & (OutboxMessage.next_attempt_at <= now)
    stale = (OutboxMessage.status == DeliveryStatus.sending) & (OutboxMessage.claimed_until < now)
    async with write_transaction():
        if is_sqlite():  # the write lock already serialises claimers
            where = due | stale
            if channel is not None:
                where = where & (OutboxMessage.channel == channel)
            rows = await (
                OutboxMessage.select(OutboxMessage.id, OutboxMessage.status)
                .where(where)
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        else:
            of_channel = "AND channel = {} " if channel is not None else ""
            rows = await OutboxMessage.raw(
                "SELECT id, status FROM outbox_message WHERE ((status = 'queued' AND next_attempt_at <= {}) "
                f"OR (status = 'sending' AND claimed_until < {{}})) {of_channel}ORDER BY id LIMIT {{}} "
                "FOR UPDATE SKIP LOCKED",
                *([now, now, channel.value, limit] if channel is not None else [now, now, limit]),
            )
        ids = [r["id"] for r in rows]
        if not ids:
            return [], until
        interrupted = [r["id"] for r in rows if r["status"] == DeliveryStatus.sending]
        # Counted now, not after the send: a message whose send kills the worker still runs out of attempts.
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.sending,
                OutboxMessage.claimed_until: until,
                OutboxMessage.claimed_by: worker,
                OutboxMessage.attempts: OutboxMessage.attempts + 1,
            }
        ).where(OutboxMessage.id.is_in(ids))
        await OutboxMessage.update({OutboxMessage.first_attempt_at: now}).where(
            OutboxMessage.id.is_in(ids) & OutboxMessage.first_attempt_at.is_null()
        )
        if interrupted:  # their worker vanished mid-send (the lease ran out)
            await OutboxMessage.update({OutboxMessage.interruptions: OutboxMessage.interruptions + 1}).where(
                OutboxMessage.id.is_in(interrupted)
            )
        # With its organisation's row, in the same query: the names the message goes out under (messaging.senders).
        messages = (
            await OutboxMessage.objects(OutboxMessage.organisation)
            .where(OutboxMessage.id.is_in(ids))
            .order_by(OutboxMessage.id)
        )
        return messages, until


async def _deliver(settings: Settings, message: OutboxMessage, sms: SmsProvider | None, seconds: float) -> str:
    """Send one message; returns the provider's id for it."""
    names = senders.of(message.organisation)
    if message.channel == Channel.email:
        check_address(message.recipient)
        email = build_email(
            settings,
            to=message.recipient,
            subject=message.subject,
            text=message.body_text,
            html=message.body_html,
            key=message.idempotency_key,
            attachment=message.attachment,
            attachment_method=message.attachment_method,
            sender=names.email_from(settings),
        )
        await send_email(settings, email, seconds=seconds)
        return message_id_for(settings, message.idempotency_key)
    if message.channel == Channel.sms and sms is not None:
        to = normalise_phone(message.recipient)
        if message.attempts > 1 and isinstance(sms, FindsSent):
            # An earlier attempt may have gone out (worker killed mid-send, a timeout): look before sending again.
            found = await sms.find_sent(message.idempotency_key)
            if found:
                log.info("Message %s was already accepted by %s as %s", message.id, sms.name, found)
                return found
        return await sms.send(
            to=to, text=message.body_text, sender=names.sms(settings), reference=message.idempotency_key
        )
    if message.channel == Channel.webhook:
        answer = await signals.first(
            messaging_signals.webhook_due, message_id=message.id, body=message.body_text, seconds=seconds
        )
        if answer is not None:
            return answer
    raise PermanentFailure(_("No way to send messages of kind %(channel)s.", channel=message.channel))


def _gives_up(message: OutboxMessage, now: datetime) -> bool:
    """Whether a temporary failure of `message` is its last: webhooks after MAX_ATTEMPTS tries, e-mails and texts
    RETRY_FOR after their first try."""
    if message.channel == Channel.webhook:
        return message.attempts >= MAX_ATTEMPTS
    return now >= (message.first_attempt_at or now) + RETRY_FOR


def _next_try(message: OutboxMessage, now: datetime) -> datetime:
    later = now + backoff(message.attempts)
    if message.channel == Channel.webhook:
        return later
    return min(later, (message.first_attempt_at or now) + RETRY_FOR)  # a last try when the day is over


_URL = re.compile(r"https?://[^\s<>\"']+")
_SECRET = re.compile(r"(?<=[/=])[A-Za-z0-9_-]{16,}")


def without_link_secrets(text: str) -> str:
    """A sent message's text as the outbox keeps it: the secrets of its links (a youth's personal page, an
    adviser's proposal, a follow-up's answer, a calendar feed...) masked. Once sent they are needed no more, and
    a copy of the database must not open anyone's page (registration.tokens keeps them sealed)."""
    return _URL.sub(lambda url: _SECRET.sub("…", url.group(0)), text)


async def _record(message: OutboxMessage, error: Exception | None, provider_id: str = "") -> None:
    now = utcnow()
    async with write_transaction():
        if error is None:
            # One statement; a delivery receipt that came first (status delivered) is not overwritten. Recorded
            # even when the row was taken back meanwhile (this worker seemed gone): it did go out. E-mails and
            # texts keep their words but not their links' secrets, nor the calendar file (built again on demand).
            kept = message.channel == Channel.webhook
            await sql(
                "UPDATE outbox_message SET sent_at = {}, provider_message_id = {}, claimed_until = NULL, "
                "claimed_by = '', last_error = '', status = CASE WHEN status IN ('sending', 'queued') THEN 'sent' "
                "ELSE status END, body_text = {}, body_html = {}, attachment = {} WHERE id = {}",
                now,
                provider_id[:100],
                message.body_text if kept else without_link_secrets(message.body_text),
                message.body_html if kept else without_link_secrets(message.body_html),
                message.attachment if kept else "",
                message.id,
            )
            return
        values: dict = {
            OutboxMessage.claimed_until: None,
            OutboxMessage.claimed_by: "",
            OutboxMessage.last_error: str(error)[:2000],
        }
        if isinstance(error, PermanentFailure) or _gives_up(message, now):
            values[OutboxMessage.status] = DeliveryStatus.failed
        else:
            values |= {
                OutboxMessage.status: DeliveryStatus.queued,
                OutboxMessage.next_attempt_at: _next_try(message, now),
            }
        await OutboxMessage.update(values).where(_still_mine(message))


def _still_mine(message: OutboxMessage):
    return (
        (OutboxMessage.id == message.id)
        & (OutboxMessage.status == DeliveryStatus.sending)
        & (OutboxMessage.claimed_by == message.claimed_by)
    )


async def _release(message: OutboxMessage) -> None:
    """Give back a claimed message that was not tried (the lease ran short): no attempt is counted."""
    async with write_transaction():
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.queued,
                OutboxMessage.claimed_until: None,
                OutboxMessage.claimed_by: "",
                OutboxMessage.attempts: OutboxMessage.attempts - 1,
            }
        ).where(_still_mine(message))


async def _attempt(
    settings: Settings, message: OutboxMessage, sms: SmsProvider | None, seconds: float
) -> tuple[Exception | None, str]:
    """Try to send one message within `seconds`: the error it failed with (None when sent), the provider's id."""
    error: Exception | None = None
    provider_id = ""
    if message.interruptions >= MAX_INTERRUPTIONS or (
        message.channel == Channel.webhook and message.attempts > MAX_ATTEMPTS
    ):  # interrupted again and again
        with language(settings.language):
            error = PermanentFailure(_("Delivery was interrupted too many times."))
    else:
        try:
            with language(settings.language):
                async with asyncio.timeout(seconds):
                    provider_id = await _deliver(settings, message, sms, seconds)
        except (PermanentFailure, TemporaryFailure) as exc:
            error = exc
        except TimeoutError:
            with language(settings.language):
                error = TemporaryFailure(_("No answer within %(seconds)s seconds.", seconds=seconds))
        if error is not None:
            log.warning("Delivery of message %s failed: %s", message.id, error)
    return error, provider_id


class _Sender:
    """Sends claimed messages and records their outcome; opens the SMS provider's HTTP client when first needed."""

    def __init__(self, settings: Settings, sms: SmsProvider | None = None) -> None:
        self.settings = settings
        self.seconds = send_timeout(settings)
        self.sms = sms
        self.client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> _Sender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.aclose()

    def provider(self) -> SmsProvider:
        if self.sms is None:
            if self.settings.sms_provider == "console":
                self.sms = provider_from(self.settings)
            else:
                self.client = httpx.AsyncClient(timeout=self.seconds)
                self.sms = provider_from(self.settings, self.client)
        return self.sms

    async def deliver(self, message: OutboxMessage, lease_end: datetime, alive=lambda: True) -> None:
        if utcnow() + timedelta(seconds=self.seconds) >= lease_end or not alive():
            await _release(message)  # too late to start a send that would outlive the lease (or the heartbeat)
            return
        sms = self.provider() if message.channel == Channel.sms else None
        error, provider_id = await _attempt(self.settings, message, sms, self.seconds)
        await _record(message, error, provider_id)


async def deliver_due(settings: Settings, limit: int = 50, *, sms: SmsProvider | None = None) -> int:
    """Deliver once what is due now (up to `limit` messages, CONCURRENCY at a time per channel) and return how
    many were claimed. The claim is under a name no heartbeat stands for: only its lease protects it."""
    messages, lease_end = await _claim(
        limit, timedelta(seconds=settings.outbox_lease_seconds), worker=f"once-{secrets.token_hex(6)}"
    )
    if not messages:
        return 0
    gates = {channel: asyncio.Semaphore(CONCURRENCY) for channel in Channel}
    async with _Sender(settings, sms) as sender:

        async def one(message: OutboxMessage) -> None:
            async with gates[message.channel]:
                await sender.deliver(message, lease_end)

        results = await asyncio.gather(*(one(m) for m in messages), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):  # the row stays claimed and is taken again after its lease
            log.error("Outbox delivery step failed", exc_info=result)
    return len(messages)


# --- workers ----------------------------------------------------------------------------------------------


async def _take_back(names: list[str]) -> int:
    """Put the messages these workers were sending back in the queue, due now; how many there were."""
    if not names:
        return 0
    rows = (
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.queued,
                OutboxMessage.claimed_until: None,
                OutboxMessage.claimed_by: "",
                OutboxMessage.next_attempt_at: utcnow(),
                OutboxMessage.interruptions: OutboxMessage.interruptions + 1,
            }
        )
        .where((OutboxMessage.status == DeliveryStatus.sending) & OutboxMessage.claimed_by.is_in(names))
        .returning(OutboxMessage.id)
    )
    return len(rows)


async def take_back_from_gone_workers(settings: Settings, me: str = "") -> int:
    """Give the messages of the workers that are gone (see `gone_after`, `_gone_here`) back to the queue and
    forget those workers; returns how many messages went back."""
    async with write_transaction():
        silent_since = utcnow() - gone_after(settings)
        workers = await OutboxWorker.select().where(OutboxWorker.name != me)
        gone = [w["name"] for w in workers if w["seen_at"] < silent_since or _gone_here(w)]
        if not gone:
            return 0
        count = await _take_back(gone)
        await OutboxWorker.delete().where(OutboxWorker.name.is_in(gone))
    if count:
        log.warning("Took back %s message(s) from %s worker(s) gone: %s", count, len(gone), ", ".join(gone))
    return count


class Worker:
    """Delivers the outbox in this process: a heartbeat, and a lane per channel keeping CONCURRENCY sends going.

    Cancelled (the app shutting down, `tremplin worker` getting SIGTERM), it claims nothing more, lets the
    sends under way end and be recorded (each is cut at the send timeout), then says it is gone."""

    def __init__(self, settings: Settings, *, idle_seconds: float = 5.0, sms: SmsProvider | None = None) -> None:
        self.settings = settings
        self.idle_seconds = idle_seconds
        self.sms = sms
        self.name = f"{os.getpid()}-{secrets.token_hex(6)}"
        self.every = heartbeat_seconds(settings)
        self.lease = timedelta(seconds=settings.outbox_lease_seconds)
        self.started_at = utcnow()
        self.beat_at: datetime | None = None
        self.events = {channel: asyncio.Event() for channel in Channel}
        self.running: set[asyncio.Task] = set()  # the sends under way, of every lane
        self.stopping = False  # the lanes claim nothing more
        self.stopped = asyncio.Event()  # the sends under way are over: the heartbeat stops

    def alive(self) -> bool:
        """Whether this worker's heartbeat is fresh enough to start a send (see `gone_after`)."""
        return self.beat_at is not None and utcnow() - self.beat_at < timedelta(seconds=2 * self.every)

    async def beat(self) -> None:
        now = utcnow()
        async with write_transaction():
            await OutboxWorker.insert(
                OutboxWorker(
                    name=self.name,
                    machine=MACHINE,
                    pid=os.getpid(),
                    pid_started=_process_started(os.getpid()),
                    started_at=self.started_at,
                    seen_at=now,
                )
            ).on_conflict(target=OutboxWorker.name, action="DO UPDATE", values=[OutboxWorker.seen_at])
        was_alive, self.beat_at = self.alive(), now
        if not was_alive:
            wake()

    async def run(self) -> None:
        _wakeups.update(self.events.values())
        try:
            async with _Sender(self.settings, self.sms) as sender:
                heartbeats = asyncio.create_task(self._heartbeats())
                lanes = [asyncio.create_task(self._lane(channel, sender)) for channel in Channel]
                try:
                    await asyncio.wait([heartbeats, *lanes])  # until stopped (wait, unlike gather, cancels none)
                finally:
                    stopping = asyncio.create_task(self._stop(sender, heartbeats, lanes))
                    while not stopping.done():  # a second cancellation does not cut the stop short
                        with contextlib.suppress(asyncio.CancelledError):
                            await asyncio.shield(stopping)
        finally:
            _wakeups.difference_update(self.events.values())

    async def _stop(self, sender: _Sender, heartbeats: asyncio.Task, lanes: list[asyncio.Task]) -> None:
        """Claim nothing more; let the sends under way end (each is cut at the send timeout) and be recorded, the
        heartbeat going on meanwhile. Nothing is cancelled mid-query: a database connection being opened then
        would be left open (and, on SQLite, its thread would keep the process from exiting)."""
        self.stopping = True
        wake()
        await asyncio.wait(lanes)
        log.info("Outbox worker %s stops after its %s send(s) under way", self.name, len(self.running))
        if self.running:
            await asyncio.wait(self.running, timeout=sender.seconds + 5)
        self.stopped.set()
        await asyncio.wait([heartbeats])
        try:
            async with write_transaction():  # anything still claimed goes back at once; this worker is gone
                await _take_back([self.name])
                await OutboxWorker.delete().where(OutboxWorker.name == self.name)
        except Exception:  # its rows go back when the others see it gone
            log.exception("Outbox worker could not say it stops")
        else:
            log.info("Outbox worker %s stopped", self.name)

    async def _heartbeats(self) -> None:
        while not self.stopped.is_set():
            try:
                await self.beat()
                await take_back_from_gone_workers(self.settings, self.name)
            except Exception:  # keep the worker alive across database hiccups; it sends nothing meanwhile
                log.exception("Outbox heartbeat failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopped.wait(), timeout=self.every)

    async def _lane(self, channel: Channel, sender: _Sender) -> None:
        event = self.events[channel]
        mine: set[asyncio.Task] = set()  # this lane's sends under way

        def ended(task: asyncio.Task) -> None:
            mine.discard(task)
            self.running.discard(task)
            event.set()
            if not task.cancelled() and task.exception() is not None:  # the row is taken back after its lease
                log.error("Outbox delivery step failed", exc_info=task.exception())

        while not self.stopping:
            event.clear()
            claimed: list[OutboxMessage] = []
            free = CONCURRENCY - len(mine)
            if free > 0 and self.alive():
                try:
                    claimed, lease_end = await _claim(free, self.lease, channel=channel, worker=self.name)
                except Exception:  # a database hiccup: try again after a pause
                    log.exception("Outbox claim failed")
            for message in claimed:
                task = asyncio.create_task(sender.deliver(message, lease_end, self.alive))
                mine.add(task)
                self.running.add(task)
                task.add_done_callback(ended)
            if self.stopping or (claimed and len(mine) < CONCURRENCY):
                continue  # there may be more due
            wait = self.idle_seconds if self.alive() else self.every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout=wait)


async def run_worker(settings: Settings, idle_seconds: float = 5.0) -> None:
    """Deliver forever (see `Worker`); woken early by `wake()` when running in the app process."""
    await Worker(settings, idle_seconds=idle_seconds).run()
