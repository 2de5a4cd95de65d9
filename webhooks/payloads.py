"""What each event tells a partner: ids, statuses, times, and as little about the youth as lets them match it.

Every body is `{"type": <event type>, "timestamp": <ISO 8601 UTC>, "data": {...}}`. The youth appears as
`{"id", "first_name", "last_name_initial"}` only: the partner already knows the youths it follows (it
referred them, or holds their file) and needs to recognise them, not to learn more. No phone number, e-mail,
birth date or address ever goes out by webhook.

- `registration.created`, `registration.cancelled`: `registration` {id, status, created_at, cancelled_at,
  session_id}, `event` {id, title, starts_on}, `youth`.
- `checkin.recorded`: `registration` {id}, `event`, `youth`, `attendance` {status: present, late,
  left_early, excused or absent, at}.
- `outcome.recorded`: `outcome` {kind: situation or result, id, type (e.g. cdi, interview), since (a
  situation's date) or recorded_at}, `registration` {id} (a result) or null, `event` (when known), `youth`.
- `webhook.test`: `endpoint` {id}, `message`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from outcomes.tables import Result, Situation
from registration.tables import Registration


def body(event_type: str, data: dict[str, Any], now: datetime) -> str:
    return json.dumps({"type": event_type, "timestamp": _iso(now), "data": data}, ensure_ascii=False)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _event_columns(event: Any) -> list[Any]:
    return [event.id, event.title, event.starts_on, event.organisation]


def _youth_columns(participant: Any) -> list[Any]:
    return [participant.id, participant.first_name, participant.last_name, participant.organisation]


def _youth(row: dict[str, Any], prefix: str = "participant.") -> dict[str, Any]:
    last_name = row[f"{prefix}last_name"] or ""
    return {
        "id": row[f"{prefix}id"],
        "first_name": row[f"{prefix}first_name"],
        "last_name_initial": last_name[:1].upper(),
    }


def _event(row: dict[str, Any], prefix: str = "event.") -> dict[str, Any] | None:
    if row.get(f"{prefix}id") is None:
        return None
    return {"id": row[f"{prefix}id"], "title": row[f"{prefix}title"], "starts_on": _iso(row[f"{prefix}starts_on"])}


async def _registration_row(registration_id: int) -> dict[str, Any] | None:
    return (
        await Registration.select(
            Registration.id,
            Registration.status,
            Registration.created_at,
            Registration.cancelled_at,
            Registration.session,
            Registration.manage_hash,
            Registration.event.id,
            Registration.event.title,
            Registration.event.starts_on,
            Registration.event.organisation,
            Registration.participant.id,
            Registration.participant.first_name,
            Registration.participant.last_name,
            Registration.participant.organisation,
        )
        .where(Registration.id == registration_id)
        .first()
    )


async def registration(registration_id: int) -> tuple[int, str, dict[str, Any]] | None:
    """The event's organisation, an occasion telling this registration apart (its link's digest: the link
    changes each time someone registers again), and the data of a registration event."""
    row = await _registration_row(registration_id)
    if row is None:
        return None
    data = {
        "registration": {
            "id": row["id"],
            "status": row["status"],
            "created_at": _iso(row["created_at"]),
            "cancelled_at": _iso(row["cancelled_at"]),
            "session_id": row["session"],
        },
        "event": _event(row),
        "youth": _youth(row),
    }
    return row["event.organisation"], row["manage_hash"], data


async def attendance(registration_id: int, status: str, at: datetime) -> tuple[int, dict[str, Any]] | None:
    row = await _registration_row(registration_id)
    if row is None:
        return None
    data = {
        "registration": {"id": row["id"]},
        "event": _event(row),
        "youth": _youth(row),
        "attendance": {"status": status, "at": _iso(at)},
    }
    return row["event.organisation"], data


async def situation(situation_id: int) -> tuple[int, dict[str, Any]] | None:
    row = (
        await Situation.select(
            Situation.id,
            Situation.kind,
            Situation.since,
            Situation.event.id,
            Situation.event.title,
            Situation.event.starts_on,
            Situation.event.organisation,
            Situation.participant.id,
            Situation.participant.first_name,
            Situation.participant.last_name,
            Situation.participant.organisation,
        )
        .where(Situation.id == situation_id)
        .first()
    )
    if row is None:
        return None
    outcome = {"kind": "situation", "id": row["id"], "type": row["kind"], "since": _iso(row["since"])}
    data = {"outcome": outcome, "registration": None, "event": _event(row), "youth": _youth(row)}
    return row["participant.organisation"], data


async def result(result_id: int) -> tuple[int, dict[str, Any]] | None:
    row = (
        await Result.select(
            Result.id,
            Result.kind,
            Result.recorded_at,
            Result.registration,
            Result.registration.event.id,
            Result.registration.event.title,
            Result.registration.event.starts_on,
            Result.registration.event.organisation,
            Result.registration.participant.id,
            Result.registration.participant.first_name,
            Result.registration.participant.last_name,
            Result.registration.participant.organisation,
        )
        .where(Result.id == result_id)
        .first()
    )
    if row is None:
        return None
    outcome = {"kind": "result", "id": row["id"], "type": row["kind"], "recorded_at": _iso(row["recorded_at"])}
    data = {
        "outcome": outcome,
        "registration": {"id": row["registration"]},
        "event": _event(row, "registration.event."),
        "youth": _youth(row, "registration.participant."),
    }
    return row["registration.event.organisation"], data
