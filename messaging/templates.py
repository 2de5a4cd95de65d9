"""The wording of every automatic message, which each organisation can make its own.

A template is short text with variables in braces (`{first_name}`, `{event}`…). The defaults are
catalogue messages (English msgids, French translations) keeping the same braces, so a youth gets
French by default and an organisation that rewrites a message sees the variables it may use.
Rendering never fails on a youth's message: a variable missing from the values is left empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.cache import MISSING, TtlCache
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput
from core.i18n import gettext as _
from core.i18n import language, lazy
from messaging.tables import TO_PEOPLE, Channel, MessageTemplate

VARIABLES: dict[str, str] = {
    "first_name": lazy("the youth's first name"),
    "event": lazy("the event's title"),
    "date": lazy("the day, e.g. mardi 3 mars"),
    "time": lazy("the start time, e.g. 09:30"),
    "place": lazy("where it happens"),
    "link": lazy("the youth's personal page (details, calendar, cancel)"),
    "phone": lazy("the organiser's phone number"),
    "organiser": lazy("the organising structure"),
    "change": lazy("what changed (for change messages)"),
    "reason": lazy("the organiser's reason, if given (for cancellations)"),
    "details": lazy("the youth's team or interviews (for published plans)"),
    "next": lazy("the next date of the same kind of event and its link (for those who did not come)"),
    "answer": lazy("the link where the youth says where they are now (for the follow-up message)"),
    "adviser": lazy("the adviser who proposes the event, and their organisation (for proposals)"),
}


@dataclass(frozen=True)
class Default:
    label: str
    subject: str
    sms: str
    email: str


DEFAULTS: dict[str, Default] = {
    "confirmation": Default(
        lazy("Confirmation of a registration"),
        lazy("Your registration: {event}"),
        lazy("Hello {first_name}, your place at {event} is booked: {date} at {time}, {place}. Your page: {link}"),
        lazy(
            "Hello {first_name},\n\nyou are registered for {event} on {date} at {time}, {place}.\n"
            "Your page, to see the details, add it to your calendar or cancel: {link}\n\n"
            "A question? Call {phone}.\n{organiser}"
        ),
    ),
    "waiting": Default(
        lazy("On the waiting list"),
        lazy("Waiting list: {event}"),
        lazy("Hello {first_name}, {event} is full: you are now on the waiting list. We will tell you. Page: {link}"),
        lazy(
            "Hello {first_name},\n\n{event} is full: you are on the waiting list. We will tell you as soon as "
            "a place frees up.\nYour page: {link}\n\n{organiser}"
        ),
    ),
    "pending": Default(
        lazy("Registration waiting for the organiser's approval"),
        lazy("Registration received: {event}"),
        lazy("Hello {first_name}, we have your registration for {event}. We will confirm it quickly. {link}"),
        lazy(
            "Hello {first_name},\n\nwe received your registration for {event} on {date}. The organiser will "
            "confirm it soon.\nYour page: {link}\n\n{organiser}"
        ),
    ),
    "promoted": Default(
        lazy("A place freed up"),
        lazy("A place frees up: {event}"),
        lazy("Good news {first_name}: a place freed up for {event} on {date} at {time}. We expect you! {link}"),
        lazy(
            "Hello {first_name},\n\na place freed up: you are registered for {event} on {date} at {time}, "
            "{place}.\nYour page: {link}\n\n{organiser}"
        ),
    ),
    "reminder_2d": Default(
        lazy("Reminder two days before"),
        lazy("In two days: {event}"),
        lazy("Hello {first_name}, see you on {date} at {time} for {event}, {place}. A problem? Tell us: {link}"),
        lazy(
            "Hello {first_name},\n\nsee you on {date} at {time} for {event}, {place}.\n"
            "If you cannot come, say so on your page so someone else can take your place: {link}\n\n{organiser}"
        ),
    ),
    "reminder_1d": Default(
        lazy("Reminder the day before, 18:00"),
        lazy("Tomorrow: {event}"),
        lazy("{first_name}, tomorrow at {time}: {event}, {place}. A question? {phone}"),
        lazy("Hello {first_name},\n\ntomorrow at {time}: {event}, {place}.\nA question? Call {phone}.\n\n{organiser}"),
    ),
    "thanks": Default(
        lazy("Thank-you the day after"),
        lazy("Thank you for coming: {event}"),
        lazy("Thanks for coming to {event}, {first_name}! To go further, call {phone}."),
        lazy(
            "Hello {first_name},\n\nthank you for coming to {event}. To go further (a job, a training, an "
            "interview), call {phone}.\n\n{organiser}"
        ),
    ),
    "missed": Default(
        lazy("The day after, to those who did not come"),
        lazy("We missed you: {event}"),
        lazy("Hello {first_name}, we did not see you at {event}. No matter! {next} A question? {phone}"),
        lazy(
            "Hello {first_name},\n\nwe did not see you at {event}. No matter, it happens.\n{next}\n\n"
            "A question? Call {phone}.\n{organiser}"
        ),
    ),
    "follow_up": Default(
        lazy("A month after, to those who came: where are you now?"),
        lazy("What has become of you since {event}?"),
        lazy("Hello {first_name}, a month after {event}: what has become of you? 3 questions, 1 minute: {answer}"),
        lazy(
            "Hello {first_name},\n\na month ago you came to {event}. What has become of you since? Three "
            "questions, one minute, and your adviser will know: {answer}\n\nA question? Call {phone}.\n{organiser}"
        ),
    ),
    "invitation": Default(
        lazy("An invitation to those who came to a similar event (with their consent)"),
        lazy("An invitation: {event}"),
        lazy(
            "Hello {first_name}, {organiser} invites you to {event} on {date} at {time}, {place}. "
            "To sign up: {link} (STOP to get no more texts)"
        ),
        lazy(
            "Hello {first_name},\n\nyou came to one of our events: {organiser} invites you to {event} on {date} "
            "at {time}, {place}.\nTo sign up: {link}\n\nA question? Call {phone}."
        ),
    ),
    "team": Default(
        lazy("The rally teams are published"),
        lazy("Your team for {event}"),
        lazy("{first_name}, for {event}: {details} Your road and visits: {link}"),
        lazy("Hello {first_name},\n\nfor {event}: {details}\nYour visits, day by day: {link}\n\n{organiser}"),
    ),
    "interviews": Default(
        lazy("The job-dating interviews are published"),
        lazy("Your interviews at {event}"),
        lazy("{first_name}, your interviews at {event} on {date}: {details} Come a few minutes early."),
        lazy(
            "Hello {first_name},\n\nhere are your interviews at {event} on {date}:\n{details}\n\n"
            "Come a few minutes early. Your page: {link}\n\n{organiser}"
        ),
    ),
    "change": Default(
        lazy("A change of time or place"),
        lazy("Change: {event}"),
        lazy("{first_name}, change for {event}: {change}. Your page: {link}"),
        lazy("Hello {first_name},\n\na change for {event}: {change}.\nYour page: {link}\n\n{organiser}"),
    ),
    "proposal": Default(
        lazy("An adviser proposes an event to their youth"),
        lazy("A proposal from your adviser: {event}"),
        lazy("Hello {first_name}, I suggest {event}, {date} at {time}. To register (1 minute): {link} {adviser}"),
        lazy(
            "Hello {first_name},\n\nI suggest you come to {event} on {date} at {time}, {place}.\n"
            "Your details are already filled in: check them and confirm your registration: {link}\n\n{adviser}"
        ),
    ),
    "cancelled": Default(
        lazy("Cancellation by the organiser"),
        lazy("Cancelled: {event}"),
        lazy("{first_name}, {event} on {date} is cancelled. {reason}Sorry! A question? {phone}"),
        lazy(
            "Hello {first_name},\n\n{event} on {date} is cancelled. {reason}We are sorry.\n"
            "A question? Call {phone}.\n\n{organiser}"
        ),
    ),
}
_BRACES = re.compile(r"\{([^{}]*)\}")
# An organisation's wording reaches the messages of the other processes within CACHE_S of being saved; the
# process that saves it drops its entry at once. At most MAX_CACHED: organisations times keys times channels.
CACHE_S = 30.0
MAX_CACHED = 10_000
_cache: TtlCache[tuple[int, str, str], tuple[str, str] | None] = TtlCache(CACHE_S, MAX_CACHED)


class UnknownVariable(InvalidInput):
    code = "unknown_variable"
    message = lazy("Unknown variable {%(name)s}. You can use: %(known)s.")


def render(text: str, values: dict[str, Any]) -> str:
    return _BRACES.sub(lambda m: str(values.get(m.group(1), "")), text)


def check(text: str, field: str) -> None:
    for name in _BRACES.findall(text):
        if name not in VARIABLES:
            raise UnknownVariable(field=field, name=name, known=", ".join(f"{{{v}}}" for v in VARIABLES))


def default(key: str, channel: Channel) -> tuple[str, str]:
    """(subject, body) of the default template, in the current language."""
    template = DEFAULTS[key]
    return _(template.subject), _(template.sms if channel == Channel.sms else template.email)


async def template(organisation_id: int | None, key: str, channel: Channel) -> tuple[str, str]:
    """The organisation's wording of a message, else the default; cached for a few seconds per process."""
    if organisation_id is not None:
        cache_key = (organisation_id, key, channel.value)
        cached = _cache.get(cache_key, MISSING)
        if cached is MISSING:
            row = (
                await MessageTemplate.select(MessageTemplate.subject, MessageTemplate.body)
                .where(
                    (MessageTemplate.organisation == organisation_id)
                    & (MessageTemplate.key == key)
                    & (MessageTemplate.channel == channel)
                )
                .first()
            )
            cached = _cache.set(cache_key, (row["subject"], row["body"]) if row else None)
        if cached is not None:
            return cached
    with language("fr"):
        return default(key, channel)


