"""E-mail delivery over SMTP; with no SMTP_HOST (development) messages go to the log."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from app.settings import Settings

log = logging.getLogger("tremplin.mail")


class PermanentFailure(Exception):
    """The message can never be delivered as it is (bad address, refused content)."""


class TemporaryFailure(Exception):
    """Worth retrying later (server down, timeout, 4xx SMTP reply)."""


def build_email(settings: Settings, *, to: str, subject: str, text: str, html: str, key: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    # Derived from the idempotency key: a retried delivery carries the same Message-ID.
    message["Message-ID"] = make_msgid(idstring=key.replace(":", "."), domain="tremplin")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


async def send_email(settings: Settings, message: EmailMessage) -> None:
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
            timeout=30,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(str(exc)) from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentFailure(f"{exc.code} {exc.message}") from exc
        raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise TemporaryFailure(str(exc) or exc.__class__.__name__) from exc
