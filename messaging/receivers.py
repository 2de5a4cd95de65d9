"""Messaging delivers for the features below it: e-mails to users (password resets)."""

from __future__ import annotations

from accounts import signals as accounts_signals
from core.db import after_commit
from core.signals import receiver
from messaging import outbox, senders


@receiver(accounts_signals.mail_to_user)
async def mail_to_user(*, to: str, subject: str, text: str, key: str) -> None:
    await outbox.enqueue_email(to=to, subject=subject, text=text, key=key)
    after_commit(outbox.wake)


@receiver(accounts_signals.settings_changed)
async def settings_changed(*, organisation_id: int) -> None:
    # Once committed: a text queued meanwhile in this process must not keep the old hours for CACHE_S.
    after_commit(lambda: senders.forget(organisation_id))
