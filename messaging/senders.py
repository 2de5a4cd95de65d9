"""What an organisation's messages go out under: its e-mail sender name, its SMS sender name, its quiet hours.

Its admins set them (accounts.organisation_settings); an empty column means the platform's setting
(SMTP_FROM's name or the organisation's name, SMS_SENDER, QUIET_HOURS).

* Delivery reads the sender names with the messages it claims, in the same query (`outbox._claim` joins the
  organisation), so a new name applies from the next message sent.
* The quiet hours are read when a text is queued, on the registration's hot path: they are kept CACHE_S per
  process (on PostgreSQL, whose ids are never reused) and dropped at once in the process that saves them.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import time
from email.headerregistry import Address
from email.utils import parseaddr

from accounts.tables import Organisation
from core.cache import TtlCache
from core.settings import Settings, SettingsError

log = logging.getLogger("tremplin.outbox")

# New quiet hours reach the other processes' queued texts within CACHE_S of being saved.
CACHE_S = 30.0
MAX_CACHED = 10_000
_quiet_hours: TtlCache[int, str] = TtlCache(CACHE_S, MAX_CACHED)


@dataclass(frozen=True, slots=True)
class Senders:
    """An organisation's names on its messages, as its row holds them ("" for the platform's)."""

    organisation_name: str = ""
    email_sender_name: str = ""
    sms_sender: str = ""

    def sms(self, settings: Settings) -> str:
        return self.sms_sender or settings.sms_sender

    def email_from(self, settings: Settings) -> str | Address:
        """The From header: the platform's address, under the organisation's sender name (or its name)."""
        name = self.email_sender_name or self.organisation_name
        address = parseaddr(settings.smtp_from)[1]
        if not name or not address:
            return settings.smtp_from
        return Address(display_name=name, addr_spec=address)


PLATFORM = Senders()


def of(organisation: object) -> Senders:
    """The senders of a claimed message's organisation (`OutboxMessage.organisation` read with its row)."""
    if not isinstance(organisation, Organisation) or not getattr(organisation, "id", None):
        return PLATFORM
    return Senders(organisation.name or "", organisation.email_sender_name or "", organisation.sms_sender or "")


async def quiet_hours(organisation_id: int | None) -> str:
    """The organisation's own quiet hours ("HH:MM-HH:MM"), or "" for the platform's."""
    if organisation_id is None:
        return ""
    hours = _quiet_hours.get(organisation_id)
    if hours is None:
        row = await Organisation.select(Organisation.quiet_hours).where(Organisation.id == organisation_id).first()
        hours = _quiet_hours.set(organisation_id, (row or {}).get("quiet_hours") or "")  # never deleted: ids stay
    return hours


def quiet_window(settings: Settings, hours: str) -> tuple[time, time] | None:
    """The quiet hours in force: the organisation's `hours`, else the platform's."""
    if hours:
        try:
            return dataclasses.replace(settings, quiet_hours=hours).quiet_window
        except SettingsError:  # never saved so (accounts checks them): the platform's hours rather than no text
            log.error("Quiet hours %r of an organisation are not understood; the platform's apply", hours)
    return settings.quiet_window


def forget(organisation_id: int) -> None:
    _quiet_hours.pop(organisation_id)
