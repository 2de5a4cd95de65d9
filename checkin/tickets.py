"""What QR codes hold: a youth's ticket, and the token of a phone paired to check people in.

A ticket token is 128 random bits (22 characters), alone in its QR code so the code stays at version 2
at ECC M: big modules that a cheap phone camera reads in poor light. The registration keeps it as its
digest (scans find it by that) and sealed with SECRET_KEY (to show it, print it and build the offline
lists): `registration.tokens`. Re-issuing a ticket gives a new token; the old code then answers "unknown".
A device token is shown once in the pairing QR code; the database keeps its SHA-256 only. Device principals
are cached in-process for DEVICE_CACHE_S seconds, so the scan hot path does not read the device row on every
request: a revocation is immediate in the process that revoked it and takes up to DEVICE_CACHE_S in the others.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
import qrcode
import qrcode.constants
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from qrcode.image.pil import PilImage
from qrcode.image.svg import SvgPathFillImage

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from checkin.tables import Device
from core.cache import MISSING, TtlCache
from core.clock import utcnow
from core.db import write_transaction
from core.errors import DomainError, InvalidInput, NotFound
from core.i18n import lazy
from core.settings import get_settings
from core.templating import render_html
from events.services import get_event
from registration import tokens
from registration.tables import Registration, RegistrationStatus

DEVICE_PREFIX = "dev_"
DEVICE_VALIDITY = timedelta(days=3)
DEVICE_CACHE_S = 5.0
MAX_CACHED_DEVICES = 10_000
OFFLINE_SALT = b"tremplin-offline"
BADGES_PER_SHEET = 8
JOB_KEPT_S = 15 * 60
log = logging.getLogger("tremplin")
_devices: TtlCache[str, DevicePrincipal | None] = TtlCache(DEVICE_CACHE_S, MAX_CACHED_DEVICES)  # by token hash


class DeviceRefused(DomainError):
    code = "device_unknown"
    status_code = 401
    message = lazy("This phone is not paired (or no longer). Scan a new pairing code from the console.")


class DeviceExpired(DeviceRefused):
    code = "device_expired"
    message = lazy("This phone's pairing has expired. Scan a new pairing code from the console.")


class DeviceRevoked(DeviceRefused):
    code = "device_revoked"
    message = lazy("This phone's pairing was revoked by the organiser.")


@dataclass(frozen=True, slots=True)
class DevicePrincipal:
    """A paired phone: it may use the check-in API of one event, and nothing else."""

    device_id: int
    event_id: int
    organisation_id: int
    name: str
    event_title: str
    expires_at: datetime

    @property
    def full_name(self) -> str:  # what the console shows as "checked in by"
        return self.name


# --------------------------------------------------------------------------- QR codes


def qr_code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str) -> bytes:
    """The QR code as one SVG path on white (vector: sharp on screen and paper; white so that it still scans
    on a phone in dark mode)."""
    return qr_code(data).make_image(image_factory=SvgPathFillImage).to_string()


def qr_data_uri(data: str) -> str:
    """For <img src> on screen: the console's and the public pages' CSP allows data: images."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(data)).decode()


def qr_print_uri(data: str) -> str:
    """For PDFs: one pixel per module, which print templates scale up with `image-rendering: pixelated`
    (sharp edges, no smoothing). WeasyPrint draws such a PNG at once, where it lays out an SVG path piece by
    piece: 300 badges take a third of the time."""
    code = qr_code(data)
    code.box_size = 1
    buffer = io.BytesIO()
    code.make_image(image_factory=PilImage).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# --------------------------------------------------------------------------- tickets


def new_ticket_token() -> str:
    return tokens.issue(tokens.Purpose.ticket).token


async def reissue(registration_id: int) -> str:
    """A new ticket token: the old QR code (lost, shared, photographed) stops working at once."""
    ticket = tokens.issue(tokens.Purpose.ticket)
    async with write_transaction():
        await Registration.update(
            {
                Registration.ticket_hash: ticket.hash,
                Registration.ticket_sealed: ticket.sealed,
                Registration.ticket_issued_at: utcnow(),
            }
        ).where(Registration.id == registration_id)
    return ticket.token


async def current_ticket(registration: dict) -> str:
    """The ticket of a registration row (its `id` and `ticket_sealed`); registrations older than tickets, and
    tickets no key unseals any more (SECRET_KEY changed), get a new one."""
    if registration.get("ticket_sealed"):
        try:
            return tokens.reveal(tokens.Purpose.ticket, registration["ticket_sealed"])
        except tokens.TokenLost:
            log.warning("The ticket of registration %s could not be unsealed: a new one is issued", registration["id"])
    return await reissue(registration["id"])


