"""The youth's own answer: a link in a text at the first follow-up date, three questions, once.

Sent only to youths who came (follow-ups exist only for them), through the outbox (quiet hours, STOP and
the youth's channel respected by `registration.messages.tell`). The link's token is kept as a hash; once
answered it only says thank you. The answer is a situation "declared by the youth"; it marks the
follow-up done, and the adviser sees it in the follow-up list and on the youth's page.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from accounts.services import token_hash
from core.clock import utcnow
from core.db import write_transaction
from core.errors import NotFound
from core.settings import get_settings
from outcomes import errors
from outcomes.services import SituationInput, record_situation
from outcomes.tables import FollowUp, SituationKind, Source
from registration import messages

# The choices a youth sees, in their words; "no news" is not something one says of oneself.
YOUTH_CHOICES = [kind for kind in SituationKind if kind != SituationKind.no_news]
STALE_AFTER_DAYS = 7  # a first follow-up found later than this (a worker stopped) sends no text


async def send_due(now: datetime | None = None) -> int:
    """Text the youths whose first follow-up falls due today: how many were sent a link."""
    now = now or utcnow()
    today = now.date()
    due = await FollowUp.select(FollowUp.id, FollowUp.registration, FollowUp.days).where(
        FollowUp.done_at.is_null()
        & FollowUp.token_hash.is_null()
        & (FollowUp.due_on <= today)
        & (FollowUp.due_on > today - timedelta(days=STALE_AFTER_DAYS))
    )
    firsts = await _first_delays([row["registration"] for row in due])
    sent = 0
    for row in due:
        if row["days"] != firsts.get(row["registration"]):
            continue  # only the first follow-up asks the youth; later ones are for the adviser
        token = secrets.token_urlsafe(16)
        async with write_transaction():
            claimed = (
                await FollowUp.update({FollowUp.token_hash: token_hash(token)})
                .where((FollowUp.id == row["id"]) & FollowUp.token_hash.is_null())
                .returning(FollowUp.id)
            )
            if claimed and await messages.tell(
                row["registration"], "follow_up", occasion=f"J+{row['days']}", extra={"answer": link(token)}
            ):
                sent += 1
    return sent


async def _first_delays(registration_ids: list[int]) -> dict[int, int]:
    rows = await FollowUp.select(FollowUp.registration, FollowUp.days).where(
        FollowUp.registration.is_in(registration_ids or [-1])
    )
    first: dict[int, int] = {}
    for row in rows:
        first[row["registration"]] = min(row["days"], first.get(row["registration"], row["days"]))
    return first


def link(token: str) -> str:
    return f"{get_settings().base_url}/s/{token}"


async def open_link(token: str) -> dict[str, Any]:
    """What the page needs: the youth's first name, the event; SelfReportUsed once answered, 404 unknown."""
    row = await (
        FollowUp.select(
            FollowUp.id,
            FollowUp.answered_at,
            FollowUp.registration.participant.as_alias("participant"),
            FollowUp.registration.participant.first_name.as_alias("first_name"),
            FollowUp.registration.event.as_alias("event"),
            FollowUp.registration.event.title.as_alias("event_title"),
            FollowUp.registration.event.starts_on.as_alias("starts_on"),
            FollowUp.registration.event.organisation.name.as_alias("organiser"),
        )
        .where(FollowUp.token_hash == token_hash(token))
        .first()
    )
    if row is None:
        raise NotFound()
    if row["answered_at"] is not None:
        raise errors.SelfReportUsed()
    return row


async def answer(token: str, kind: str, since: date | None, message: str, *, now: datetime | None = None) -> None:
    """Record the youth's answer, once: a second answer through the same link is refused."""
    now = now or utcnow()
    row = await open_link(token)
    async with write_transaction():
        taken = (
            await FollowUp.update({FollowUp.answered_at: now})
            .where((FollowUp.id == row["id"]) & FollowUp.answered_at.is_null())
            .returning(FollowUp.id)
        )
        if not taken:
            raise errors.SelfReportUsed()
        await record_situation(
            None,
            row["participant"],
            SituationInput(
                kind=kind,
                since=since,
                source=Source.youth,
                notes=message[:1000],
                event=row["event"],
                follow_up=row["id"],
            ),
            now=now,
        )
