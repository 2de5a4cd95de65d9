"""The JSON API of outcomes: what came of an event for each youth (registration, attendance, results, latest
situation), a youth's situations and results, the follow-ups; situations can be written.

Scoped like the console: an API token acts in its organisation as a viewer (read) or an organiser (write);
a partner sees only the registrations it referred. Handlers parse, call one service and shape the answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core import signals
from core.forms import Input
from core.spreadsheets import MAX_CSV_BYTES
from events.services import get_event
from outcomes import followups, imports
from outcomes.services import SituationInput, record_situation, results_of, situations_of
from outcomes.situations import category
from registration import signals as registration_signals
from registration.tables import Registration
from registration.youths import referred_by_us, seen_registrations

User = Request[CurrentUser, Any, Any]


class SituationIn(Input):
    kind: str
    since: date
    source: str
    contract_months: int | None = None
    employer: str = ""
    notes: str = ""
    event_id: int | None = None


class SituationOut(msgspec.Struct):
    id: int
    kind: str
    category: str
    since: date
    source: str
    contract_months: int | None
    employer: str
    event_id: int | None
    recorded_by: int | None
    recorded_at: datetime


class ResultOut(msgspec.Struct):
    id: int
    registration_id: int
    kind: str
    company_id: int | None
    company: str
    visit_id: int | None
    recorded_by: int | None
    recorded_at: datetime


class YouthOutcomesOut(msgspec.Struct):
    participant_id: int
    situations: list[SituationOut]
    results: list[ResultOut]


class RegistrationOutcomeOut(msgspec.Struct):
    registration_id: int
    participant_id: int
    first_name: str
    last_name: str
    status: str
    attendance: str | None  # the best recorded: present, late, left_early, excused, absent
    minutes_attended: int
    results: list[ResultOut]
    latest_situation: str | None


class FollowUpOut(msgspec.Struct):
    id: int
    participant_id: int
    event_id: int
    days: int
    due_on: date
    done_at: datetime | None


@dataclass
class _CsvUpload(Operation):
    """The import's body in the schema: the handler reads the form itself, once the organisation is checked
    (a body Litestar parsed first would answer 400 to someone who may not even know the organisation exists)."""

    def __post_init__(self) -> None:
        file = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY, description="the CSV file")
        form = Schema(type=OpenAPIType.OBJECT, properties={"file": file}, required=["file"])
        self.request_body = RequestBody(content={"multipart/form-data": OpenAPIMediaType(schema=form)}, required=True)


class ImportErrorOut(msgspec.Struct):
    field: str  # the column: youth, phone, birth_date, event, since, kind, source, contract_months
    code: str  # stable: unknown_youth, ambiguous_youth, duplicate_situation, date_in_future…
    message: str  # in the request's language


class RejectedRowOut(msgspec.Struct):
    line: int  # in the file, the header being line 1
    errors: list[ImportErrorOut]


class AcceptedRowOut(msgspec.Struct):
    line: int
    participant_id: int
    kind: str
    since: date
    event_id: int | None
    follow_up_id: int | None  # the follow-up it answers (done once imported)


class SituationsImportOut(msgspec.Struct):
    dry_run: bool
    accepted: int
    saved: int  # 0 in a dry run
    rejected: list[RejectedRowOut]
    accepted_rows: list[AcceptedRowOut]


def _import_report(report: imports.ImportReport) -> SituationsImportOut:
    return SituationsImportOut(
        dry_run=report.dry_run,
        accepted=len(report.accepted),
        saved=report.saved,
        rejected=[
            RejectedRowOut(line=r.line, errors=[ImportErrorOut(e.field, e.code, e.message) for e in r.errors])
            for r in report.rejected
        ],
        accepted_rows=[
            AcceptedRowOut(
                line=a.line,
                participant_id=a.participant,
                kind=a.data.kind,
                since=a.data.since,  # type: ignore[arg-type]
                event_id=a.data.event,
                follow_up_id=a.data.follow_up,
            )
            for a in report.accepted
        ],
    )


def _situation(s: dict) -> SituationOut:
    return SituationOut(
        id=s["id"],
        kind=s["kind"],
        category=category(s["kind"]).value,
        since=s["since"],
        source=s["source"],
        contract_months=s["contract_months"],
        employer=s["employer"],
        event_id=s["event"],
        recorded_by=s["recorded_by"],
        recorded_at=s["recorded_at"],
    )


def _result(r: dict) -> ResultOut:
    return ResultOut(
        id=r["id"],
        registration_id=r["registration"],
        kind=r["kind"],
        company_id=r["company"],
        company=r["company_label"] or r["company_name"],
        visit_id=r["visit"],
        recorded_by=r["recorded_by"],
        recorded_at=r["recorded_at"],
    )


class OutcomesApi(Controller):
    path = "/api"
    tags = ["outcomes"]

    @get("/youths/{participant_id:int}/outcomes", summary="A youth's situations and results")
    async def youth(self, request: User, participant_id: FromPath[int]) -> YouthOutcomesOut:
        _youth, _holder, registration_ids = await seen_registrations(request.user, participant_id)
        return YouthOutcomesOut(
            participant_id=participant_id,
            situations=[_situation(s) for s in await situations_of(participant_id)],
            results=[_result(r) for r in await results_of(registration_ids)],
        )

    @post(
        "/youths/{participant_id:int}/situations",
        summary="Add a youth's situation (never replaces an earlier one)",
        status_code=HTTP_201_CREATED,
    )
    async def add_situation(self, request: User, participant_id: FromPath[int], data: JSONBody[SituationIn]) -> dict:
        situation_id = await record_situation(
            request.user,
            participant_id,
            SituationInput(
                kind=data.kind,
                since=data.since,
                source=data.source,
                contract_months=data.contract_months,
                employer=data.employer,
                notes=data.notes,
                event=data.event_id,
            ),
        )
        return {"id": situation_id}

    @post(
        "/organisations/{organisation_id:int}/situations/import",
        summary="Import situations from a CSV file (multipart field `file`); dry_run=true checks without saving",
        description=(
            "Each row is checked as a situation written one by one, and against the organisation's youths (by "
            "phone, or last name, first name and date of birth). Rejected rows are listed with every reason and "
            "never saved; the accepted rows are saved together unless dry_run. Nothing saved before is changed. "
            f"At most {MAX_CSV_BYTES // (1024 * 1024)} MB and {imports.MAX_ROWS} rows."
        ),
        status_code=200,
        operation_class=_CsvUpload,
    )
    async def import_situations(
        self, request: User, organisation_id: FromPath[int], dry_run: Annotated[bool, QueryParameter()] = False
    ) -> SituationsImportOut:
        require_role(request.user, organisation_id, Role.organiser)  # before reading what they sent
        upload = (await request.form()).get("file")
        content = await upload.read(MAX_CSV_BYTES + 1) if isinstance(upload, UploadFile) else b""
        report = await imports.import_situations(request.user, organisation_id, content, dry_run=dry_run)
        return _import_report(report)

    @get("/events/{event_id:int}/outcomes", summary="Each registration of an event: attendance, results, situation")
    async def event(self, request: User, event_id: FromPath[int]) -> list[RegistrationOutcomeOut]:
        event = await get_event(request.user, event_id)  # 404 unless the user sees the event
        query = Registration.select(
            Registration.id,
            Registration.participant,
            Registration.status,
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.last_name.as_alias("last_name"),
        ).where(Registration.event == event_id)
        if event["organisation"] not in request.user.roles:  # a partner: the youths it referred
            query = query.where(referred_by_us(request.user))
        registrations = await query.order_by(Registration.id)
        ids = [r["id"] for r in registrations]
        attendance = await signals.merged(registration_signals.attendance_wanted, registration_ids=ids)
        minutes = await signals.merged(registration_signals.attended_time, registration_ids=ids)
        latest = await signals.merged(
            registration_signals.latest_outcomes, participant_ids=[r["participant"] for r in registrations]
        )
        results: dict[int, list[ResultOut]] = {}
        for r in await results_of(ids):
            results.setdefault(r["registration"], []).append(_result(r))
        return [
            RegistrationOutcomeOut(
                registration_id=r["id"],
                participant_id=r["participant"],
                first_name=r["first_name"],
                last_name=r["last_name"],
                status=r["status"],
                attendance=attendance.get(r["id"]),
                minutes_attended=sum(minutes.get(r["id"], {}).values()),
                results=results.get(r["id"], []),
                latest_situation=latest.get(r["participant"]),
            )
            for r in registrations
        ]

    @get(
        "/follow-ups",
        summary="The follow-ups the user follows: state=due (this week), overdue or done; scope=mine or all",
    )
    async def follow_ups(
        self,
        request: User,
        wanted: Annotated[str, QueryParameter(name="state")] = "due",
        whose: Annotated[str, QueryParameter(name="scope")] = "",
    ) -> list[FollowUpOut]:
        found = await followups.work_list(request.user, wanted, whose)
        return [
            FollowUpOut(
                id=row.id,
                participant_id=row.participant,
                event_id=row.event,
                days=row.days,
                due_on=row.due_on,
                done_at=row.done_at,
            )
            for row in found.rows
        ]


ROUTES = [OutcomesApi]
