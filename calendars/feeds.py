"""Calendar subscriptions (webcal://) behind secret links that can be revoked and renewed.

The token is shown once, when the link is created; the database keeps only its SHA-256, so a leaked
database opens no calendar. Who may create a link: staff or more of the organisation for an organisation,
companion, team or site calendar; the user themself for their adviser calendar. A link keeps working when
its creator leaves (it was made for the organisation), except an adviser's, which dies with their membership.
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from accounts.services import CurrentUser, require_role
from accounts.tables import Membership, Organisation, Role, User
from calendars import invitations as calendars
from calendars.tables import CalendarFeed, FeedKind
from core.clock import utcnow
from core.db import write_transaction
from core.errors import Forbidden, InvalidInput, NotFound
from core.i18n import gettext as _
from core.i18n import lazy
from core.settings import get_settings
from events.tables import Site
from planning.tables import Companion, Team

CREATABLE = (FeedKind.organisation, FeedKind.companion, FeedKind.team, FeedKind.site, FeedKind.adviser)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    return f"{get_settings().base_url}/feeds/{token}.ics"


def webcal_url(token: str) -> str:
    parts = urlsplit(feed_url(token))
    return f"webcal://{parts.netloc}{parts.path}"


async def _subject_organisation(kind: FeedKind, subject_id: int) -> int | None:
    """The organisation whose data the calendar shows, or None when the subject does not exist."""
    if kind == FeedKind.organisation:
        found = await Organisation.exists().where(Organisation.id == subject_id)
        return subject_id if found else None
    if kind == FeedKind.companion:
        row = (
            await Companion.select(Companion.event.organisation.as_alias("o")).where(Companion.id == subject_id).first()
        )
    elif kind == FeedKind.team:
        row = await Team.select(Team.event.organisation.as_alias("o")).where(Team.id == subject_id).first()
    elif kind == FeedKind.site:
        row = await Site.select(Site.organisation.as_alias("o")).where(Site.id == subject_id).first()
    else:
        return None
    return row["o"] if row else None


async def _allowed_organisation(user: CurrentUser, kind: FeedKind, subject_id: int) -> int:
    """Where the feed belongs, once the user is allowed to see its subject (404 otherwise, 403 for a low role)."""
    if kind == FeedKind.adviser:
        if subject_id != user.id or not user.roles:
            raise NotFound()
        return user.organisation_ids[0]
    organisation_id = await _subject_organisation(kind, subject_id)
    if organisation_id is None:
        raise NotFound()
    require_role(user, organisation_id, Role.staff)
    return organisation_id


async def create_feed(user: CurrentUser, kind: FeedKind | str, subject_id: int) -> str:
    """A new secret calendar link; returns its token, shown once (only its hash is kept)."""
    try:
        kind = FeedKind(kind)
    except ValueError:
        raise InvalidInput(lazy("Choose one of the proposed calendars."), field="subject") from None
    if kind not in CREATABLE:
        raise InvalidInput(lazy("Choose one of the proposed calendars."), field="subject")
    organisation_id = await _allowed_organisation(user, kind, subject_id)
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await CalendarFeed(
            kind=kind,
            subject=subject_id,
            organisation=organisation_id,
            token_hash=token_hash(token),
            created_by=user.id or None,
        ).save()
    return token


async def _manageable(user: CurrentUser, feed_id: int) -> dict:
    """A live feed the user may revoke: one they created, or any of their organisation's when they are its admin."""
    feed = await CalendarFeed.select().where((CalendarFeed.id == feed_id) & CalendarFeed.revoked_at.is_null()).first()
    if feed is None or feed["organisation"] not in user.roles:
        raise NotFound()
    if feed["created_by"] != user.id and not user.at_least(feed["organisation"], Role.admin):
        raise Forbidden()
    return feed


async def revoke_feed(user: CurrentUser, feed_id: int) -> None:
    """The link stops working at once (404); calendars subscribed to it stop updating."""
    await _manageable(user, feed_id)
    async with write_transaction():
        await CalendarFeed.update({CalendarFeed.revoked_at: utcnow()}).where(CalendarFeed.id == feed_id)


async def renew_feed(user: CurrentUser, feed_id: int) -> str:
    """Revoke a link and make a new one for the same calendar (a leaked link); returns the new token."""
    feed = await _manageable(user, feed_id)
    async with write_transaction():
        await CalendarFeed.update({CalendarFeed.revoked_at: utcnow()}).where(CalendarFeed.id == feed_id)
        return await create_feed(user, feed["kind"], feed["subject"])


