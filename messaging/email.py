"""E-mail delivery over SMTP; with no SMTP_HOST (development) messages go to the log."""

from __future__ import annotations

import hashlib
import logging
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from core.i18n import _
from core.settings import Settings

log = logging.getLogger("tremplin.mail")


class PermanentFailure(Exception):
    """The message can never be delivered as it is (bad address, refused content)."""


class TemporaryFailure(Exception):
    """Worth retrying later (server down, timeout, 4xx SMTP reply)."""


_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
CALENDAR_METHODS = {"REQUEST", "CANCEL", "PUBLISH", "REPLY"}


def check_address(address: str) -> str:
    """The address, or `PermanentFailure` when no mail server could take it."""
    if not _ADDRESS.fullmatch(address.strip()) or len(address) > 254:
        raise PermanentFailure(_("The e-mail address %(address)s is not valid.", address=address))
    return address.strip()


def message_id_for(settings: Settings, key: str) -> str:
    """The Message-ID of the message with this idempotency key: the same on every attempt, by any worker,
    so a receiver (or a mailbox that drops copies) sees a message sent again after a crash as the same one.
    A digest, not the key itself: keys may hold a youth's personal link."""
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "tremplin.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(
    settings: Settings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str,
    key: str,
    attachment: str = "",
    attachment_method: str = "",
    sender: str | Address = "",
) -> EmailMessage:
    """A text (and HTML) e-mail; with `attachment` (an iCalendar document) it is an invitation.

    Calendar clients (Outlook, Gmail, Apple Mail, Thunderbird) recognise an invitation by a
    `text/calendar; method=REQUEST` (or CANCEL) part beside the text and HTML bodies; the same
    document is also attached as invitation.ics for those that only offer to open attachments.
    `sender` is the From header (messaging.senders: the organisation's name on the platform's address).
    """
    message = EmailMessage()
    message["From"] = sender or settings.smtp_from
    message["To"] = check_address(to)
    message["Subject"] = subject
    message["Message-ID"] = message_id_for(settings, key)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if attachment:
        method = (attachment_method or _calendar_method(attachment)).upper()
        if method not in CALENDAR_METHODS:
            raise PermanentFailure(_("Unknown calendar method %(method)s.", method=method))
        message.add_alternative(attachment, subtype="calendar", params={"method": method})
        message.add_attachment(attachment.encode(), maintype="application", subtype="ics", filename="invitation.ics")
    return message


def _calendar_method(document: str) -> str:
    match = re.search(r"^METHOD:(\w+)", document, re.MULTILINE)
    return match.group(1) if match else "REQUEST"


async def send_email(settings: Settings, message: EmailMessage, seconds: float = 30) -> None:
    if not settings.smtp_host:
        log.warning("SMTP_HOST is not set; e-mail not sent:\n%s", message.as_string())
        return
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_ssl,
            timeout=seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(str(exc)) from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentFailure(f"{exc.code} {exc.message}") from exc
        raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TemporaryFailure(str(exc) or exc.__class__.__name__) from exc
