"""Recording what came of an event: a youth's situation at a date, a result on the spot.

Who may record for a youth: a member of the organisation holding the youth's record with the adviser role or
above, or someone of an organisation that referred them (their adviser keeps following them). Viewers read.
Nothing recorded is edited: a later situation is added beside the earlier ones; a result recorded by mistake
is withdrawn (kept, no longer counted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.forms import FIRST_YEAR, LAST_YEAR, OUT_OF_RANGE, REQUIRED, in_range
from events.tables import Event
from outcomes import errors
from outcomes import signals as outcomes_signals
from outcomes.situations import CONTRACTS, SITUATION_LABELS, contract_kind
from outcomes.tables import FollowUp, Result, ResultKind, Situation, SituationKind, Source
from registration.tables import Registration
from registration.youths import visible_youth


@dataclass(frozen=True)
class SituationInput:
    kind: str
    since: date | None
    source: str
    contract_months: int | None = None
    employer: str = ""
    notes: str = ""
    event: int | None = None  # the event it follows
    follow_up: int | None = None  # the follow-up it answers


async def may_record_for(user: CurrentUser, participant_id: int) -> dict:
    """The youth, when the user may record outcomes for them; 404 when they may not see them, 403 for a
    viewer of the organisation holding the record."""
    youth, holder = await visible_youth(user, participant_id)
    if holder:
        require_role(user, youth["organisation"], Role.adviser)
    return youth


async def _event_start(event_id: int) -> date:
    event = await Event.select(Event.starts_on).where(Event.id == event_id).first()
    if event is None:
        raise NotFound()
    return event["starts_on"]


async def situation_errors(data: SituationInput, *, today: date) -> list[InvalidInput]:
    """Everything wrong with a situation, every field at once (a form shows them together)."""
    found: list[InvalidInput] = []
    if data.kind not in SituationKind.__members__.values():
        found.append(errors.UnknownChoice(field="kind"))
    if data.source not in Source.__members__.values():
        found.append(errors.UnknownChoice(field="source"))
    if data.since is None:
        found.append(InvalidInput(REQUIRED, field="since"))
    elif data.since > today:
        found.append(errors.DateInFuture(field="since"))
    elif not in_range(data.since):
        found.append(InvalidInput(OUT_OF_RANGE, field="since", first=FIRST_YEAR, last=LAST_YEAR))
    elif data.event is not None and data.since < (start := await _event_start(data.event)):
        found.append(errors.SituationBeforeEvent(field="since", day=start.strftime("%d/%m/%Y")))
    # The situation itself says "6 months or more" or "less": a length, when given, must agree with it.
    length = data.contract_months
    if data.kind in CONTRACTS and length is not None and contract_kind(length) != data.kind:
        kind = SITUATION_LABELS[SituationKind(data.kind)]
        found.append(errors.ContractLengthMismatch(field="contract_months", months=length, kind=kind))
    if data.contract_months is not None and not 0 < data.contract_months <= 120:
        found.append(InvalidInput(field="contract_months"))
    return found


async def record_situation(
    user: CurrentUser | None,
    participant_id: int,
    data: SituationInput,
    *,
    now: datetime | None = None,
) -> int:
    """Add a situation for the youth (user None: the youth answered their own link, checked by the caller);
    the follow-up it answers is done. Refused, with nothing saved, on the first thing wrong."""
    now = now or utcnow()
    if user is not None:
        await may_record_for(user, participant_id)
    found = await situation_errors(data, today=now.date())
    if found:
        raise found[0]
    follow_up = await _follow_up_of(participant_id, data.follow_up) if data.follow_up else None
    async with write_transaction():
        row = await Situation.insert(
            Situation(
                participant=participant_id,
                event=data.event or (follow_up["event"] if follow_up else None),
                follow_up=data.follow_up,
                kind=data.kind,
                since=data.since,
                contract_months=data.contract_months if data.kind in CONTRACTS else None,
                employer=data.employer.strip()[:200],
                source=data.source,
                notes=data.notes.strip(),
                recorded_by=(user.id or None) if user else None,  # an API token acts as no one (id 0)
                recorded_at=now,
            )
        ).returning(Situation.id)
        if follow_up:
            await FollowUp.update({FollowUp.done_at: now}).where(
                (FollowUp.id == data.follow_up) & FollowUp.done_at.is_null()
            )
        await signals.send(outcomes_signals.outcome_recorded, kind="situation", outcome_id=row[0]["id"])
    return row[0]["id"]


async def _follow_up_of(participant_id: int, follow_up_id: int) -> dict:
    follow_up = (
        await FollowUp.select(FollowUp.id, FollowUp.registration.event.as_alias("event"))
        .where((FollowUp.id == follow_up_id) & (FollowUp.registration.participant == participant_id))
        .first()
    )
    if follow_up is None:
        raise NotFound()
    return follow_up


async def situations_of(participant_id: int) -> list[dict]:
    """A youth's situations, the latest first (by the date they began, then when they were recorded)."""
    return await (
        Situation.select(
            Situation.all_columns(),
            Situation.event.title.as_alias("event_title"),
            Situation.recorded_by.full_name.as_alias("author"),
        )
        .where(Situation.participant == participant_id)
        .order_by(Situation.since, ascending=False)
        .order_by(Situation.recorded_at, ascending=False)
    )


