"""Calendar subscriptions behind secret links."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User


class FeedKind(StrEnum):
    registration = "registration"  # a youth's events (their personal page's calendar, kept in sync)
    companion = "companion"  # a companion's team itinerary
    team = "team"
    site = "site"  # teams arriving at a company site
    organisation = "organisation"  # every session of an organisation's events
    adviser = "adviser"  # the events of an adviser's youths


class CalendarFeed(Table):
    """A calendar subscription (webcal://) behind a secret link that can be revoked and renewed.

    Only a hash of the token is kept, so a leaked database does not open anyone's calendar."""

    kind = Varchar(length=14, choices=FeedKind)
    subject = Integer()  # the id of the registration, companion, team, site, organisation or user
    organisation = ForeignKey(references=Organisation, index=True)  # whose data it shows
    token_hash = Varchar(length=64, unique=True, index=True)
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
