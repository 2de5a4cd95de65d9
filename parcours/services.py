"""The rules of a parcours: who opens it, who sees it (the SIAE hosting the youth and, while the two are
partners, the adviser's Mission Locale), its touchpoints planned from the organisation's template, recorded,
moved or dropped, the work lists and the overdue touchpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_date

from accounts.services import CurrentUser
from accounts.tables import Membership, Organisation, OrganisationKind, Partnership, Role, User
from core.clock import utcnow
from core.db import after_commit, write_transaction
from core.errors import Forbidden, NotFound
from core.forms import Input
from core.i18n import gettext as _
from core.settings import get_settings
from messaging import outbox
from outcomes.services import SituationInput, may_record_for, record_situation
from outcomes.tables import SituationKind, Source
from parcours import invitations
from parcours.errors import NotOnTheMlSide, ParcoursEnded, ParcoursRefused, TouchpointClosed
from parcours.rhythm import DEFAULT_STEPS, Step, period, plan
from parcours.tables import (
    ContractKind,
    EndReason,
    Parcours,
    ParcoursStatus,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    TouchpointTemplate,
)
from registration import proposals
from registration.youths import visible_youth

NOTE_LIMIT = 500  # characters: a short note, minimal personal data
RESULT_LIMIT = 1000
WORK_LIST_DAYS = 14  # the work list shows what is due within two weeks, and everything overdue
DIGEST_AFTER_DAYS = 3  # a touchpoint this late goes into the manager's digest
SIAE_ROLES = (Role.admin, Role.organiser, Role.staff, Role.adviser)


class ParcoursInput(Input, kw_only=True):
    participant_id: int
    contract_start: date
    contract_end: date
    adviser_id: int | None = None  # required: refused by the service with the other fields, all at once
    contract_kind: ContractKind = ContractKind.cddi
    counsellor_id: int | None = None
    supervisor_id: int | None = None


class TouchpointInput(Input, kw_only=True):
    starts_at: datetime  # local time (the structure's time zone) when naive
    kind: TouchpointKind = TouchpointKind.contact
    minutes: int = 30
    place: str = ""
    by_phone: bool = False
    note: str = ""


def zone() -> str:
    return get_settings().timezone


def local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(zone()))


# --------------------------------------------------------------------------- who sees what


async def partners(first: int, second: int) -> bool:
    """Whether two organisations are partners (an entry of either's directory names the other)."""
    return await Partnership.exists().where(
        ((Partnership.owner == first) & (Partnership.partner == second))
        | ((Partnership.owner == second) & (Partnership.partner == first))
    )


PARCOURS_COLUMNS = (
    Parcours.all_columns(),
    Parcours.participant.first_name.as_alias("first_name"),
    Parcours.participant.last_name.as_alias("last_name"),
    Parcours.participant.organisation.as_alias("youth_organisation"),
    Parcours.organisation.name.as_alias("organisation_name"),
    Parcours.adviser_organisation.name.as_alias("adviser_organisation_name"),
    Parcours.adviser.full_name.as_alias("adviser_name"),
    Parcours.counsellor.full_name.as_alias("counsellor_name"),
    Parcours.supervisor.full_name.as_alias("supervisor_name"),
)


async def seen_parcours(user: CurrentUser, parcours_id: int) -> dict[str, Any]:
    """The parcours with `side` ("siae" or "ml") and `can_write`; 404 to anyone else, and to the Mission Locale
    once the partnership between the two organisations ends."""
    row = await Parcours.select(*PARCOURS_COLUMNS).where(Parcours.id == parcours_id).first()
    if row is None:
        raise NotFound()
    if row["organisation"] in user.roles:
        side = "siae"
    elif row["adviser_organisation"] in user.roles and await partners(row["organisation"], row["adviser_organisation"]):
        side = "ml"
    else:
        raise NotFound()
    own = row["organisation"] if side == "siae" else row["adviser_organisation"]
    row["side"] = side
    row["can_write"] = user.at_least(own, Role.adviser)
    row["youth"] = f"{row['first_name']} {row['last_name']}"
    return row


async def writable_parcours(user: CurrentUser, parcours_id: int) -> dict[str, Any]:
    """The parcours the user may change (an adviser or above, on either side); 404 to whoever does not see it,
    403 to its viewers. The console checks it before it reads a form."""
    row = await seen_parcours(user, parcours_id)
    if not row["can_write"]:
        raise Forbidden()
    return row


async def parcours_of_youth(user: CurrentUser, participant_id: int) -> list[dict[str, Any]]:
    """The parcours of a youth the user may see, newest first."""
    rows = await (
        Parcours.select(*PARCOURS_COLUMNS)
        .where(
            (Parcours.participant == participant_id)
            & (
                Parcours.organisation.is_in(user.organisation_ids or [-1])
                | Parcours.adviser_organisation.is_in(user.organisation_ids or [-1])
            )
        )
        .order_by(Parcours.contract_start, ascending=False)
    )
    seen = []
    for row in rows:
        try:
            seen.append(await seen_parcours(user, row["id"]))
        except NotFound:
            continue
    return seen


HOSTS = (OrganisationKind.siae, OrganisationKind.geiq)  # the structures that hire youths and open parcours


async def may_open(user: CurrentUser) -> list[int]:
    """The structures in which the user may open a parcours: an SIAE (or GEIQ) where they are a counsellor or
    above."""
    ids = [o for o in user.organisation_ids if user.at_least(o, Role.adviser)]
    rows = await Organisation.select(Organisation.id).where(
        Organisation.id.is_in(ids or [-1]) & Organisation.kind.is_in([k.value for k in HOSTS])
    )
    return sorted(r["id"] for r in rows)


# --------------------------------------------------------------------------- opening


async def _active_member(user_id: int | None, organisation_id: int | None = None) -> list[dict]:
    if user_id is None:
        return []
    query = Membership.select(
        Membership.organisation,
        Membership.role,
        Membership.user.full_name.as_alias("full_name"),
        Membership.organisation.name.as_alias("organisation_name"),
    ).where((Membership.user == user_id) & Membership.deactivated_at.is_null() & (Membership.user.is_active == True))  # noqa: E712
    if organisation_id is not None:
        query = query.where(Membership.organisation == organisation_id)
    return await query


async def people(user: CurrentUser, organisation_id: int) -> dict[str, list[tuple[int, str]]]:
    """Who may be named on a parcours of the organisation: its own members (counsellor, supervisor) and the
    advisers of its partner organisations."""
    if organisation_id not in await may_open(user):
        raise NotFound()
    members = await Membership.select(Membership.user, Membership.user.full_name.as_alias("name")).where(
        (Membership.organisation == organisation_id) & Membership.deactivated_at.is_null()
    )
    linked = await Partnership.select(Partnership.owner, Partnership.partner).where(
        (Partnership.owner == organisation_id) | (Partnership.partner == organisation_id)
    )
    partner_ids = {r["partner"] if r["owner"] == organisation_id else r["owner"] for r in linked} - {organisation_id}
    advisers = await Membership.select(
        Membership.user,
        Membership.user.full_name.as_alias("name"),
        Membership.organisation.name.as_alias("organisation_name"),
    ).where(
        Membership.organisation.is_in(sorted(partner_ids) or [-1])
        & Membership.deactivated_at.is_null()
        & Membership.role.is_in([r.value for r in SIAE_ROLES])
    )
    return {
        "members": sorted({(m["user"], m["name"]) for m in members}, key=lambda m: m[1]),
        "advisers": sorted(
            {(a["user"], f"{a['name']} ({a['organisation_name']})") for a in advisers}, key=lambda a: a[1]
        ),
    }


async def steps_of(organisation_id: int) -> tuple[Step, ...]:
    row = (
        await TouchpointTemplate.select(TouchpointTemplate.steps)
        .where(TouchpointTemplate.organisation == organisation_id)
        .first()
    )
    steps = row["steps"] if row else []
    if isinstance(steps, str):
        steps = msgspec.json.decode(steps)
    return tuple(Step.from_dict(s) for s in steps) or DEFAULT_STEPS


async def save_template(user: CurrentUser, organisation_id: int, steps: list[Step]) -> None:
    """The organisation's own rhythm for the parcours opened from now on (organisers and admins)."""
    if not user.at_least(organisation_id, Role.organiser):
        raise NotFound() if organisation_id not in user.roles else Forbidden()
    payload = [s.as_dict() for s in steps]
    async with write_transaction():
        updated = (
            await TouchpointTemplate.update(
                {TouchpointTemplate.steps: payload, TouchpointTemplate.updated_at: utcnow()}
            )
            .where(TouchpointTemplate.organisation == organisation_id)
            .returning(TouchpointTemplate.id)
        )
        if not updated:
            await TouchpointTemplate(organisation=organisation_id, steps=payload).save()


OFFSET_LIMITS = {"start": (-30, 60), "middle": (-30, 30), "end": (-60, 0), "monthly": (0, 27)}


async def rhythm_form(user: CurrentUser, organisation_id: int) -> list[dict]:
    """The organisation's steps as its form shows them: every default step, included or not, with its offset."""
    if organisation_id not in await may_open(user):
        raise NotFound()
    mine = {s.key: s for s in await steps_of(organisation_id)}
    return [
        {
            "step": step,
            "included": step.key in mine,
            "offset_days": mine.get(step.key, step).offset_days,
            "minutes": mine.get(step.key, step).minutes,
            "limits": OFFSET_LIMITS[step.anchor],
        }
        for step in DEFAULT_STEPS
    ]


async def save_rhythm(user: CurrentUser, organisation_id: int, form: dict[str, str]) -> None:
    """The rhythm form: each default step included or not, its offset in days and its length; every refusal at
    once. Refused (404, or 403 to its counsellors) before the form is read."""
    if organisation_id not in await may_open(user):
        raise NotFound()
    if not user.at_least(organisation_id, Role.organiser):
        raise Forbidden()
    errors: dict[str, str] = {}
    steps = []
    for step in DEFAULT_STEPS:
        if form.get(f"{step.key}_included") not in {"on", "true", "1"}:
            continue
        low, high = OFFSET_LIMITS[step.anchor]
        offset, minutes = form.get(f"{step.key}_offset_days", "").strip(), form.get(f"{step.key}_minutes", "").strip()
        if not offset.lstrip("-").isdigit() or not low <= int(offset) <= high:
            errors[f"{step.key}_offset_days"] = _("Between %(low)s and %(high)s days.", low=low, high=high)
        if not minutes.isdigit() or not 5 <= int(minutes) <= 480:
            errors[f"{step.key}_minutes"] = _("Between 5 and 480 minutes.")
        if f"{step.key}_offset_days" not in errors and f"{step.key}_minutes" not in errors:
            steps.append(Step(step.key, step.kind, step.anchor, int(offset), step.participants, int(minutes)))
    if not errors and not steps:
        errors[f"{DEFAULT_STEPS[0].key}_included"] = _("Keep at least one step.")
    if errors:
        raise ParcoursRefused(errors)
    await save_template(user, organisation_id, steps)


async def _check_opening(user: CurrentUser, organisation_id: int, data: ParcoursInput) -> tuple[int, dict]:
    """The adviser's organisation (a partner of the SIAE) and the youth; every refusal at once."""
    errors: dict[str, str] = {}
    if data.contract_end < data.contract_start:
        errors["contract_end"] = _(
            "The contract cannot end (%(end)s) before it starts (%(start)s).",
            end=format_date(data.contract_end, "d MMMM yyyy", locale="fr"),
            start=format_date(data.contract_start, "d MMMM yyyy", locale="fr"),
        )
    adviser_organisation = 0
    places = await _active_member(data.adviser_id)
    advising = [p for p in places if p["role"] in SIAE_ROLES and p["organisation"] != organisation_id]
    for place in advising:
        if await partners(organisation_id, place["organisation"]):
            adviser_organisation = place["organisation"]
            break
    if not advising:
        errors["adviser_id"] = _("Choose the youth's adviser at their Mission Locale.")
    elif not adviser_organisation:
        errors["adviser_id"] = _(
            "%(name)s works at %(organisation)s, which is not a partner of your structure: add it to your "
            "directory's partners first.",
            name=advising[0]["full_name"],
            organisation=advising[0]["organisation_name"],
        )
    for field, user_id in (("counsellor_id", data.counsellor_id), ("supervisor_id", data.supervisor_id)):
        if user_id is not None and not await _active_member(user_id, organisation_id):
            errors[field] = _("Choose a member of your structure.")
    youth, _holder = await visible_youth(user, data.participant_id)
    if errors:
        raise ParcoursRefused(errors)
    return adviser_organisation, youth


async def open_parcours(
    user: CurrentUser, organisation_id: int, data: ParcoursInput, *, now: datetime | None = None
) -> int:
    """The SIAE's counsellor opens a parcours: its touchpoints are planned from the organisation's template and
    each participant is sent an invitation."""
    now = now or utcnow()
    if organisation_id not in await may_open(user):
        raise NotFound() if organisation_id not in user.roles else Forbidden()
    adviser_organisation, _youth = await _check_opening(user, organisation_id, data)
    steps = await steps_of(organisation_id)
    async with write_transaction():
        parcours = Parcours(
            organisation=organisation_id,
            participant=data.participant_id,
            contract_kind=data.contract_kind,
            contract_start=data.contract_start,
            contract_end=data.contract_end,
            first_end=data.contract_end,
            adviser=data.adviser_id,
            adviser_organisation=adviser_organisation,
            counsellor=data.counsellor_id or user.id,
            supervisor=data.supervisor_id,
            status=ParcoursStatus.active if data.contract_start <= local(now).date() else ParcoursStatus.planned,
            created_by=user.id,
        )
        await parcours.save()
        for planned in plan(steps, data.contract_start, data.contract_end, zone()):
            touchpoint = Touchpoint(
                parcours=parcours.id,
                step=planned.step,
                kind=planned.kind,
                participants=list(planned.participants),
                starts_at=planned.starts_at,
                minutes=planned.minutes,
                by_phone=planned.kind in (TouchpointKind.phone_call, TouchpointKind.contact),
            )
            await touchpoint.save()
            if planned.starts_at > now:
                await invitations.invite(touchpoint.id, "REQUEST")
        after_commit(outbox.wake)
    return parcours.id


async def extend(user: CurrentUser, parcours_id: int, new_end: date) -> None:
    """The contract is extended: a later end (the first one is kept)."""
    row = await writable_parcours(user, parcours_id)
    if row["status"] == ParcoursStatus.ended:
        raise ParcoursEnded()
    if new_end <= row["contract_end"]:
        raise ParcoursRefused(
            {
                "contract_end": _(
                    "An extension ends after the current end (%(end)s).", end=f"{row['contract_end']:%d/%m/%Y}"
                )
            }
        )
    async with write_transaction():
        await Parcours.update({Parcours.contract_end: new_end, Parcours.extensions: Parcours.extensions + 1}).where(
            Parcours.id == parcours_id
        )


async def end_parcours(
    user: CurrentUser, parcours_id: int, reason: str, exit_situation: str, *, now: datetime | None = None
) -> None:
    """The parcours ends with its reason and the youth's situation on leaving (outcomes' situations); the
    touchpoints still planned are dropped and their invitations cancelled."""
    row = await writable_parcours(user, parcours_id)
    errors = {}
    if reason not in {r.value for r in EndReason}:
        errors["end_reason"] = _("Choose why the parcours ends.")
    if exit_situation not in {s.value for s in SituationKind}:
        errors["exit_situation"] = _("Choose the youth's situation on leaving.")
    if errors:
        raise ParcoursRefused(errors)
    if row["status"] == ParcoursStatus.ended:
        raise ParcoursEnded()
    now = now or utcnow()
    situation = None
    try:  # the exit situation joins the youth's situations (outcomes), when the user may record them
        await may_record_for(user, row["participant"])
        situation = SituationInput(
            kind=exit_situation,
            since=local(now).date(),
            source=Source.employer if row["side"] == "siae" else Source.adviser,
            notes=_("On leaving the parcours at %(organisation)s", organisation=row["organisation_name"]),
        )
    except (NotFound, Forbidden):
        pass
    async with write_transaction():
        if situation is not None:
            await record_situation(user, row["participant"], situation, now=now)
        await Parcours.update(
            {
                Parcours.status: ParcoursStatus.ended,
                Parcours.end_reason: reason,
                Parcours.exit_situation: exit_situation,
                Parcours.ended_at: now,
            }
        ).where(Parcours.id == parcours_id)
        planned = await Touchpoint.select(Touchpoint.id, Touchpoint.starts_at).where(
            (Touchpoint.parcours == parcours_id) & (Touchpoint.status == TouchpointStatus.planned)
        )
        for touchpoint in planned:
            await _drop(touchpoint["id"], tell=touchpoint["starts_at"] > now, now=now)
        after_commit(outbox.wake)


# --------------------------------------------------------------------------- touchpoints


def check_note(note: str, field: str = "note", limit: int = NOTE_LIMIT) -> None:
    if len(note) > limit:
        raise ParcoursRefused(
            {
                field: _(
                    "The note is %(length)s characters long: keep it to %(limit)s (the essentials, no health data).",
                    length=len(note),
                    limit=limit,
                )
            }
        )


def check_in_period(parcours: dict, starts_at: datetime) -> None:
    first, last = period(parcours["contract_start"], parcours["contract_end"])
    day = local(starts_at).date()
    if not first <= day <= last:
        raise ParcoursRefused(
            {
                "starts_at": _(
                    "A touchpoint falls within the contract period: between %(first)s and %(last)s.",
                    first=f"{first:%d/%m/%Y}",
                    last=f"{last:%d/%m/%Y}",
                )
            }
        )


def aware(value: datetime) -> datetime:
    """A time typed in the console is local to the structure."""
    return value.replace(tzinfo=ZoneInfo(zone())) if value.tzinfo is None else value


async def writable_touchpoint(user: CurrentUser, touchpoint_id: int) -> tuple[dict, dict]:
    """The touchpoint and its parcours, which the user may change (`writable_parcours`)."""
    touchpoint = await Touchpoint.select().where(Touchpoint.id == touchpoint_id).first()
    if touchpoint is None:
        raise NotFound()
    return touchpoint, await writable_parcours(user, touchpoint["parcours"])


async def add_touchpoint(user: CurrentUser, parcours_id: int, data: TouchpointInput) -> int:
    parcours = await writable_parcours(user, parcours_id)
    if parcours["status"] == ParcoursStatus.ended:
        raise ParcoursEnded()
    starts_at = aware(data.starts_at)
    check_in_period(parcours, starts_at)
    check_note(data.note)
    async with write_transaction():
        touchpoint = Touchpoint(
            parcours=parcours_id,
            kind=data.kind,
            participants=["youth", "adviser", "counsellor"]
            if data.kind in (TouchpointKind.tripartite, TouchpointKind.review)
            else ["adviser", "counsellor"],
            starts_at=starts_at,
            minutes=data.minutes,
            place="" if data.by_phone else data.place.strip(),
            by_phone=data.by_phone,
            note=data.note.strip(),
        )
        await touchpoint.save()
        await invitations.invite(touchpoint.id, "REQUEST")
        after_commit(outbox.wake)
    return touchpoint.id


async def record(
    user: CurrentUser, touchpoint_id: int, *, result: str = "", note: str | None = None, now: datetime | None = None
) -> None:
    """The touchpoint took place ("done", one tap from the work list), with its result if given."""
    touchpoint, parcours = await writable_touchpoint(user, touchpoint_id)
    if touchpoint["status"] == TouchpointStatus.dropped:
        raise TouchpointClosed()
    check_note(result, "result", RESULT_LIMIT)
    if note is not None:
        check_note(note)
    values: dict[Any, Any] = {
        Touchpoint.status: TouchpointStatus.done,
        Touchpoint.result: result.strip() or touchpoint["result"],
    }
    if touchpoint["status"] != TouchpointStatus.done:
        values |= {Touchpoint.done_at: now or utcnow(), Touchpoint.done_by: user.id}
    if note is not None:
        values[Touchpoint.note] = note.strip()
    async with write_transaction():
        await Touchpoint.update(values).where(Touchpoint.id == touchpoint_id)
        if parcours["status"] == ParcoursStatus.planned and touchpoint["step"] == "start_meeting":
            await Parcours.update({Parcours.status: ParcoursStatus.active}).where(Parcours.id == parcours["id"])


async def move(
    user: CurrentUser,
    touchpoint_id: int,
    starts_at: datetime,
    *,
    place: str | None = None,
    by_phone: bool | None = None,
    now: datetime | None = None,
) -> None:
    """A new time (or place): SEQUENCE + 1, every participant's invitation updated, one text to the youth."""
    touchpoint, parcours = await writable_touchpoint(user, touchpoint_id)
    if parcours["status"] == ParcoursStatus.ended:
        raise ParcoursEnded()
    if touchpoint["status"] == TouchpointStatus.dropped:
        raise TouchpointClosed()
    starts_at = aware(starts_at)
    check_in_period(parcours, starts_at)
    values: dict[Any, Any] = {Touchpoint.starts_at: starts_at, Touchpoint.sequence: touchpoint["sequence"] + 1}
    if by_phone is not None:
        values[Touchpoint.by_phone] = by_phone
    if place is not None:
        values[Touchpoint.place] = "" if by_phone else place.strip()
    async with write_transaction():
        await Touchpoint.update(values).where(Touchpoint.id == touchpoint_id)
        await invitations.invite(touchpoint_id, "REQUEST")
        await invitations.text_youth(touchpoint_id, "moved", now=now)
        after_commit(outbox.wake)


async def _drop(touchpoint_id: int, *, tell: bool, now: datetime | None = None) -> None:
    await Touchpoint.update(
        {Touchpoint.status: TouchpointStatus.dropped, Touchpoint.sequence: Touchpoint.sequence + 1}
    ).where(Touchpoint.id == touchpoint_id)
    if tell:
        await invitations.invite(touchpoint_id, "CANCEL")
        await invitations.text_youth(touchpoint_id, "dropped", now=now)


async def drop(user: CurrentUser, touchpoint_id: int, *, now: datetime | None = None) -> None:
    """The touchpoint will not take place: a cancellation to each participant, a text to the youth."""
    now = now or utcnow()
    touchpoint, _parcours = await writable_touchpoint(user, touchpoint_id)
    if touchpoint["status"] != TouchpointStatus.planned:
        raise TouchpointClosed()
    async with write_transaction():
        await _drop(touchpoint_id, tell=touchpoint["starts_at"] > now, now=now)
        after_commit(outbox.wake)


async def touchpoints_of(user: CurrentUser, parcours_id: int, *, now: datetime | None = None) -> list[dict]:
    await seen_parcours(user, parcours_id)
    now = now or utcnow()
    rows = (
        await Touchpoint.select(Touchpoint.all_columns(), Touchpoint.done_by.full_name.as_alias("done_by_name"))
        .where(Touchpoint.parcours == parcours_id)
        .order_by(Touchpoint.starts_at)
    )
    for row in rows:
        row["overdue"] = is_overdue(row, now)
    return rows


# --------------------------------------------------------------------------- the adviser's proposals


async def propose(user: CurrentUser, parcours_id: int, event_id: int, *, now: datetime | None = None) -> list:
    """The youth's adviser proposes one of their organisation's events from the parcours (registration.proposals:
    a text with the registration link, pre-filled); the parcours then shows it proposed, registered, attended."""
    parcours = await proposing_parcours(user, parcours_id)
    if parcours["status"] == ParcoursStatus.ended:
        raise ParcoursEnded()
    return await proposals.propose(user, parcours["participant"], event_id, now=now)


async def proposing_parcours(user: CurrentUser, parcours_id: int) -> dict[str, Any]:
    """The parcours from which the user may propose: the youth's Mission Locale's side only (403 to the SIAE's)."""
    parcours = await writable_parcours(user, parcours_id)
    if parcours["side"] != "ml":
        raise NotOnTheMlSide()
    return parcours


async def events_to_propose(user: CurrentUser, parcours: dict) -> list[dict]:
    if parcours["side"] != "ml" or not parcours["can_write"]:
        return []
    return await proposals.events_to_propose(user)


# --------------------------------------------------------------------------- work lists and overdue


def is_overdue(touchpoint: dict, now: datetime) -> bool:
    """Not done by its date: still planned once its day (local) is over."""
    return (
        touchpoint["status"] == TouchpointStatus.planned and local(touchpoint["starts_at"]).date() < local(now).date()
    )


@dataclass(slots=True)
class WorkItem:
    id: int
    parcours: int
    youth: str
    kind: str
    step: str
    starts_at: datetime
    by_phone: bool
    place: str
    overdue: bool


async def work_list(user: CurrentUser, *, now: datetime | None = None) -> list[WorkItem]:
    """The touchpoints of the user's parcours (as counsellor, adviser or supervisor) still to do: overdue first,
    then the next two weeks'."""
    now = now or utcnow()
    mine = (Touchpoint.parcours.counsellor == user.id) | (Touchpoint.parcours.adviser == user.id)
    mine |= Touchpoint.parcours.supervisor == user.id
    rows = (
        await Touchpoint.select(
            Touchpoint.id,
            Touchpoint.parcours,
            Touchpoint.kind,
            Touchpoint.step,
            Touchpoint.status,
            Touchpoint.starts_at,
            Touchpoint.by_phone,
            Touchpoint.place,
            Touchpoint.parcours.participant.first_name.as_alias("first_name"),
            Touchpoint.parcours.participant.last_name.as_alias("last_name"),
            Touchpoint.parcours.organisation.as_alias("organisation"),
            Touchpoint.parcours.adviser_organisation.as_alias("adviser_organisation"),
        )
        .where(
            mine
            & (Touchpoint.status == TouchpointStatus.planned)
            & (Touchpoint.parcours.status != ParcoursStatus.ended)
            & (Touchpoint.starts_at < now + timedelta(days=WORK_LIST_DAYS))
        )
        .order_by(Touchpoint.starts_at)
    )
    items = []
    for row in rows:
        if row["organisation"] not in user.roles and not (
            row["adviser_organisation"] in user.roles
            and await partners(row["organisation"], row["adviser_organisation"])
        ):
            continue
        items.append(
            WorkItem(
                id=row["id"],
                parcours=row["parcours"],
                youth=f"{row['first_name']} {row['last_name']}",
                kind=row["kind"],
                step=row["step"],
                starts_at=row["starts_at"],
                by_phone=row["by_phone"],
                place=row["place"],
                overdue=is_overdue(row, now),
            )
        )
    items.sort(key=lambda item: (not item.overdue, item.starts_at))
    return items


async def overdue_for_digest(now: datetime) -> dict[int, list[dict]]:
    """The touchpoints late by DIGEST_AFTER_DAYS or more, by host structure."""
    rows = (
        await Touchpoint.select(
            Touchpoint.id,
            Touchpoint.kind,
            Touchpoint.step,
            Touchpoint.starts_at,
            Touchpoint.parcours,
            Touchpoint.parcours.organisation.as_alias("organisation"),
            Touchpoint.parcours.participant.first_name.as_alias("first_name"),
            Touchpoint.parcours.participant.last_name.as_alias("last_name"),
            Touchpoint.parcours.counsellor.full_name.as_alias("counsellor_name"),
        )
        .where(
            (Touchpoint.status == TouchpointStatus.planned)
            & (Touchpoint.parcours.status != ParcoursStatus.ended)
            & (Touchpoint.starts_at < now - timedelta(days=DIGEST_AFTER_DAYS))
        )
        .order_by(Touchpoint.starts_at)
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["organisation"], []).append(row)
    return found


async def managers(organisation_id: int) -> list[dict]:
    """The structure's managers: its active admins and organisers."""
    return await Membership.select(
        Membership.user.email.as_alias("email"), Membership.user.full_name.as_alias("name")
    ).where(
        (Membership.organisation == organisation_id)
        & Membership.deactivated_at.is_null()
        & Membership.role.is_in([Role.admin.value, Role.organiser.value])
        & (Membership.user.is_active == True)  # noqa: E712
    )


async def organisation_name(organisation_id: int) -> str:
    row = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
    return row["name"] if row else ""


async def user_names(ids: list[int]) -> dict[int, str]:
    return {
        r["id"]: r["full_name"] for r in await User.select(User.id, User.full_name).where(User.id.is_in(ids or [-1]))
    }