async def ticket_of(registration: dict) -> str | None:
    """The ticket token to show a youth: only a confirmed registration has a usable ticket."""
    if registration["status"] != RegistrationStatus.confirmed:
        return None
    return await current_ticket(registration)


# --------------------------------------------------------------------------- devices


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pairing_url(token: str) -> str:
    """What the pairing QR code holds. The token is in the fragment: browsers never send it to a server,
    so it stays out of access logs and Referer headers; the scan app reads it and posts it to /api/checkin/pair."""
    return f"{get_settings().base_url}/scan/pair#{token}"


async def create_device(user: CurrentUser, event_id: int, name: str, days: int = 3) -> str:
    """Pair a new phone with an event; returns the token, shown once (in the pairing QR code)."""
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.staff)
    name = name.strip()
    if not name:
        raise InvalidInput(lazy("Give the phone a name, e.g. the person who holds it."), field="name")
    if not 1 <= days <= 30:
        raise InvalidInput(lazy("A pairing lasts from 1 to 30 days."), field="days")
    token = DEVICE_PREFIX + secrets.token_urlsafe(24)
    async with write_transaction():
        await Device(
            event=event_id,
            name=name[:100],
            token_hash=_hash(token),
            created_by=user.id or None,
            expires_at=utcnow() + timedelta(days=days),
        ).save()
    return token


async def devices(event_id: int) -> list[dict]:
    return (
        await Device.select(
            Device.id, Device.name, Device.created_at, Device.expires_at, Device.revoked_at, Device.last_seen_at
        )
        .where(Device.event == event_id)
        .order_by(Device.created_at, ascending=False)
    )


async def revoke_device(user: CurrentUser, device_id: int) -> int:
    row = await Device.select(Device.event, Device.token_hash).where(Device.id == device_id).first()
    if row is None:
        raise NotFound()
    event = await get_event(user, row["event"])
    require_role(user, event["organisation"], Role.staff)
    async with write_transaction():
        await Device.update({Device.revoked_at: utcnow()}).where(Device.id == device_id)
    _devices.pop(row["token_hash"])
    return row["event"]


async def device_principal(token: str) -> DevicePrincipal:
    """Who an `Authorization: Device <token>` header is, or a DeviceRefused saying why not."""
    key = _hash(token)
    principal = _devices.get(key, MISSING)
    if principal is MISSING:
        row = (
            await Device.select(
                Device.id,
                Device.event,
                Device.name,
                Device.expires_at,
                Device.revoked_at,
                Device.event.organisation.as_alias("organisation"),
                Device.event.title.as_alias("event_title"),
            )
            .where(Device.token_hash == key)
            .first()
            if token.startswith(DEVICE_PREFIX)
            else None
        )
        if row is not None and row["revoked_at"] is not None:
            raise DeviceRevoked()
        principal = (
            DevicePrincipal(
                row["id"], row["event"], row["organisation"], row["name"], row["event_title"], row["expires_at"]
            )
            if row
            else None
        )
        _devices.set(key, principal)
        if principal is not None:
            async with write_transaction():  # once per cache period, not per scan
                await Device.update({Device.last_seen_at: utcnow()}).where(Device.id == principal.device_id)
    if principal is None:
        raise DeviceRefused()
    if principal.expires_at <= utcnow():
        raise DeviceExpired()
    return principal


# --------------------------------------------------------------------------- offline lists


def offline_key(ticket_token: str, list_id: str) -> bytes:
    """The key of one entry: only who holds the ticket (its QR code) can derive it."""
    return HKDF(algorithm=SHA256(), length=32, salt=OFFLINE_SALT, info=list_id.encode()).derive(ticket_token.encode())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def seal(ticket_token: str, list_id: str, payload: dict[str, Any]) -> dict[str, str]:
    """One offline entry: {h: hex sha256 of the token, iv, d: AES-256-GCM of the JSON, tag appended}."""
    iv = secrets.token_bytes(12)
    data = AESGCM(offline_key(ticket_token, list_id)).encrypt(iv, json.dumps(payload).encode(), None)
    return {"h": hashlib.sha256(ticket_token.encode()).hexdigest(), "iv": _b64url(iv), "d": _b64url(data)}


