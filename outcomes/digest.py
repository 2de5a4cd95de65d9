"""The digest: an e-mail to each person who follows youths saying what happened to *their* youths (those they
referred, `registration.youths.my_youths_registrations`), so that the adviser stays in the loop without asking.

Each person chooses on their account page (`accounts.tables.User.digest`):
- after each event day: at 18:00 local time on a day one of their youths had a session, about that day;
- weekly (the default): on Monday morning, about the past week (Monday to Sunday), with the follow-ups due this
  week and overdue (the Monday reminder of `outcomes.reminders`, folded in: one e-mail on Mondays);
- never.
Who registered, who came and for how long, who did not come (at sessions where attendance was taken), the
results on the spot and the situations recorded. Nothing to say: no e-mail. Through the outbox, once per person
and period: the key names the day, or the week (`outcomes.reminders`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from accounts.services import CurrentUser
from accounts.tables import Digest, Membership, Role, User
from checkin.tables import CheckIn
from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from events.tables import Session
from messaging import outbox
from outcomes.followups import situation_words
from outcomes.situations import RESULT_LABELS
from outcomes.tables import Result, ResultKind, Situation
from registration import signals as registration_signals
from registration.messages import as_html
from registration.services import ACTIVE
from registration.tables import Registration, RegistrationStatus
from registration.youths import my_youths, my_youths_registrations

EVENING_HOUR = 18  # local time: the event day's digest goes from then on
CAME = ("present", "late", "left_early")


@dataclass
class News:
    """What happened to a person's youths in a period: lines of (youth id, words)."""

    registered: list[tuple[int, str]] = field(default_factory=list)
    came: list[tuple[int, str]] = field(default_factory=list)
    missed: list[tuple[int, str]] = field(default_factory=list)
    results: list[tuple[int, str]] = field(default_factory=list)
    situations: list[tuple[int, str]] = field(default_factory=list)
    had_session: bool = False  # one of their youths was expected at a session in the period

    def __bool__(self) -> bool:
        return bool(self.registered or self.came or self.missed or self.results or self.situations)


def _name(row: dict) -> str:
    return f"{row['first_name']} {row['last_name']}"


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


async def news(person: CurrentUser, start: datetime, end: datetime) -> News:
    """What happened to the person's youths between `start` and `end`."""
    found = News()
    mine = my_youths_registrations(person)

    def window_of(column):
        return (column >= start) & (column < end)

    for r in await (
        Registration.select(
            Registration.participant,
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.last_name.as_alias("last_name"),
            Registration.event.title.as_alias("event"),
            Registration.event.starts_on.as_alias("starts_on"),
        )
        .where(mine & window_of(Registration.created_at) & Registration.status.is_in(list(ACTIVE)))
        .order_by(Registration.created_at)
    ):
        found.registered.append((r["participant"], f"{_name(r)} — {r['event']}, {r['starts_on']:%d/%m/%Y}"))
    await _attendance(found, mine, window_of)
    for r in await (
        Result.select(
            Result.kind,
            Result.company_name,
            Result.company.name.as_alias("company"),
            Result.registration.participant.as_alias("participant"),
            Result.registration.participant.first_name.as_alias("first_name"),
            Result.registration.participant.last_name.as_alias("last_name"),
        )
        .where(
            Result.registration.is_in(Registration.select(Registration.id).where(mine))
            & window_of(Result.recorded_at)
            & Result.withdrawn_at.is_null()
        )
        .order_by(Result.recorded_at)
    ):
        company = r["company"] or r["company_name"]
        words = _(RESULT_LABELS[ResultKind(r["kind"])]) + (f" ({company})" if company else "")
        found.results.append((r["participant"], f"{_name(r)} — {words}"))
    for r in await (
        Situation.select(
            Situation.participant,
            Situation.kind,
            Situation.participant.first_name.as_alias("first_name"),
            Situation.participant.last_name.as_alias("last_name"),
        )
        .where(Situation.participant.is_in(my_youths(person)) & window_of(Situation.recorded_at))
        .order_by(Situation.recorded_at)
    ):
        found.situations.append((r["participant"], f"{_name(r)} — {situation_words(r['kind'])}"))
    return found


async def _attendance(found: News, mine, window_of) -> None:
    """Who came to the period's sessions, and for how long; who did not, where attendance was taken."""
    events = Registration.select(Registration.event).where(mine & (Registration.status == RegistrationStatus.confirmed))
    sessions = {
        s["id"]: s
        for s in await Session.select(Session.id, Session.event, Session.title).where(
            window_of(Session.starts_at) & Session.event.is_in(events)
        )
    }
    if not sessions:
        return
    registrations = await (
        Registration.select(
            Registration.id,
            Registration.participant,
            Registration.event,
            Registration.session,
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.last_name.as_alias("last_name"),
            Registration.event.title.as_alias("event_title"),
        )
        .where(
            mine
            & (Registration.status == RegistrationStatus.confirmed)
            & Registration.event.is_in(list({s["event"] for s in sessions.values()}))
        )
        .order_by(Registration.participant.last_name)
    )
    if not registrations:
        return
    found.had_session = True
    ids = [r["id"] for r in registrations]
    statuses = await signals.merged(registration_signals.attendance_by_session, registration_ids=ids)
    minutes = await signals.merged(registration_signals.attended_time, registration_ids=ids)
    taken = {
        row["session"]
        for row in await CheckIn.select(CheckIn.session).where(CheckIn.session.is_in(list(sessions))).distinct()
    }
    for r in registrations:
        expected = [
            s for s in sessions.values() if s["event"] == r["event"] and r["session"] in (None, s["id"])
        ]  # a youth registered for one session of the event is expected at that one only
        seen = statuses.get(r["id"], {})
        came = [s for s in expected if seen.get(s["id"]) in CAME]
        if came:
            total = sum(minutes.get(r["id"], {}).get(s["id"], 0) for s in came)
            how_long = f" ({_duration(total)})" if total else ""
            found.came.append((r["participant"], f"{_name(r)} — {r['event_title']}{how_long}"))
        elif any(s["id"] in taken for s in expected):
            found.missed.append((r["participant"], f"{_name(r)} — {r['event_title']}"))


