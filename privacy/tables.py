"""Who viewed, exported or erased a youth's personal data, and when."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from registration.tables import Participant


class AccessKind(StrEnum):
    viewed = "viewed"  # their console page, at most once a day per user
    exported = "exported"  # the JSON or PDF export
    erased = "erased"


class PersonalDataAccess(Table):
    """One access to a youth's personal data, shown to the admins of the organisation holding the record."""

    organisation = ForeignKey(references=Organisation, index=True)
    participant = ForeignKey(references=Participant, index=True)
    user = ForeignKey(references=User, null=True, default=None)  # None: the retention purge
    action = Varchar(length=10, choices=AccessKind)
    at = Timestamptz(default=TimestamptzNow())
