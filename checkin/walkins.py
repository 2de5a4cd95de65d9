"""Someone turns up without registering (au pied des murs): a staff member registers them
in a few taps, straight into the attendance of the session under way."""

from __future__ import annotations

import secrets
from datetime import timedelta

from accounts.services import CurrentUser
from accounts.tables import Role
from checkin.tables import AttendanceStatus, CheckIn
from core.clock import utcnow
from core.db import write_transaction
from core.errors import Forbidden
from events.services import get_event
from events.tables import Session
from registration import services
from registration.errors import DuplicateRegistration
from registration.inputs import RegistrationInput, WalkInInput
from registration.tables import Source


async def current_session(event_id: int) -> dict | None:
    """The session under way, else the nearest one today (people come early or stay late)."""
    now = utcnow()
    sessions = (
        await Session.select(Session.id, Session.title, Session.starts_at, Session.ends_at)
        .where(
            (Session.event == event_id)
            & (Session.starts_at <= now + timedelta(hours=12))
            & (Session.ends_at >= now - timedelta(hours=12))
        )
        .order_by(Session.starts_at)
    )
    if not sessions:
        return None
    return min(
        sessions,
        key=lambda s: (
            0
            if s["starts_at"] <= now <= s["ends_at"]
            else min(abs((s["starts_at"] - now).total_seconds()), abs((s["ends_at"] - now).total_seconds()))
        ),
    )


def may_register(user: CurrentUser, event: dict) -> None:
    """Registering someone who turns up takes a staff member (or above) of the event's organisation: 403."""
    if not user.at_least(event["organisation"], Role.staff):
        raise Forbidden()


async def register_walk_in(user: CurrentUser, event_id: int, data: WalkInInput) -> tuple[int, dict | None]:
    event = await get_event(user, event_id)
    may_register(user, event)
    session = None
    if data.session_id is not None:
        session = (
            await Session.select(Session.id, Session.title)
            .where((Session.id == data.session_id) & (Session.event == event_id))
            .first()
        )
    session = session or await current_session(event_id)
    try:
        registered = await services.register(
            event_id,
            RegistrationInput(
                first_name=data.first_name, last_name=data.last_name, phone=data.phone, postcode=data.postcode
            ),
            source=Source.walk_in,
            by=user,
        )
        registration_id = registered.registration_id
    except DuplicateRegistration as already:  # registered beforehand: just mark them present
        if already.registration_id is None:
            raise
        registration_id = already.registration_id
    if session and not await CheckIn.exists().where(
        (CheckIn.registration == registration_id) & (CheckIn.session == session["id"])
    ):
        async with write_transaction():
            await CheckIn(
                registration=registration_id,
                session=session["id"],
                status=AttendanceStatus.present,
                recorded_by=user.id,
                source="walk_in",
                nonce=f"walk-in-{secrets.token_hex(12)}",
            ).save()
    return registration_id, session
