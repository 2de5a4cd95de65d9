"""Messaging delivers for the features below it: e-mails to users (password resets)."""

from __future__ import annotations

from accounts import signals as accounts_signals
from core.db import after_commit
from core.signals import receiver
from messaging import outbox


@receiver(accounts_signals.mail_to_user)
async def mail_to_user(*, to: str, subject: str, text: str, key: str) -> None:
    await outbox.enqueue_email(to=to, subject=subject, text=text, key=key)
    after_commit(outbox.wake)