async def organisation_templates(user: CurrentUser, organisation_id: int) -> list[dict[str, Any]]:
    """Every message with the organisation's wording or the default, for the editing page."""
    require_role(user, organisation_id, Role.viewer)
    rows = await MessageTemplate.select().where(MessageTemplate.organisation == organisation_id)
    own = {(r["key"], r["channel"]): r for r in rows}
    out = []
    for key, d in DEFAULTS.items():
        entry: dict[str, Any] = {"key": key, "label": _(d.label)}
        for channel in TO_PEOPLE:
            mine = own.get((key, channel.value))
            subject, body = (mine["subject"], mine["body"]) if mine else default(key, channel)
            entry[channel.value] = {"subject": subject, "body": body, "custom": mine is not None}
        out.append(entry)
    return out


async def save_template(
    user: CurrentUser, organisation_id: int, key: str, channel: Channel, subject: str, body: str
) -> None:
    require_role(user, organisation_id, Role.organiser)
    if key not in DEFAULTS:
        raise InvalidInput(lazy("Choose one of the proposed options."), field="key")
    if not body.strip():
        raise InvalidInput(lazy("Write the message, or reset it to the default."), field="body")
    check(body, "body")
    check(subject, "subject")
    async with write_transaction():
        await MessageTemplate.delete().where(
            (MessageTemplate.organisation == organisation_id)
            & (MessageTemplate.key == key)
            & (MessageTemplate.channel == channel)
        )
        await MessageTemplate(
            organisation=organisation_id,
            key=key,
            channel=channel,
            subject=subject.strip(),
            body=body.strip(),
            updated_at=utcnow(),
        ).save()
    _cache.pop((organisation_id, key, channel.value))


async def reset_template(user: CurrentUser, organisation_id: int, key: str, channel: Channel) -> None:
    require_role(user, organisation_id, Role.organiser)
    await MessageTemplate.delete().where(
        (MessageTemplate.organisation == organisation_id)
        & (MessageTemplate.key == key)
        & (MessageTemplate.channel == channel)
    )
    _cache.pop((organisation_id, key, channel.value))


EXAMPLE = {
    "first_name": "Inès",
    "event": "Information collective Intérim Solidaire",
    "date": "mardi 3 mars",
    "time": "09:30",
    "place": "Mission Locale, 5 avenue des Alpes, Valence",
    "link": "https://tremplin.example/r/Xy7aB2",
    "phone": "06 12 34 56 78",
    "organiser": "Intérim Solidaire",
    "change": "nouvelle heure 10:00",
    "details": "équipe 3 avec Karim (06 21 43 65 87).",
    "adviser": "Claire Dupont, Mission Locale Valence",
    "next": "Prochaine date : le jeudi 2 avril, pour vous inscrire : https://tremplin.example/e/Ab3",
}