# --------------------------------------------------------------------------- results on the spot


@dataclass(frozen=True)
class ResultInput:
    kind: str
    company: int | None = None  # an organisation of the directory
    company_name: str = ""
    visit: int | None = None
    session: int | None = None
    notes: str = ""


async def record_result(
    user: CurrentUser, registration_id: int, data: ResultInput, *, now: datetime | None = None
) -> int:
    """A result for a youth at an event that has begun, recorded by someone who runs the event or follows the
    youth (a companion records through their team's page, which checks their team)."""
    now = now or utcnow()
    registration = (
        await Registration.select(Registration.participant, Registration.event.starts_on.as_alias("starts_on"))
        .where(Registration.id == registration_id)
        .first()
    )
    if registration is None:
        raise NotFound()
    await may_record_for(user, registration["participant"])
    await check_result(data, registration["starts_on"], now)
    return await add_result(user.id, registration_id, data, now)


async def check_result(data: ResultInput, starts_on: date, now: datetime) -> None:
    if data.kind not in ResultKind.__members__.values():
        raise errors.UnknownChoice(field="kind")
    if data.company is None and not data.company_name.strip():
        raise errors.CompanyRequired(field="company_name")
    if now.date() < starts_on:
        raise errors.ResultBeforeEvent()


async def add_result(
    user_id: int, registration_id: int, data: ResultInput, now: datetime, *, visit: int | None = None
) -> int:
    """Insert a result whose checks the caller made (record_result, a team's visit)."""
    async with write_transaction():
        row = await Result.insert(
            Result(
                registration=registration_id,
                kind=data.kind,
                company=data.company,
                company_name=data.company_name.strip()[:200],
                visit=visit or data.visit,
                session=data.session,
                notes=data.notes.strip(),
                recorded_by=user_id or None,
                recorded_at=now,
            )
        ).returning(Result.id)
        await signals.send(outcomes_signals.outcome_recorded, kind="result", outcome_id=row[0]["id"])
    return row[0]["id"]


async def results_of(registration_ids: list[int]) -> list[dict]:
    """The results counted for these registrations (withdrawn ones left out), in the order recorded."""
    return await (
        Result.select(
            Result.all_columns(),
            Result.company.name.as_alias("company_label"),
            Result.registration.event.title.as_alias("event_title"),
            Result.recorded_by.full_name.as_alias("author"),
        )
        .where(Result.registration.is_in(registration_ids or [-1]) & Result.withdrawn_at.is_null())
        .order_by(Result.recorded_at)
    )