def compose(person: CurrentUser, found: News, heading: str, follow_ups: dict[str, int] | None = None) -> str:
    """The e-mail's text: a section per kind of news, each youth with the link to their page."""
    base = get_settings().base_url
    sections = (
        (_("New registrations"), found.registered),
        (_("Came (time attended)"), found.came),
        (_("Did not come"), found.missed),
        (_("Results on the spot"), found.results),
        (_("Situations recorded"), found.situations),
    )
    parts = [_("Hello %(name)s,", name=person.full_name), heading]
    for title, lines in sections:
        if lines:
            parts.append(f"{title}\n" + "\n".join(f"- {words} — {base}/youths/{youth}" for youth, words in lines))
    if follow_ups and (follow_ups["due"] or follow_ups["overdue"]):
        parts.append(
            _(
                "Follow-ups: %(due)s fall due this week and %(overdue)s are overdue. A call, then their situation "
                "in a few taps: %(link)s",
                link=f"{base}/follow-ups",
                **follow_ups,
            )
        )
    parts.append(_("To receive this summary after each event day, weekly or never: %(link)s", link=f"{base}/account"))
    parts.append("Tremplin")
    return "\n\n".join(parts)


async def people_who_follow() -> list[CurrentUser]:
    """Active users with the adviser role or above somewhere, as CurrentUser."""
    rows = await Membership.select(
        Membership.user,
        Membership.organisation,
        Membership.role,
        Membership.user.email.as_alias("email"),
        Membership.user.full_name.as_alias("full_name"),
        Membership.user.language.as_alias("language"),
    ).where(Membership.deactivated_at.is_null() & (Membership.user.is_active == True))  # noqa: E712
    people: dict[int, CurrentUser] = {}
    for row in rows:
        person = people.setdefault(
            row["user"], CurrentUser(row["user"], row["email"], row["full_name"], row["language"], {})
        )
        person.roles[row["organisation"]] = Role(row["role"])
    return [p for p in people.values() if any(p.at_least(o, Role.adviser) for o in p.roles)]


async def choices(people: list[CurrentUser]) -> dict[int, str]:
    """Each person's choice of digest."""
    rows = await User.select(User.id, User.digest).where(User.id.is_in([p.id for p in people] or [-1]))
    return {r["id"]: r["digest"] for r in rows}


async def send_evening(now: datetime | None = None) -> int:
    """From 18:00 local time, each person who chose it gets the day's digest if one of their youths had a session
    that day (once a day); how many were queued."""
    now = now or utcnow()
    settings = get_settings()
    local = now.astimezone(settings.tz)
    if local.hour < EVENING_HOUR:
        return 0
    start = datetime.combine(local.date(), time(0), settings.tz)
    everyone = await people_who_follow()
    chosen = await choices(everyone)
    queued = 0
    for person in everyone:
        if chosen.get(person.id) != Digest.event_day:
            continue
        with language(person.language):
            found = await news(person, start, now)
            if not (found and found.had_session):
                continue
            day = local.strftime("%d/%m/%Y")
            subject = _("Your youths on %(day)s", day=day)
            text = compose(person, found, _("Here is what happened to your youths on %(day)s.", day=day))
        async with write_transaction():
            queued += await outbox.enqueue_email(
                to=person.email,
                subject=subject,
                text=text,
                html=as_html(text),
                key=f"digest:{person.id}:{local.date().isoformat()}",
            )
    return queued


def last_week(local: datetime) -> tuple[datetime, datetime]:
    """The week before `local`'s (Monday 00:00 to Monday 00:00, local time)."""
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), local.tzinfo)
    return monday - timedelta(days=7), monday


async def weekly_text(person: CurrentUser, local: datetime, follow_ups: dict[str, int]) -> tuple[str, str] | None:
    """The weekly digest's subject and text (in the person's language, set by the caller), or None when there
    is nothing to say: no news of their youths and no follow-up due."""
    start, end = last_week(local)
    found = await news(person, start, end)
    if not found:
        return None
    subject = _("Your youths last week")
    heading = _(
        "Here is what happened to your youths from %(start)s to %(end)s.",
        start=start.strftime("%d/%m"),
        end=(end - timedelta(days=1)).strftime("%d/%m"),
    )
    return subject, compose(person, found, heading, follow_ups)