async def offline_list(principal: Any, list_id: str) -> dict[str, Any]:
    """A list a phone keeps to scan without network: it reveals a person only to who scans their ticket."""
    from checkin import attendance
    from checkin.services import allow, load_list, short_name

    lst = await load_list(list_id)
    allow(principal, lst)
    record, _review = attendance.split(await attendance.records(lst))
    entries = []
    for m in await attendance.members(lst):
        if not m["ticket_sealed"]:
            continue
        row = record.get(m["id"])
        at = row["scanned_at"] if row else None
        payload = {
            "name": short_name(m["first_name"], m["last_name"]),
            "team": str(m["team_number"]) if m["team_number"] is not None else None,
            "registration": m["id"],
            "status": row["status"] if row else None,
            "at": at.isoformat() if isinstance(at, datetime) else at,
            "by": row["by"] if row else None,
        }
        entries.append(seal(await current_ticket(m), list_id, payload))
    return {"list": list_id, "event": lst.event_id, "generated_at": utcnow(), "entries": entries}


# --------------------------------------------------------------------------- printed tickets and badges


async def ticket_pdf(context: dict[str, Any], token: str) -> bytes:
    from core.pdf import render_pdf

    html = render_html("checkin/ticket.html", qr=qr_print_uri(token), **context)
    return await render_pdf(html, get_settings().base_url)


async def badge_rows(event_id: int) -> list[dict[str, Any]]:
    """Everyone confirmed, by team then name; registrations older than tickets get theirs now."""
    rows = await Registration.raw(
        "SELECT r.id, r.ticket_sealed, p.first_name, p.last_name, t.number AS team FROM registration r "
        "JOIN participant p ON p.id = r.participant LEFT JOIN team_member tm ON tm.registration = r.id "
        "LEFT JOIN team t ON t.id = tm.team WHERE r.event = {} AND r.status = 'confirmed' "
        "ORDER BY t.number, p.last_name, p.first_name, r.id",
        event_id,
    )
    for row in rows:
        row["ticket_token"] = await current_ticket(row)
        del row["ticket_sealed"]
    return rows


NAME_PT = 15.0  # a badge's name size when it fits: 12 bold letters a line in the column beside the QR code
NAME_MIN_PT = 8.0


def name_size(row: dict[str, Any]) -> float:
    """The name's size on a badge: smaller as its longest word grows, so that words are rarely broken."""
    words = f"{row.get('first_name') or ''} {row.get('last_name') or ''}".split()
    longest = max((len(w) for w in words), default=0)
    return round(max(NAME_MIN_PT, min(NAME_PT, NAME_PT * 12 / longest)) if longest else NAME_PT, 1)


def badges_html(
    event_title: str, rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None, logo: str = ""
) -> str:
    """A4 sheets of BADGES_PER_SHEET badges; `progress` hears how many are ready (QR codes are most of the work);
    `logo`, the organisation's as a data: URI, goes in a corner of each."""
    badges = []
    for n, row in enumerate(rows, start=1):
        badges.append({**row, "qr": qr_print_uri(row["ticket_token"]), "name_size": name_size(row)})
        if progress:
            progress(n)
    sheets = [badges[i : i + BADGES_PER_SHEET] for i in range(0, len(badges), BADGES_PER_SHEET)]
    return render_html("checkin/badges.html", event_title=event_title, sheets=sheets, logo=logo)


@dataclass
class BadgeJob:
    """A batch of badges made in the background; the console polls it. The registry lives in this process's
    memory: fine for the default single process; with several workers the console may poll another worker
    and see "unknown job", so run one worker, or sticky sessions, when printing large batches."""

    id: str
    event_id: int
    total: int
    done: int = 0
    state: str = "preparing"  # preparing, rendering, ready, failed
    pdf: bytes | None = None
    started: float = field(default_factory=time.monotonic)
    task: asyncio.Task | None = None


_jobs: dict[str, BadgeJob] = {}


def badge_job(job_id: str, event_id: int) -> BadgeJob | None:
    job = _jobs.get(job_id)
    return job if job is not None and job.event_id == event_id else None


async def start_badges(event_id: int, event_title: str, logo: str = "") -> BadgeJob:
    from core.pdf import render_pdf

    for old in [k for k, j in _jobs.items() if time.monotonic() - j.started > JOB_KEPT_S]:
        _jobs.pop(old, None)
    rows = await badge_rows(event_id)
    job = BadgeJob(secrets.token_urlsafe(9), event_id, len(rows))

    def advance(n: int) -> None:
        job.done = n  # read by the polling request; an int assignment is atomic enough for a progress bar

    async def run() -> None:
        try:
            html = await anyio.to_thread.run_sync(badges_html, event_title, rows, advance, logo)
            job.state = "rendering"
            job.pdf = await render_pdf(html, get_settings().base_url)
            job.state = "ready"
        except Exception:
            job.state = "failed"
            log.exception("Badges of event %s failed", event_id)

    _jobs[job.id] = job
    job.task = asyncio.create_task(run())
    return job