async def _labels(feeds: list[dict]) -> dict[tuple[str, int], str]:
    """What each feed shows, in words, by (kind, subject)."""
    ids: dict[str, set[int]] = {kind.value: set() for kind in FeedKind}
    for feed in feeds:
        ids[feed["kind"]].add(feed["subject"])
    labels: dict[tuple[str, int], str] = {}
    for row in await Organisation.select(Organisation.id, Organisation.name).where(
        Organisation.id.is_in(sorted(ids["organisation"]) or [-1])
    ):
        labels["organisation", row["id"]] = _("All sessions of %(name)s", name=row["name"])
    for row in await Companion.select(Companion.id, Companion.full_name, Companion.event.title.as_alias("title")).where(
        Companion.id.is_in(sorted(ids["companion"]) or [-1])
    ):
        labels["companion", row["id"]] = _("Companion %(name)s (%(event)s)", name=row["full_name"], event=row["title"])
    for row in await Team.select(Team.id, Team.number, Team.event.title.as_alias("title")).where(
        Team.id.is_in(sorted(ids["team"]) or [-1])
    ):
        labels["team", row["id"]] = _("Team %(number)s (%(event)s)", number=row["number"], event=row["title"])
    for row in await Site.select(Site.id, Site.name).where(Site.id.is_in(sorted(ids["site"]) or [-1])):
        labels["site", row["id"]] = _("Site %(name)s", name=row["name"])
    for row in await User.select(User.id, User.full_name).where(User.id.is_in(sorted(ids["adviser"]) or [-1])):
        labels["adviser", row["id"]] = _("Events of the youths referred by %(name)s", name=row["full_name"])
    return labels


async def list_feeds(user: CurrentUser) -> list[dict]:
    """The live links the user created, and, for an admin, every live link of their organisation."""
    admin_of = [o for o in user.organisation_ids if user.at_least(o, Role.admin)]
    condition = CalendarFeed.created_by == user.id
    if admin_of:
        condition |= CalendarFeed.organisation.is_in(admin_of)
    feeds = (
        await CalendarFeed.select(
            CalendarFeed.id,
            CalendarFeed.kind,
            CalendarFeed.subject,
            CalendarFeed.organisation,
            CalendarFeed.created_at,
            CalendarFeed.created_by,
            CalendarFeed.created_by.full_name.as_alias("created_by_name"),
        )
        .where(
            condition
            & CalendarFeed.revoked_at.is_null()
            & CalendarFeed.organisation.is_in(user.organisation_ids or [-1])
        )
        .order_by(CalendarFeed.created_at, ascending=False)
    )
    labels = await _labels(feeds)
    for feed in feeds:
        feed["label"] = labels.get((feed["kind"], feed["subject"]), _("A calendar that no longer exists"))
        feed["mine"] = feed["created_by"] == user.id
    return feeds


async def feed_calendar(token: str) -> bytes:
    """The calendar behind a link; NotFound for an unknown or revoked token, or a subject gone."""
    feed = (
        await CalendarFeed.select(CalendarFeed.kind, CalendarFeed.subject, CalendarFeed.organisation)
        .where((CalendarFeed.token_hash == token_hash(token)) & CalendarFeed.revoked_at.is_null())
        .first()
    )
    if feed is None:
        raise NotFound()
    kind, subject = FeedKind(feed["kind"]), feed["subject"]
    if kind == FeedKind.adviser:
        member = await Membership.exists().where(
            (Membership.user == subject)
            & (Membership.organisation == feed["organisation"])
            & (Membership.user.is_active == True)  # noqa: E712
            & Membership.deactivated_at.is_null()  # an adviser who left: their feed stops
        )
        if not member:
            raise NotFound()
        return await calendars.for_adviser(subject)
    if await _subject_organisation(kind, subject) != feed["organisation"]:
        raise NotFound()
    if kind == FeedKind.organisation:
        return await calendars.for_organisation(subject)
    if kind == FeedKind.companion:
        return await calendars.for_companion(subject)
    if kind == FeedKind.team:
        return await calendars.for_team(subject)
    if kind == FeedKind.site:
        return await calendars.for_site(subject)
    raise NotFound()
